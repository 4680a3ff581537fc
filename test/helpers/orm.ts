import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3'
import type { Db } from '../../src/db/client.js'
import * as schema from '../../src/db/schema.js'

const orms = new WeakMap<Db, BetterSQLite3Database<typeof schema>>()

/** drizzle over a test's database, for reading rows in assertions (Andy itself uses prepared statements). */
export function ormOf(db: Db): BetterSQLite3Database<typeof schema> {
  let orm = orms.get(db)
  if (!orm) orms.set(db, (orm = drizzle(db.sqlite, { schema })))
  return orm
}
