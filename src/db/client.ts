import { mkdirSync, readdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import * as schema from './schema.js'

export type Sqlite = Database.Database
export type Orm = BetterSQLite3Database<typeof schema>

/** An open database: the raw better-sqlite3 handle (prepared statements on hot paths) and drizzle. */
export interface Db {
  readonly sqlite: Sqlite
  readonly orm: Orm
  readonly path: string
  close(): void
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../drizzle', import.meta.url))

/**
 * Opens (creating if needed) the SQLite database at `path` — or in memory for ':memory:' — in WAL mode
 * and applies the committed drizzle migrations.
 */
export function openDb(path: string): Db {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true })
  const sqlite = new Database(path)
  if (path !== ':memory:') sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('cache_size = -65536')
  sqlite.pragma('temp_store = MEMORY')
  const orm = drizzle(sqlite, { schema })
  migrate(orm, { migrationsFolder: MIGRATIONS_DIR })
  let closed = false
  return {
    sqlite,
    orm,
    path,
    close() {
      if (closed) return
      closed = true
      try {
        if (path !== ':memory:') sqlite.pragma('wal_checkpoint(TRUNCATE)')
      } finally {
        sqlite.close()
      }
    },
  }
}

/** Applied and committed migration counts of an open SQLite database (andy doctor / migrate). */
export function sqliteSchemaVersion(db: Db): { applied: number; latest: number } {
  const latest = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).length
  const applied = (db.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n
  return { applied, latest }
}
