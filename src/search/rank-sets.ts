/** Sorted Int32Array sets of row ranks (the CaseIndex's currency) and their algebra. */

export type RankSet = Int32Array

/** Two sorted rank sets merged into one (duplicates once). */
function mergeTwo(a: RankSet, b: RankSet): RankSet {
  const out = new Int32Array(a.length + b.length)
  let i = 0
  let j = 0
  let k = 0
  while (i < a.length && j < b.length) {
    const x = a[i]!
    const y = b[j]!
    if (x < y) (out[k++] = x), i++
    else if (y < x) (out[k++] = y), j++
    else (out[k++] = x), i++, j++
  }
  while (i < a.length) out[k++] = a[i++]!
  while (j < b.length) out[k++] = b[j++]!
  return out.subarray(0, k)
}

/**
 * Union of sorted rank sets over `size` rows: a few sets (the values a word stands for) are merged pairwise
 * — O(n log k), no pass over every row; many small ones are sorted; many large ones go through a bitmap.
 */
export function unionSets(size: number, sets: readonly RankSet[]): RankSet {
  const nonEmpty = sets.filter((s) => s.length > 0)
  if (nonEmpty.length === 0) return new Int32Array(0)
  if (nonEmpty.length === 1) return nonEmpty[0]!
  const sum = nonEmpty.reduce((n, s) => n + s.length, 0)
  if (nonEmpty.length <= 16) {
    let level = nonEmpty
    while (level.length > 1) {
      const next: RankSet[] = []
      for (let i = 0; i < level.length; i += 2)
        next.push(i + 1 < level.length ? mergeTwo(level[i]!, level[i + 1]!) : level[i]!)
      level = next
    }
    return level[0]!
  }
  if (sum * 8 < size) {
    const all = new Int32Array(sum)
    let o = 0
    for (const s of nonEmpty) {
      all.set(s, o)
      o += s.length
    }
    all.sort()
    let j = 0
    for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[j++] = all[i]!
    return all.subarray(0, j)
  }
  const mark = new Uint8Array(size)
  let count = 0
  for (const s of nonEmpty) for (let i = 0; i < s.length; i++) if (!mark[s[i]!]) (mark[s[i]!] = 1), count++
  const out = new Int32Array(count)
  let j = 0
  for (let r = 0; r < mark.length; r++) if (mark[r]) out[j++] = r
  return out
}

/** `out[0, n)` as a set: a copy when most of `out` is unused, so a cached answer holds no spare buffer. */
export function trimmed(out: RankSet, n: number): RankSet {
  return n * 4 < out.length * 3 ? out.slice(0, n) : out.subarray(0, n)
}

/** One bit per row (32 rows per element), set where the set has the rank: 125 KB for a million rows. */
export type Bitmap = Int32Array

export function bitmapOf(size: number, set: RankSet): Bitmap {
  const bits = new Int32Array((size + 31) >>> 5)
  for (let i = 0; i < set.length; i++) {
    const r = set[i]!
    bits[r >>> 5]! |= 1 << (r & 31)
  }
  return bits
}

/** The ranks of `a` whose bit is set in `bits` (or, with `without`, not set). */
export function probe(a: RankSet, bits: Bitmap, without = false): RankSet {
  const out = new Int32Array(a.length)
  let n = 0
  for (let i = 0; i < a.length; i++) {
    const r = a[i]!
    if (((bits[r >>> 5]! & (1 << (r & 31))) !== 0) !== without) out[n++] = r
  }
  return trimmed(out, n)
}

/** The ranks whose bit is set, ascending (`most`: an upper bound of their number). */
function ranksOf(bits: Bitmap, most: number): RankSet {
  const out = new Int32Array(most)
  let n = 0
  for (let w = 0; w < bits.length; w++) {
    let x = bits[w]!
    while (x !== 0) {
      const low = x & -x
      out[n++] = (w << 5) + 31 - Math.clz32(low)
      x ^= low
    }
  }
  return trimmed(out, n)
}

/** Every rank of `size` rows as a bitmap. */
function fullBitmap(size: number): Bitmap {
  const bits = new Int32Array((size + 31) >>> 5).fill(-1)
  if (size & 31) bits[bits.length - 1] = (1 << (size & 31)) - 1
  return bits
}

/** A set is dense when it has at least one rank in 16 rows: then whole bitmap words are cheaper than its ranks. */
const DENSE = 16

/**
 * The ranks in every one of `sets` and in none of `without`, over `size` rows (no sets: every row).
 * Dense sets are combined word by word (AND / AND NOT of their bitmaps, 32 rows per step); otherwise the
 * smallest set drives and each rank left is looked up in the next set's bitmap (no branchy merge of two
 * long lists). `bitsOf` gives a set's bitmap (the case index keeps those of sets that come back).
 */
export function intersectAll(
  size: number,
  sets: readonly RankSet[],
  bitsOf: (set: RankSet) => Bitmap = (set) => bitmapOf(size, set),
  without: readonly RankSet[] = [],
): RankSet {
  const sorted = [...sets].sort((a, b) => a.length - b.length)
  if (sorted.length === 1 && without.length === 0) return sorted[0]!
  if (sorted.length === 0 || sorted[0]!.length * DENSE >= size) {
    const acc = sorted.length ? Int32Array.from(bitsOf(sorted[0]!)) : fullBitmap(size)
    for (const s of sorted.slice(1)) {
      const b = bitsOf(s)
      for (let w = 0; w < acc.length; w++) acc[w]! &= b[w]!
    }
    for (const s of without) {
      const b = bitsOf(s)
      for (let w = 0; w < acc.length; w++) acc[w]! &= ~b[w]!
    }
    return ranksOf(acc, sorted.length ? sorted[0]!.length : size)
  }
  let acc = sorted[0]!
  for (let k = 1; k < sorted.length && acc.length > 0; k++) {
    const s = sorted[k]!
    acc = probe(acc, bitsOf(s))
  }
  for (const s of without) if (acc.length > 0 && s.length > 0) acc = probe(acc, bitsOf(s), true)
  return acc
}

/** Every rank 0..size-1. */
export function allRanks(size: number): RankSet {
  const out = new Int32Array(size)
  for (let r = 0; r < size; r++) out[r] = r
  return out
}

/** A small LRU of rank sets, bounded by entries and by the ranks held (4 bytes each). */
export class RankCache {
  private readonly map = new Map<string, RankSet>()
  private held = 0

  constructor(
    private readonly maxEntries: number,
    private readonly maxRanks: number,
  ) {}

  get(key: string, make: () => RankSet): RankSet {
    const hit = this.map.get(key)
    if (hit) {
      this.map.delete(key)
      this.map.set(key, hit)
      return hit
    }
    const set = make()
    this.map.set(key, set)
    this.held += set.length
    while (this.map.size > this.maxEntries || this.held > this.maxRanks) {
      const [oldest, value] = this.map.entries().next().value!
      this.map.delete(oldest)
      this.held -= value.length
    }
    return set
  }
}
