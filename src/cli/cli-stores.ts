import { storesOf } from '../db/stores/index.js'
import type { Stores } from '../db/stores/types.js'
import type { Runtime } from './bootstrap.js'

/**
 * The shared stores for a CLI command that writes shared state (andy prompts, andy seed's prompts):
 * PostgreSQL with DATABASE_URL (its migrations applied; pg is loaded only then), else the DB_PATH file's.
 */
export async function openCliStores(rt: Runtime): Promise<{ stores: Stores; close(): Promise<void> }> {
  const url = rt.config.databaseUrl
  if (!url) return { stores: storesOf({ db: rt.db }), close: async () => {} }
  const [{ openPg }, { createPgStores }] = await Promise.all([
    import('../db/pg/client.js'),
    import('../db/pg/stores.js'),
  ])
  const pg = await openPg(url, { migrate: true, max: 2 })
  return { stores: createPgStores(pg), close: () => pg.close() }
}
