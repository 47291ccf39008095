// The PostgreSQL adapter runs the whole contract against a real server: DATABASE_URL's, or a
// throwaway cluster this file starts (test/helpers/postgres.ts). Every test gets a database of
// its own, so the dense-position and empty-store checks hold as on SQLite.
import t from 'tap'
import { createPostgresStore } from '../../services/store/postgres.ts'
import { freshDatabaseUrl } from '../helpers/postgres.ts'
import { eventStoreContract } from './event-store.contract.ts'

eventStoreContract(t, 'postgres', async (options) => {
  const store = await createPostgresStore({ connectionString: await freshDatabaseUrl('contract'), ...options })
  return { store, cleanup: () => store.close() }
})
