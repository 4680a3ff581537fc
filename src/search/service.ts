import { getCasesByIds, type Row } from '../db/case-search.js'
import type { Db } from '../db/client.js'
import type { AppliedFilter, Condition } from './conditions.js'
import type { Dictionary } from './dictionary.js'
import type { TableSpec } from './tables.js'

export const MAX_PERPAGE = 10_000

export interface SearchRequest {
  readonly table: TableSpec
  readonly filters: readonly AppliedFilter[]
  readonly page: number
  readonly perpage: number
  /** Drop the least important filters one by one while nothing matches (chat); off for the API. */
  readonly relax?: boolean
}

export interface SearchOutcome {
  readonly table: TableSpec
  /** The filters the rows satisfy. */
  readonly filters: readonly AppliedFilter[]
  /** Filters dropped to find something, in the order they were dropped. */
  readonly relaxed: readonly AppliedFilter[]
  readonly total: number
  readonly rows: readonly Row[]
  readonly page: number
  readonly perpage: number
}

/**
 * A `contains` on a category column becomes an exact IN over the stored values that contain the text:
 * same meaning, but it uses the column's index instead of scanning.
 */
export function resolveCondition(spec: TableSpec, dict: Dictionary, cond: Condition): Condition {
  if (cond.kind === 'contains' && dict.isCategory(spec.key, cond.column)) {
    return { kind: 'in', columns: [{ column: cond.column, values: dict.valuesContaining(spec.key, cond.column, cond.text) }] }
  }
  if (cond.kind === 'anyContains' && dict.isCategory(spec.key, cond.column)) {
    const values = new Set(cond.words.flatMap((w) => dict.valuesContaining(spec.key, cond.column, w)))
    return { kind: 'in', columns: [{ column: cond.column, values: [...values] }] }
  }
  return cond
}

export function conditionsOf(spec: TableSpec, dict: Dictionary, filters: readonly AppliedFilter[]): Condition[] {
  return filters.map((f) => resolveCondition(spec, dict, f.condition))
}

export function clampPage(page: number, perpage: number): { page: number; perpage: number } {
  const pp = Math.min(MAX_PERPAGE, Math.max(1, Math.trunc(perpage) || 10))
  return { page: Math.max(1, Math.trunc(page) || 1), perpage: pp }
}

function searchPage(db: Db, dict: Dictionary, spec: TableSpec, filters: readonly AppliedFilter[], offset: number, limit: number): { rows: Row[]; total: number } {
  const found = dict.caseIndex(spec.key).search(db, filters.map((f) => f.condition), offset, limit)
  return { rows: getCasesByIds(db, spec, found.ids), total: found.total }
}

export function runSearch(db: Db, dict: Dictionary, req: SearchRequest): SearchOutcome {
  const { page, perpage } = clampPage(req.page, req.perpage)
  const spec = req.table
  let filters = [...req.filters]
  const relaxed: AppliedFilter[] = []
  const offset = (page - 1) * perpage
  let res = searchPage(db, dict, spec, filters, offset, perpage)
  if (req.relax && page === 1) {
    while (res.total === 0 && filters.length > 1) {
      // Drop the least important filter; among equals, the last one added.
      let drop = 0
      filters.forEach((f, i) => {
        if (f.priority <= filters[drop]!.priority) drop = i
      })
      relaxed.push(filters[drop]!)
      filters = filters.filter((_, i) => i !== drop)
      res = searchPage(db, dict, spec, filters, offset, perpage)
    }
  }
  return { table: spec, filters, relaxed, total: res.total, rows: res.rows, page, perpage }
}

export function countMatches(db: Db, dict: Dictionary, spec: TableSpec, filters: readonly AppliedFilter[]): number {
  return dict.caseIndex(spec.key).search(db, filters.map((f) => f.condition), 0, 0).total
}

/** Every matching row, newest first, fetched in batches (exports). */
export function* iterateMatches(db: Db, dict: Dictionary, spec: TableSpec, filters: readonly AppliedFilter[], batch = 1000): Generator<Row> {
  const { ids } = dict.caseIndex(spec.key).search(db, filters.map((f) => f.condition), 0, Number.POSITIVE_INFINITY)
  for (let i = 0; i < ids.length; i += batch) yield* getCasesByIds(db, spec, ids.slice(i, i + batch))
}
