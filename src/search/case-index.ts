import { containsIds, matchingIds } from '../db/case-search.js'
import type { Db } from '../db/client.js'
import type { Condition } from '../tables/conditions.js'
import { ftsColumns, type TableSpec } from '../tables/index.js'
import { allRanks, intersect, markSet, RankCache, type RankSet, unionSets } from './rank-sets.js'

/**
 * An in-memory column index of one case table, so any combination of filters costs a few milliseconds on
 * a million rows (a SQLite B-tree helps one filter; rep questions combine three or four).
 *
 * Rows are held in "rank" order — newest first (full date desc: year, month, day; then id desc; see
 * date-key.ts) — so the first matches found are the page to show. Category columns (industries, types, provinces, products… every text column but free text
 * and URLs) are dictionary-encoded with a sorted posting list per value; numeric columns are Float64Arrays.
 * Free text goes through SQLite's bigram FTS (ids → ranks). Conditions become rank sets (intersected via
 * bitmaps) and per-row numeric predicates.
 */

export interface Category {
  readonly values: string[]
  readonly lower: string[]
  readonly postings: Int32Array[]
}

type Predicate = (rank: number) => boolean

/** JSON of a condition set as a cache key (NaN and ±Infinity kept apart: JSON would make them all null). */
const keyOf = (_k: string, v: unknown): unknown => (typeof v === 'number' && !Number.isFinite(v) ? `#${v}` : v)

export interface IndexSearch {
  total: number
  /** Ids of the requested page (or of every match with `all`). */
  ids: number[]
}

const TEXT_CACHE_ENTRIES = 128
/** At most this many cached ranks (4 bytes each) per table: 32 MB. */
const TEXT_CACHE_RANKS = 8_000_000
const UNION_CACHE_ENTRIES = 64
/** 16 MB per table. */
const UNION_CACHE_RANKS = 4_000_000
/** Whole answers (every matching rank) per condition set: API lists page through the same filters in loops. */
const MATCH_CACHE_ENTRIES = 256
/** 16 MB per table. */
const MATCH_CACHE_RANKS = 4_000_000

export class CaseIndex {
  private readonly textCache = new RankCache(TEXT_CACHE_ENTRIES, TEXT_CACHE_RANKS)
  /** The union of several stored values (a taxonomy word: 国企 → 国有企业 + 地方国企 + 央企), same reasoning. */
  private readonly unionCache = new RankCache(UNION_CACHE_ENTRIES, UNION_CACHE_RANKS)
  /**
   * The ranks matching a whole condition set. The index is rebuilt when the data changes (cases_version),
   * so an entry is keyed by the data version implicitly; a repeated filter set costs a slice of its page.
   */
  private readonly matchCache = new RankCache(MATCH_CACHE_ENTRIES, MATCH_CACHE_RANKS)

  private constructor(
    readonly spec: TableSpec,
    /** rank → row id */
    private readonly ids: Int32Array,
    private readonly rankOfId: (id: number) => number,
    private readonly cats: Map<string, Category>,
    private readonly nums: Map<string, Float64Array>,
  ) {}

  get size(): number {
    return this.ids.length
  }

  /** @internal used by CaseIndexBuilder */
  static fromParts(
    spec: TableSpec,
    ids: Int32Array,
    rankOfId: (id: number) => number,
    cats: Map<string, Category>,
    nums: Map<string, Float64Array>,
  ): CaseIndex {
    return new CaseIndex(spec, ids, rankOfId, cats, nums)
  }

  /** Distinct values of a category column with their row counts, most common first. */
  categoryValues(column: string): Array<{ value: string; n: number }> | undefined {
    const c = this.cats.get(column)
    if (!c) return undefined
    return c.values.map((value, i) => ({ value, n: c.postings[i]!.length })).sort((a, b) => b.n - a.n)
  }

  isCategory(column: string): boolean {
    return this.cats.has(column)
  }

  // ---- conditions → rank sets / predicates ------------------------------------------------------

  private union(sets: RankSet[]): RankSet {
    return unionSets(this.size, sets)
  }

  private categoryWhere(column: string, test: (lower: string, value: string) => boolean): RankSet {
    const c = this.cats.get(column)!
    const sets: RankSet[] = []
    c.values.forEach((v, i) => {
      if (test(c.lower[i]!, v)) sets.push(c.postings[i]!)
    })
    return this.union(sets)
  }

  private fromIds(ids: readonly number[]): RankSet {
    const ranks = new Int32Array(ids.length)
    let j = 0
    for (let i = 0; i < ids.length; i++) {
      const r = this.rankOfId(ids[i]!)
      if (r >= 0) ranks[j++] = r
    }
    return ranks.subarray(0, j).sort()
  }

  /**
   * Rows (free-text or uncached columns) containing `text`, via FTS or SQL. The index never changes
   * (a new one is built when the data does), so results are kept in a small LRU: a common word costs the
   * FTS lookup once.
   */
  private textSet(db: Db, columns: string[], text: string): RankSet {
    if (columns.length === 0) return new Int32Array(0)
    return this.textCache.get(`${columns.join(',')}\u0000${text.toLowerCase()}`, () =>
      this.fromIds(containsIds(db, this.spec, columns, text)),
    )
  }

  private containsSet(db: Db, column: string, text: string): RankSet {
    const needle = text.toLowerCase()
    if (this.cats.has(column)) return this.categoryWhere(column, (l) => l.includes(needle))
    return this.textSet(db, [column], text)
  }

  private keywordSet(db: Db, text: string): RankSet {
    const needle = text.toLowerCase()
    const sets = [...this.cats.keys()].map((col) => this.categoryWhere(col, (l) => l.includes(needle)))
    sets.push(this.textSet(db, ftsColumns(this.spec), text))
    return this.union(sets)
  }

  private numeric(column: string): Float64Array {
    const a = this.nums.get(column)
    if (!a) throw new Error(`${this.spec.table}.${column} is not numeric`)
    return a
  }

  private compile(db: Db, conds: readonly Condition[]): { sets: RankSet[]; preds: Predicate[] } {
    const sets: RankSet[] = []
    const preds: Predicate[] = []
    for (const cond of conds) {
      const pred = this.predicate(cond)
      if (pred) {
        preds.push(pred)
        continue
      }
      if (cond.kind === 'not') {
        // An exclusion: a per-row check against the (marked) rows the inner condition matches.
        const inner = this.predicate(cond.condition)
        if (inner) preds.push((r) => !inner(r))
        else {
          const mark = markSet(this.size, this.setOf(db, cond.condition))
          preds.push((r) => mark[r] === 0)
        }
        continue
      }
      if ((cond.kind === 'anyContains' || cond.kind === 'anyKeyword') && cond.words.length === 0) continue
      if (cond.kind === 'and') {
        const inner = this.compile(db, cond.conditions)
        sets.push(...inner.sets)
        preds.push(...inner.preds)
        continue
      }
      sets.push(this.setOf(db, cond))
    }
    return { sets, preds }
  }

  /** A per-row check for numeric conditions (undefined for the others, which become rank sets). */
  private predicate(cond: Condition): Predicate | undefined {
    switch (cond.kind) {
      case 'range': {
        const a = this.numeric(cond.column)
        const { min, max, minExclusive, maxExclusive } = cond
        return (r) => {
          const v = a[r]!
          if (Number.isNaN(v)) return false
          if (min !== undefined && (minExclusive ? v <= min : v < min)) return false
          if (max !== undefined && (maxExclusive ? v >= max : v > max)) return false
          return true
        }
      }
      case 'size': {
        if (!this.spec.sizeColumns) return () => false
        const lo = this.numeric(this.spec.sizeColumns[0])
        const hi = this.numeric(this.spec.sizeColumns[1])
        const { min, max } = cond
        // Same meaning as the SQL in src/db/case-search.ts (touching buckets excluded).
        return (r) => {
          const l = lo[r]!
          const h = hi[r]!
          if (Number.isNaN(l) && Number.isNaN(h)) return false
          if (min !== undefined && !((Number.isNaN(h) ? 9e18 : h) > min || (Number.isNaN(l) ? -1 : l) >= min))
            return false
          if (max !== undefined && !((Number.isNaN(l) ? 0 : l) < max || (Number.isNaN(h) ? 9e18 : h) <= max))
            return false
          return true
        }
      }
      default:
        return undefined
    }
  }

  /** The sorted ranks a condition matches (numeric conditions by a scan; composites recursively). */
  private setOf(db: Db, cond: Condition): RankSet {
    const pred = this.predicate(cond)
    if (pred) {
      const out: number[] = []
      for (let r = 0; r < this.size; r++) if (pred(r)) out.push(r)
      return Int32Array.from(out)
    }
    switch (cond.kind) {
      case 'in': {
        const make = () =>
          this.union(
            cond.columns.map(({ column, values }) => {
              if (this.cats.has(column)) {
                const want = new Set(values)
                return this.categoryWhere(column, (_l, v) => want.has(v))
              }
              return this.fromIds(matchingIds(db, this.spec, [{ kind: 'in', columns: [{ column, values }] }]))
            }),
          )
        const parts = cond.columns.reduce((n, c) => n + c.values.length, 0)
        if (parts < 2 || !cond.columns.every((c) => this.cats.has(c.column))) return make()
        const key = cond.columns
          .map((c) => `${c.column}=${[...c.values].sort().join('\u0001')}`)
          .sort()
          .join('\u0000')
        return this.unionCache.get(key, make)
      }
      case 'contains':
        return this.containsSet(db, cond.column, cond.text)
      case 'anyContains':
        return cond.words.length
          ? this.union(cond.words.map((w) => this.containsSet(db, cond.column, w)))
          : allRanks(this.size)
      case 'keyword':
        return this.keywordSet(db, cond.text)
      case 'anyKeyword':
        return cond.words.length ? this.union(cond.words.map((w) => this.keywordSet(db, w))) : allRanks(this.size)
      case 'not': {
        const mark = markSet(this.size, this.setOf(db, cond.condition))
        const out: number[] = []
        for (let r = 0; r < this.size; r++) if (!mark[r]) out.push(r)
        return Int32Array.from(out)
      }
      case 'or':
        return this.union(cond.conditions.map((c) => this.setOf(db, c)))
      case 'and': {
        if (cond.conditions.length === 0) return allRanks(this.size)
        const parts = cond.conditions.map((c) => this.setOf(db, c))
        let acc = parts[0]!
        for (const p of parts.slice(1)) acc = intersect(acc, p)
        return acc
      }
      default:
        return allRanks(this.size)
    }
  }

  /** Matches in rank order: the total, and the ids of [offset, offset+limit) (or of all with limit Infinity). */
  search(db: Db, conditions: readonly Condition[], offset: number, limit: number): IndexSearch {
    const ranks = this.matchCache.get(JSON.stringify(conditions, keyOf), () => this.matchRanks(db, conditions))
    const end = Math.min(ranks.length, offset + limit)
    const ids: number[] = []
    for (let i = offset; i < end; i++) ids.push(this.ids[ranks[i]!]!)
    return { total: ranks.length, ids }
  }

  /** Every rank matching the conditions, in rank order. */
  private matchRanks(db: Db, conditions: readonly Condition[]): RankSet {
    const { sets, preds } = this.compile(db, conditions)
    const out: number[] = []
    const take = (r: number) => {
      for (const p of preds) if (!p(r)) return
      out.push(r)
    }
    if (sets.length === 0) {
      for (let r = 0; r < this.size; r++) take(r)
      return Int32Array.from(out)
    }
    // Intersect sorted sets: walk the smallest, advance a cursor in each of the others.
    sets.sort((a, b) => a.length - b.length)
    const driver = sets[0]!
    const others = sets.slice(1)
    const cursors = new Int32Array(others.length)
    outer: for (let i = 0; i < driver.length; i++) {
      const r = driver[i]!
      for (let k = 0; k < others.length; k++) {
        const s = others[k]!
        let c = cursors[k]!
        while (c < s.length && s[c]! < r) c++
        cursors[k] = c
        if (c >= s.length) break outer
        if (s[c] !== r) continue outer
      }
      take(r)
    }
    return Int32Array.from(out)
  }
}
