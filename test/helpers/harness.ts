// A fresh service per test: real fastify (inject), real store (memory by default, or a SQLite
// file in a temp dir, or a fresh PostgreSQL database: test/helpers/test-store.ts), silent logs,
// a fixed or supplied clock.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import type { FastifyInstance } from 'fastify'
import { loadConfig, type StoreKind } from '../../services/config.ts'
import { buildApp } from '../../services/http/app.ts'
import { openServices, type Services } from '../../services/services.ts'
import type { EventStore } from '../../services/store/port.ts'
import { storeEnv, storeFor } from './test-store.ts'

export const adminKey = 'test-admin-key-0123456789'

export interface Harness {
  app: FastifyInstance
  services: Services
  dataDir: string
  /** The log's head once started: the 2020 plan is published at first start (position 1 of a new log). */
  startHead: number
  /** Authorization header for a key. */
  auth: (key?: string) => { authorization: string }
  close: () => Promise<void>
}

export const startHarness = async (
  options: {
    store?: StoreKind
    clock?: () => Date
    env?: Record<string, string>
    dataDir?: string
    /** A store made by the test (with `store` naming its kind): the EventStoreDB adapter on its stand-in. */
    openStore?: () => EventStore | Promise<EventStore>
  } = {},
): Promise<Harness> => {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'targetwatch-test-'))
  const config = loadConfig({
    TARGETWATCH_DATA_DIR: dataDir,
    ...(await storeEnv(storeFor(options.store), dataDir)),
    TARGETWATCH_ADMIN_KEY: adminKey,
    ...options.env,
  })
  const logger = pino({ level: 'silent' })
  const services = await openServices(config, logger, options.clock, options.openStore ? await options.openStore() : undefined)
  const app = await buildApp(services)
  await app.ready()
  return {
    app,
    services,
    dataDir,
    startHead: await services.store.head(),
    auth: (key = adminKey) => ({ authorization: `Bearer ${key}` }),
    close: async () => {
      await app.close()
      await services.close()
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** A key of `role` (scoped to `regions` for reporters), created through the API. */
export const createKey = async (h: Harness, role: string, regions?: string[]): Promise<string> => {
  const response = await h.app.inject({
    method: 'POST',
    url: '/v1/keys',
    headers: h.auth(),
    payload: { name: `${role} for tests`, role, ...(regions ? { regions } : {}) },
  })
  if (response.statusCode !== 201) throw new Error(`key creation failed: ${response.statusCode} ${response.body}`)
  return response.json().key
}

export const head = (h: Harness) => h.services.store.head()
