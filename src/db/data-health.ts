import type { TableSpec } from '../tables/index.js'
import type { Db } from './client.js'

/** Reads for `andy data check` / 数据体检 (services/data-health.ts). Identifiers come from the table specs. */

const q = (c: string) => `"${c}"`

/** Distinct non-empty values of a column with their row counts, most common first. */
export function valueCounts(db: Db, spec: TableSpec, column: string): Array<{ value: string; count: number }> {
  return db.sqlite
    .prepare(
      `SELECT ${q(column)} AS value, count(*) AS count FROM ${q(spec.table)} WHERE ${q(column)} IS NOT NULL AND ${q(column)} <> '' GROUP BY ${q(column)} ORDER BY count DESC`,
    )
    .all() as Array<{ value: string; count: number }>
}

/** Every row's id and the given columns, in id order (raw arrays: [id, ...columns]). */
export function* rowsWith(db: Db, spec: TableSpec, columns: readonly string[]): Generator<unknown[]> {
  yield* db.sqlite
    .prepare(`SELECT id, ${columns.map(q).join(',')} FROM ${q(spec.table)} ORDER BY id`)
    .raw()
    .iterate() as Generator<unknown[]>
}

/** Rows whose staff size has no numbers (no size text, or text whose bounds are both empty). */
export function rowsWithoutSize(db: Db, spec: TableSpec): unknown[][] {
  const [lo, hi] = spec.sizeColumns!
  return db.sqlite
    .prepare(
      `SELECT id, ${q(spec.nameColumn)}, staff_size FROM ${q(spec.table)} WHERE ${q(lo)} IS NULL AND ${q(hi)} IS NULL ORDER BY id`,
    )
    .raw()
    .all() as unknown[][]
}

/** Rows without a year number. */
export function rowsWithoutYear(db: Db, spec: TableSpec, textColumn?: string): unknown[][] {
  return db.sqlite
    .prepare(
      `SELECT id, ${q(spec.nameColumn)}, ${textColumn ? q(textColumn) : 'NULL'} FROM ${q(spec.table)} WHERE ${q(spec.yearColumn!)} IS NULL ORDER BY id`,
    )
    .raw()
    .all() as unknown[][]
}
