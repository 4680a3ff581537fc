import type { Db } from '../client.js'
import { createSqliteStores } from './sqlite.js'
import type { Stores } from './types.js'

export type * from './llm-types.js'
export type * from './process-types.js'
export { createSqliteStores } from './sqlite.js'
export type * from './types.js'
export type * from './usage-types.js'

const sqliteStores = new WeakMap<Db, Stores>()

/**
 * The stores an app uses: the ones it was given (PostgreSQL, DATABASE_URL), else the SQLite stores over
 * its database file (one set per open database).
 */
export function storesOf(deps: { readonly db: Db; readonly stores?: Stores }): Stores {
  if (deps.stores) return deps.stores
  let s = sqliteStores.get(deps.db)
  if (!s) {
    s = createSqliteStores(deps.db)
    sqliteStores.set(deps.db, s)
  }
  return s
}
