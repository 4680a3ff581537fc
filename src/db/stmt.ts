import type { Statement } from 'better-sqlite3'
import type { Db, Sqlite } from './client.js'

/**
 * Prepared statements cached per connection: preparing the same SQL for every message cost ~8 % of the
 * CPU of the delivery bench (bench/delivery.ts). Only for fixed SQL text (no values in it: bind them).
 */
const caches = new WeakMap<Sqlite, Map<string, Statement>>()

export function stmt(db: Db, sql: string): Statement {
  let cache = caches.get(db.sqlite)
  if (!cache) {
    cache = new Map()
    caches.set(db.sqlite, cache)
  }
  let s = cache.get(sql)
  if (!s) {
    s = db.sqlite.prepare(sql)
    cache.set(sql, s)
  }
  return s
}
