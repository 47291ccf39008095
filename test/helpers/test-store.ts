// Which store the store-agnostic suites run on (README, "Tests"): TARGETWATCH_TEST_STORE=postgres
// runs the audit and HTTP suites on PostgreSQL (test/helpers/postgres.ts) as they run on SQLite.
// It replaces the persistent store a test asks for (`sqlite`); a test on the harness default
// (memory) or on `eventstoredb` keeps it. test/postgres/suites.test.ts sets it.
import type { StoreKind } from '../../services/config.ts'

const chosen = (): 'sqlite' | 'postgres' | null => {
  const value = process.env.TARGETWATCH_TEST_STORE
  if (value === undefined || value === '') return null
  if (value !== 'sqlite' && value !== 'postgres') throw new Error(`TARGETWATCH_TEST_STORE must be sqlite or postgres, got '${value}'`)
  return value
}

/** The store a harness opens when a test asks for `asked` (undefined: the harness default, memory). */
export const storeFor = (asked: StoreKind | undefined): StoreKind => (asked === 'sqlite' ? (chosen() ?? asked) : (asked ?? 'memory'))

/** The persistent store of this run: sqlite unless TARGETWATCH_TEST_STORE says otherwise. */
export const persistentStore = (): 'sqlite' | 'postgres' => chosen() ?? 'sqlite'

// One database per data dir, so a test that restarts the service on its data dir finds its log.
const databases = new Map<string, Promise<string>>()

/** The environment that opens `store` for the data dir (DATABASE_URL for postgres). */
export const storeEnv = async (store: StoreKind, dataDir: string): Promise<Record<string, string>> => {
  if (store !== 'postgres') return { TARGETWATCH_STORE: store }
  let url = databases.get(dataDir)
  // Imported here: a run on SQLite or memory never loads pg and the cluster helper.
  if (url === undefined) databases.set(dataDir, (url = import('./postgres.ts').then(({ freshDatabaseUrl }) => freshDatabaseUrl('harness'))))
  return { TARGETWATCH_STORE: store, DATABASE_URL: await url }
}

/**
 * How the CLI reads the log of a harness's data dir: `--data DIR` for the SQLite file, else the
 * configured store through the environment (args to add, env to set).
 */
export const cliLogSource = async (dataDir: string): Promise<{ args: string[]; env: Record<string, string> }> => {
  const store = persistentStore()
  if (store === 'sqlite') return { args: ['--data', dataDir], env: {} }
  return { args: [], env: { TARGETWATCH_DATA_DIR: dataDir, ...(await storeEnv(store, dataDir)) } }
}
