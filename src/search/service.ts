import { getCasesByIds, type Row, tableHasRows } from '../db/case-search.js'
import type { Db } from '../db/client.js'
import type { AppliedFilter, Condition } from '../tables/conditions.js'
import type { TableSpec } from '../tables/index.js'
import type { Dictionary } from './dictionary.js'
import { keywordFilter } from './value-filters.js'

export const MAX_PERPAGE = 10_000

export interface SearchRequest {
  readonly table: TableSpec
  readonly filters: readonly AppliedFilter[]
  readonly page: number
  readonly perpage: number
  /**
   * Chat: leftover words that match nothing (alone, or together with the other filters) are set aside
   * as unused, then the least important filters are dropped one by one while nothing matches. Off for
   * the API. Exclusions are never dropped.
   */
  readonly relax?: boolean
  /** With relax: set unused words aside, but drop no other filter (a count must be the honest number). */
  readonly keepFilters?: boolean
}

export interface SearchOutcome {
  readonly table: TableSpec
  /** Nothing found because the table has no rows at all (nothing imported yet). */
  readonly empty?: boolean
  /** The filters the rows satisfy. */
  readonly filters: readonly AppliedFilter[]
  /** Filters dropped to find something, in the order they were dropped. */
  readonly relaxed: readonly AppliedFilter[]
  /** Leftover words set aside because they matched nothing here (shown as 没用上的词). */
  readonly unused: readonly AppliedFilter[]
  /** Of those, the ones that find rows alone but none together with the other filters. */
  readonly unusedTogether?: readonly AppliedFilter[]
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
    return {
      kind: 'in',
      columns: [{ column: cond.column, values: dict.valuesContaining(spec.key, cond.column, cond.text) }],
    }
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

function searchPage(
  db: Db,
  dict: Dictionary,
  spec: TableSpec,
  filters: readonly AppliedFilter[],
  offset: number,
  limit: number,
): { rows: Row[]; total: number } {
  const found = dict.caseIndex(spec.key).search(
    db,
    filters.map((f) => f.condition),
    offset,
    limit,
  )
  return { rows: getCasesByIds(db, spec, found.ids), total: found.total }
}

const isWord = (f: AppliedFilter) => f.key === 'keywords' && !f.exclude

export function runSearch(db: Db, dict: Dictionary, req: SearchRequest): SearchOutcome {
  const { page, perpage } = clampPage(req.page, req.perpage)
  const spec = req.table
  let filters = [...req.filters]
  const relaxed: AppliedFilter[] = []
  const unused: AppliedFilter[] = []
  const together: AppliedFilter[] = []
  const offset = (page - 1) * perpage
  const relax = req.relax && page === 1
  const found = (f: AppliedFilter) => countMatches(db, dict, spec, [f]) > 0
  if (relax) {
    // A leftover word found nowhere in this table never zeroes the answer; its retries (价格太贵 → 价格,
    // 太贵; 有恒远 → 恒远: see parser.ts) that are found stay.
    const next: AppliedFilter[] = []
    for (const f of filters) {
      if (!isWord(f) || found(f)) {
        next.push(f)
        continue
      }
      const parts = (f.parts ?? []).map((p) => keywordFilter([p]))
      const kept = parts.filter(found)
      next.push(...kept)
      unused.push(...(kept.length ? parts.filter((p) => !kept.includes(p)) : [f]))
    }
    // …unless nothing else is asked: "恒大的案例" with no 恒大 anywhere is honestly none, not everything.
    if (next.some((f) => !f.exclude)) filters = next
    else unused.length = 0
  }
  let res = searchPage(db, dict, spec, filters, offset, perpage)
  if (relax && res.total === 0 && filters.some(isWord) && filters.some((f) => !isWord(f))) {
    // Nor together with the rest: the words go, the filters that came from values stay.
    const words = filters.filter(isWord)
    const rest = filters.filter((f) => !isWord(f))
    const without = searchPage(db, dict, spec, rest, offset, perpage)
    if (without.total > 0 || !req.keepFilters) {
      unused.push(...words)
      // Only those that do find rows alone are said to ("单独能找到记录"): in an empty table none does.
      together.push(...words.filter(found))
      filters = rest
      res = without
    }
  }
  if (relax && !req.keepFilters) {
    while (res.total === 0 && filters.filter((f) => !f.exclude).length > 1) {
      // Drop the least important filter (never an exclusion); among equals, the last one added.
      let drop = -1
      filters.forEach((f, i) => {
        if (!f.exclude && (drop < 0 || f.priority <= filters[drop]!.priority)) drop = i
      })
      relaxed.push(filters[drop]!)
      filters = filters.filter((_, i) => i !== drop)
      res = searchPage(db, dict, spec, filters, offset, perpage)
    }
  }
  return {
    table: spec,
    empty: res.total === 0 && !tableHasRows(db, spec),
    filters,
    relaxed,
    unused,
    unusedTogether: together,
    total: res.total,
    rows: res.rows,
    page,
    perpage,
  }
}

export function countMatches(db: Db, dict: Dictionary, spec: TableSpec, filters: readonly AppliedFilter[]): number {
  return dict.caseIndex(spec.key).search(
    db,
    filters.map((f) => f.condition),
    0,
    0,
  ).total
}

/** Every matching row, newest first, fetched in batches (exports). */
export function* iterateMatches(
  db: Db,
  dict: Dictionary,
  spec: TableSpec,
  filters: readonly AppliedFilter[],
  batch = 1000,
): Generator<Row> {
  const { ids } = dict.caseIndex(spec.key).search(
    db,
    filters.map((f) => f.condition),
    0,
    Number.POSITIVE_INFINITY,
  )
  for (let i = 0; i < ids.length; i += batch) yield* getCasesByIds(db, spec, ids.slice(i, i + batch))
}
