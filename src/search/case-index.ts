import { containsIds, matchingIds } from '../db/case-search.js'
import type { Db } from '../db/client.js'
import type { Condition } from '../tables/conditions.js'
import { ftsColumns, type TableSpec } from '../tables/index.js'
import {
  allRanks,
  type Bitmap,
  bitmapOf,
  intersectAll,
  RankCache,
  type RankSet,
  trimmed,
  unionSets,
} from './rank-sets.js'

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

interface Compiled {
  sets: RankSet[]
  without: RankSet[]
  preds: Predicate[]
}

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
/** Bitmaps of sets used in intersections and exclusions (125 KB each for a million rows): 16 MB. */
const BITMAP_ENTRIES = 128

export class CaseIndex {
  private readonly textCache = new RankCache(TEXT_CACHE_ENTRIES, TEXT_CACHE_RANKS)
  /** The union of several stored values (a taxonomy word: 国企 → 国有企业 + 地方国企 + 央企), same reasoning. */
  private readonly unionCache = new RankCache(UNION_CACHE_ENTRIES, UNION_CACHE_RANKS)
  /**
   * The ranks matching a whole condition set. The index is rebuilt when the data changes (cases_version),
   * so an entry is keyed by the data version implicitly; a repeated filter set costs a slice of its page.
   */
  private readonly matchCache = new RankCache(MATCH_CACHE_ENTRIES, MATCH_CACHE_RANKS)
  /**
   * Which caches serve: whole answers (`answers`) and the word / value-union parts (`parts`). Both on
   * in the app; bench/search.ts turns them off to measure what a sentence costs the first time.
   */
  caching: { answers: boolean; parts: boolean } = { answers: true, parts: true }
  /**
   * Bitmaps of rank sets (posting lists, cached unions and word sets), by the set's identity, so a set
   * that comes back is probed without being spread into bits again. Dropped wholesale past BITMAP_ENTRIES.
   */
  private bitmaps = new WeakMap<RankSet, Bitmap>()
  private bitmapCount = 0

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

  private readonly bitsOf = (set: RankSet): Bitmap => {
    if (!this.caching.parts) return bitmapOf(this.size, set)
    let bits = this.bitmaps.get(set)
    if (!bits) {
      if (++this.bitmapCount > BITMAP_ENTRIES) {
        this.bitmaps = new WeakMap()
        this.bitmapCount = 1
      }
      bits = bitmapOf(this.size, set)
      this.bitmaps.set(set, bits)
    }
    return bits
  }

  /** A part's rank set, kept in the part cache under `key` (unless parts are not cached). */
  private cachedPart(key: string, make: () => RankSet): RankSet {
    return this.caching.parts ? this.unionCache.get(key, make) : make()
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
    const make = () => this.fromIds(containsIds(db, this.spec, columns, text))
    if (!this.caching.parts) return make()
    return this.textCache.get(`${columns.join(',')}\u0000${text.toLowerCase()}`, make)
  }

  private containsSet(db: Db, column: string, text: string): RankSet {
    const needle = text.toLowerCase()
    if (this.cats.has(column)) return this.categoryWhere(column, (l) => l.includes(needle))
    return this.textSet(db, [column], text)
  }

  private keywordSet(db: Db, text: string): RankSet {
    const needle = text.toLowerCase()
    return this.cachedPart(`\u0002keyword\u0000${needle}`, () => {
      const sets = [...this.cats.keys()].map((col) => this.categoryWhere(col, (l) => l.includes(needle)))
      sets.push(this.textSet(db, ftsColumns(this.spec), text))
      return this.union(sets)
    })
  }

  private numeric(column: string): Float64Array {
    const a = this.nums.get(column)
    if (!a) throw new Error(`${this.spec.table}.${column} is not numeric`)
    return a
  }

  /**
   * Conditions as rank sets to intersect, sets to leave out (exclusions of non-numeric conditions) and
   * per-row checks (numeric conditions and their exclusions).
   */
  private compile(db: Db, conds: readonly Condition[]): Compiled {
    const out: Compiled = { sets: [], without: [], preds: [] }
    for (const cond of conds) {
      const pred = this.predicate(cond)
      if (pred) {
        out.preds.push(pred)
        continue
      }
      if (cond.kind === 'not') {
        const inner = this.predicate(cond.condition)
        if (inner) out.preds.push((r) => !inner(r))
        else out.without.push(this.setOf(db, cond.condition))
        continue
      }
      if ((cond.kind === 'anyContains' || cond.kind === 'anyKeyword') && cond.words.length === 0) continue
      if (cond.kind === 'and') {
        const inner = this.compile(db, cond.conditions)
        out.sets.push(...inner.sets)
        out.without.push(...inner.without)
        out.preds.push(...inner.preds)
        continue
      }
      out.sets.push(this.setOf(db, cond))
    }
    return out
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
        if (parts < 2 || !this.caching.parts || !cond.columns.every((c) => this.cats.has(c.column))) return make()
        const key = cond.columns
          .map((c) => `${c.column}=${[...c.values].sort().join('\u0001')}`)
          .sort()
          .join('\u0000')
        return this.cachedPart(key, make)
      }
      case 'contains':
        return this.containsSet(db, cond.column, cond.text)
      case 'keyword':
        return this.keywordSet(db, cond.text)
      case 'anyContains':
      case 'anyKeyword':
      case 'not':
      case 'or':
      case 'and':
        // Composites: kept whole in the part cache (a taxonomy word's or-of-ands comes back in many sentences).
        return this.cachedPart(JSON.stringify(cond, keyOf), () => this.compositeSet(db, cond))
      default:
        return allRanks(this.size)
    }
  }

  private compositeSet(db: Db, cond: Condition): RankSet {
    switch (cond.kind) {
      case 'anyContains':
        return cond.words.length
          ? this.union(cond.words.map((w) => this.containsSet(db, cond.column, w)))
          : allRanks(this.size)
      case 'anyKeyword':
        return cond.words.length ? this.union(cond.words.map((w) => this.keywordSet(db, w))) : allRanks(this.size)
      case 'not':
        return intersectAll(this.size, [], this.bitsOf, [this.setOf(db, cond.condition)])
      case 'or':
        return this.union(cond.conditions.map((c) => this.setOf(db, c)))
      case 'and':
        return intersectAll(
          this.size,
          cond.conditions.map((c) => this.setOf(db, c)),
          this.bitsOf,
        )
      default:
        return this.setOf(db, cond)
    }
  }

  /** Matches in rank order: the total, and the ids of [offset, offset+limit) (or of all with limit Infinity). */
  search(db: Db, conditions: readonly Condition[], offset: number, limit: number): IndexSearch {
    const ranks = this.caching.answers
      ? this.matchCache.get(JSON.stringify(conditions, keyOf), () => this.matchRanks(db, conditions))
      : this.matchRanks(db, conditions)
    const end = Math.min(ranks.length, offset + limit)
    const ids: number[] = []
    for (let i = offset; i < end; i++) ids.push(this.ids[ranks[i]!]!)
    return { total: ranks.length, ids }
  }

  /**
   * Every rank matching the conditions, in rank order: the rank sets intersected and the exclusions
   * taken out (intersectAll), then the per-row checks on what is left. A lone set is the answer itself
   * (shared: rank sets are never written to).
   */
  private matchRanks(db: Db, conditions: readonly Condition[]): RankSet {
    const { sets, without, preds } = this.compile(db, conditions)
    const candidates = intersectAll(this.size, sets, this.bitsOf, without)
    if (preds.length === 0) return candidates
    const out = new Int32Array(candidates.length)
    let k = 0
    outer: for (let i = 0; i < candidates.length; i++) {
      const r = candidates[i]!
      for (const p of preds) if (!p(r)) continue outer
      out[k++] = r
    }
    return trimmed(out, k)
  }
}
