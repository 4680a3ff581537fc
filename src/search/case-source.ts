import { searchCases } from '../db/case-search.js'
import { columnsAfter, orderedCategoryValues } from '../db/case-values.js'
import type { Db } from '../db/client.js'
import type { Condition } from '../tables/conditions.js'
import { categoryColumns, type TableSpec } from '../tables/index.js'
import type { IndexSearch } from './case-index.js'

/**
 * What the dictionary and the searches need of a case table: its category values and the matches of a set
 * of conditions, newest first. The in-memory CaseIndex is one; SqlCaseSource answers the same questions
 * with SQL while the index of a big table is still being built (andy start), so the first questions do not
 * wait for it.
 */
export interface CaseSource {
  readonly spec: TableSpec
  readonly size: number
  /** Distinct values of a category column with their row counts, most common first. */
  categoryValues(column: string): Array<{ value: string; n: number }> | undefined
  isCategory(column: string): boolean
  /** Matches in rank order: the total, and the ids of [offset, offset+limit) (all with limit Infinity). */
  search(db: Db, conditions: readonly Condition[], offset: number, limit: number): IndexSearch
}

/** A category column's values, as CaseSource.categoryValues gives them. */
export type CategoryValues = Array<{ value: string; n: number }>

/**
 * Searches by SQL (src/db/case-search.ts: the reference meaning of every condition, which the CaseIndex
 * tests hold the index to — same rows, same order). Category values come from a snapshot (the previous
 * index's, cached in the database for this data version) or one GROUP BY per column, on first use.
 */
export class SqlCaseSource implements CaseSource {
  private readonly cats: Map<string, CategoryValues>
  private readonly categories: Set<string>

  constructor(
    private readonly db: Db,
    readonly spec: TableSpec,
    readonly size: number,
    known: ReadonlyMap<string, CategoryValues> = new Map(),
  ) {
    this.cats = new Map(known)
    this.categories = new Set(categoryColumns(spec))
  }

  categoryValues(column: string): CategoryValues | undefined {
    if (!this.categories.has(column)) return undefined
    let values = this.cats.get(column)
    if (!values) this.cats.set(column, (values = orderedCategoryValues(this.db, this.spec, column)))
    return [...values]
  }

  isCategory(column: string): boolean {
    return this.categories.has(column)
  }

  search(db: Db, conditions: readonly Condition[], offset: number, limit: number): IndexSearch {
    const page = { offset, limit: Number.isFinite(limit) ? limit : Number.MAX_SAFE_INTEGER }
    const { rows, total } = searchCases(db, this.spec, conditions, page)
    return { total, ids: rows.map((r) => r.id) }
  }
}

/**
 * The values of the table's dimension columns (what the dictionary is made of) in one pass over the
 * table, read in chunks with a yield between them: counted per value in order of first appearance by id,
 * then most common first — the CaseIndex's order (see CaseIndex.categoryValues).
 */
export async function readDimensions(db: Db, spec: TableSpec, chunk = 20_000): Promise<Map<string, CategoryValues>> {
  const dims = spec.columns.filter((c) => c.dim && categoryColumns(spec).includes(c.name)).map((c) => c.name)
  const counts = dims.map(() => new Map<string, number>())
  let after = Number.MIN_SAFE_INTEGER
  for (;;) {
    const rows = columnsAfter(db, spec, dims, after, chunk)
    for (const row of rows)
      for (let c = 0; c < dims.length; c++) {
        const v = row[1 + c]
        if (v == null || v === '') continue
        const m = counts[c]!
        m.set(v as string, (m.get(v as string) ?? 0) + 1)
      }
    if (rows.length < chunk) break
    after = rows.at(-1)![0] as number
    await new Promise((r) => setImmediate(r))
  }
  return new Map(dims.map((d, c) => [d, [...counts[c]!].map(([value, n]) => ({ value, n })).sort((a, b) => b.n - a.n)]))
}
