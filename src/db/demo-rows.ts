import type { TableSpec } from '../tables/index.js'
import type { Db } from './client.js'
import { getMeta, setMeta } from './meta.js'
import { stmt } from './stmt.js'

/**
 * Which case rows are demo data. `andy seed` / `andy demo` load the demo CSVs only into tables with no
 * real rows and then record the table's highest id (app_meta `demo_max_id:<table>`): ids only grow
 * (AUTOINCREMENT), so the demo rows are those with an id up to it. A real import removes them first.
 */

const key = (spec: TableSpec) => `demo_max_id:${spec.table}`

export function demoMark(db: Db, spec: TableSpec): number | undefined {
  const v = getMeta(db, key(spec))
  return v === undefined ? undefined : Number(v)
}

export function setDemoMark(db: Db, spec: TableSpec, maxId: number | undefined): void {
  if (maxId === undefined || maxId <= 0) stmt(db, 'DELETE FROM app_meta WHERE key = ?').run(key(spec))
  else setMeta(db, key(spec), String(maxId))
}

export function maxCaseId(db: Db, spec: TableSpec): number {
  return (db.sqlite.prepare(`SELECT coalesce(max(id), 0) AS m FROM "${spec.table}"`).get() as { m: number }).m
}

/** Rows of the table that are demo rows (by the mark). */
export function markedDemoRows(db: Db, spec: TableSpec): number {
  const mark = demoMark(db, spec)
  if (!mark) return 0
  return rowsUpTo(db, spec, mark)
}

/** Rows of the table with an id up to `maxId`. */
export function rowsUpTo(db: Db, spec: TableSpec, maxId: number): number {
  return (db.sqlite.prepare(`SELECT count(*) AS n FROM "${spec.table}" WHERE id <= ?`).get(maxId) as { n: number }).n
}

/** Deletes the demo rows of a table (and their FTS entries); returns how many. */
export function deleteDemoRows(db: Db, spec: TableSpec): number {
  const mark = demoMark(db, spec)
  if (!mark) return 0
  const n = db.sqlite.prepare(`DELETE FROM "${spec.table}" WHERE id <= ?`).run(mark).changes
  db.sqlite.prepare(`DELETE FROM "${spec.table}_fts" WHERE rowid <= ?`).run(mark)
  setDemoMark(db, spec, undefined)
  return n
}

/** The first rows of a table (by id): [id, key columns…], for recognising demo rows loaded before marks existed. */
export function firstRows(db: Db, spec: TableSpec, columns: readonly string[], limit: number): unknown[][] {
  return db.sqlite
    .prepare(`SELECT id, ${columns.map((c) => `"${c}"`).join(',')} FROM "${spec.table}" ORDER BY id LIMIT ?`)
    .raw()
    .all(limit) as unknown[][]
}
