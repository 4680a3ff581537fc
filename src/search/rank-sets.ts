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

/** Intersection of two sorted rank sets. */
export function intersect(a: RankSet, b: RankSet): RankSet {
  const out = new Int32Array(Math.min(a.length, b.length))
  let i = 0
  let j = 0
  let k = 0
  while (i < a.length && j < b.length) {
    if (a[i]! < b[j]!) i++
    else if (a[i]! > b[j]!) j++
    else {
      out[k++] = a[i]!
      i++
      j++
    }
  }
  return out.subarray(0, k)
}

/** A byte per row, 1 where the set has the rank. */
export function markSet(size: number, set: RankSet): Uint8Array {
  const mark = new Uint8Array(size)
  for (let i = 0; i < set.length; i++) mark[set[i]!] = 1
  return mark
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
