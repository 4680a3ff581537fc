import { categoryColumns, type TableSpec } from '../tables/index.js'
import type { Db } from './client.js'

/**
 * The distinct non-empty values of a category column with their row counts, most common first and, among
 * equals, in order of first appearance by id — exactly the order of the in-memory CaseIndex's
 * categoryValues (src/search/case-index.ts), so a dictionary built from either reads sentences alike.
 * One GROUP BY over the table: what a process answers with while its index is still being built.
 */
export function orderedCategoryValues(db: Db, spec: TableSpec, column: string): Array<{ value: string; n: number }> {
  if (!categoryColumns(spec).includes(column)) throw new Error(`${spec.table}.${column} is not a category column`)
  return db.sqlite
    .prepare(
      `SELECT "${column}" AS value, count(*) AS n FROM "${spec.table}" WHERE "${column}" IS NOT NULL AND "${column}" <> '' GROUP BY "${column}" ORDER BY n DESC, min(id)`,
    )
    .all() as Array<{ value: string; n: number }>
}

/**
 * The next `limit` rows after id `afterId` — id and the given columns, in id order, as raw arrays. Unlike
 * scanColumns, nothing stays open between calls: a background index build reads in chunks and yields to
 * the event loop, and a cursor left open would make every other query on the connection fail ("busy").
 */
export function columnsAfter(
  db: Db,
  spec: TableSpec,
  columns: readonly string[],
  afterId: number,
  limit: number,
): unknown[][] {
  const known = new Set(spec.columns.map((c) => c.name))
  for (const c of columns) if (!known.has(c)) throw new Error(`${spec.table} has no column ${c}`)
  const cols = columns.map((c) => `t."${c}"`)
  return db.sqlite
    .prepare(
      `SELECT t.id${cols.length ? `, ${cols.join(', ')}` : ''} FROM "${spec.table}" t WHERE t.id > ? ORDER BY t.id LIMIT ?`,
    )
    .raw()
    .all(afterId, limit) as unknown[][]
}
