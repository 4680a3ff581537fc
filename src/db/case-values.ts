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
