import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'

export type Sqlite = Database.Database

/** An open database: the better-sqlite3 handle (every query in src/db/ is a prepared statement on it). */
export interface Db {
  readonly sqlite: Sqlite
  readonly path: string
  close(): void
}

/** Whether the database is still open (work left running at shutdown finds it closed). */
export function isOpen(db: Db): boolean {
  return db.sqlite.open
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
  if (!migrationsCurrent(sqlite)) applyMigrations(sqlite)
  let closed = false
  return {
    sqlite,
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

/**
 * drizzle's own test, without loading drizzle (~130 ms of a one-shot CLI command): its migrator applies the
 * journal's migrations newer than the last applied one's `created_at` (the journal's `when`), so none is due
 * when the newest applied is at least the journal's last.
 */
function migrationsCurrent(sqlite: Sqlite): boolean {
  const table = sqlite
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get()
  if (!table) return false
  const last = sqlite.prepare('SELECT max(created_at) AS at FROM __drizzle_migrations').get() as { at: number | null }
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
    entries: Array<{ when: number }>
  }
  const newest = Math.max(...journal.entries.map((e) => e.when))
  return last.at !== null && Number(last.at) >= newest
}

/** drizzle-kit's migrations through drizzle's migrator, loaded (synchronously) only when one is due. */
function applyMigrations(sqlite: Sqlite): void {
  const require = createRequire(import.meta.url)
  const { drizzle } = require('drizzle-orm/better-sqlite3') as typeof import('drizzle-orm/better-sqlite3')
  const { migrate } =
    require('drizzle-orm/better-sqlite3/migrator') as typeof import('drizzle-orm/better-sqlite3/migrator')
  migrate(drizzle(sqlite), { migrationsFolder: MIGRATIONS_DIR })
}

/** Applied and committed migration counts of an open SQLite database (andy doctor / migrate). */
export function sqliteSchemaVersion(db: Db): { applied: number; latest: number } {
  const latest = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).length
  const applied = (db.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n
  return { applied, latest }
}
