import type { Db } from './client.js'
import { stmt } from './stmt.js'

export function getMeta(db: Db, key: string): string | undefined {
  return (stmt(db, 'SELECT value FROM app_meta WHERE key = ?').get(key) as { value: string } | undefined)?.value
}

export function setMeta(db: Db, key: string, value: string): void {
  stmt(
    db,
    'INSERT INTO app_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(key, value)
}

/** Bumped by every change to a case table, so every process rebuilds its dictionary. */
export function bumpCasesVersion(db: Db): void {
  stmt(
    db,
    `INSERT INTO app_meta (key, value) VALUES ('cases_version', '1')
              ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)`,
  ).run()
}

export function casesVersion(db: Db): string {
  return getMeta(db, 'cases_version') ?? '0'
}
