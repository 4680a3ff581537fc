/**
 * jieba's own dictionary file (dict.txt of @node-rs/jieba: 349k "word freq tag" lines, 5 MB) read as
 * bytes. Looking words up costs one pass over the buffer (~10 ms) that hashes each line's word and decodes
 * only the lines asked for — never the 349k strings a split would make (that was ~90 ms and 40 MB of
 * garbage per lookup).
 */

const FNV_OFFSET = 0x811c9dc5 | 0
const FNV_PRIME = 0x01000193
/** A word ends at the first byte ≤ this (space, tab, CR, LF): the file's words hold none of them. */
const SPACE = 0x20
const LF = 0x0a
const DIGIT_0 = 0x30
const DIGIT_9 = 0x39

/** Substrings of a text up to this many characters are looked up by hash; longer words by `includes`. */
const MAX_HASHED_CHARS = 24

const step = (h: number, byte: number): number => Math.imul(h ^ byte, FNV_PRIME)

/** FNV-1a of the UTF-8 bytes of `s` (the same value as over the dictionary's bytes). */
export function hashUtf8(s: string): number {
  let h = FNV_OFFSET
  for (let k = 0; k < s.length; k++) {
    let c = s.charCodeAt(k)
    if (c >= 0xd800 && c < 0xdc00 && k + 1 < s.length) {
      const d = s.charCodeAt(k + 1)
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        k++
      }
    }
    if (c < 0x80) h = step(h, c)
    else if (c < 0x800) h = step(step(h, 0xc0 | (c >> 6)), 0x80 | (c & 63))
    else if (c < 0x10000) h = step(step(step(h, 0xe0 | (c >> 12)), 0x80 | ((c >> 6) & 63)), 0x80 | (c & 63))
    else
      h = step(step(step(step(h, 0xf0 | (c >> 18)), 0x80 | ((c >> 12) & 63)), 0x80 | ((c >> 6) & 63)), 0x80 | (c & 63))
  }
  return h
}

export class JiebaDictFile {
  private sum: number | undefined

  /** `total`: the file's total when already known (jieba-total.json, written by the build), else summed on first use. */
  constructor(
    readonly bytes: Buffer,
    total?: number,
  ) {
    this.sum = total
  }

  /** The sum of every word's frequency: jieba's `total`, the denominator of each word's probability. */
  get total(): number {
    this.sum ??= this.sumFrequencies()
    return this.sum
  }

  /**
   * The dictionary's frequency of each of `words` it has, and of every dictionary word that occurs inside
   * one of `texts` (its whitespace-free pieces: jieba never segments across whitespace).
   */
  lookup(words: Iterable<string>, texts: readonly string[]): Map<string, number> {
    const wanted = new Map<number, string[]>()
    const want = (w: string): void => {
      const h = hashUtf8(w)
      const list = wanted.get(h)
      if (!list) wanted.set(h, [w])
      else if (!list.includes(w)) list.push(w)
    }
    for (const w of words) want(w)
    const pieces = texts.flatMap((t) => t.split(/\s+/)).filter(Boolean)
    for (const piece of pieces) {
      const chars = [...piece]
      for (let i = 0; i < chars.length; i++)
        for (let len = 1; len <= MAX_HASHED_CHARS && i + len <= chars.length; len++)
          want(chars.slice(i, i + len).join(''))
    }
    // A piece longer than the hashed substrings could hold a longer dictionary word: the full pass finds those.
    if (pieces.some((p) => [...p].length > MAX_HASHED_CHARS)) return this.scan(wanted, pieces)
    // The file is sorted by its bytes (jieba ships it so): each word is a binary search, not a 5 MB pass.
    const out = new Map<string, number>()
    for (const list of wanted.values())
      for (const w of list) {
        const f = this.find(Buffer.from(w, 'utf8'))
        if (f !== undefined) out.set(w, f)
      }
    return out
  }

  /** The frequency of `word` (UTF-8), by binary search over the byte-sorted lines; undefined when absent. */
  private find(word: Buffer): number | undefined {
    const b = this.bytes
    let lo = 0
    let hi = b.length
    while (lo < hi) {
      // The start of the line around the middle (lo is always a line start, so mid ≥ lo).
      const mid = b.lastIndexOf(LF, ((lo + hi) >>> 1) - 1) + 1
      const start = Math.max(mid, lo)
      let end = start
      while (end < b.length && b[end]! > SPACE) end++
      // The line's word against `word`, compared in place (a subarray per step was most of a lookup's time).
      const cmp = -word.compare(b, start, end)
      if (cmp === 0) return this.frequencyAt(end)
      if (cmp < 0) {
        const next = b.indexOf(LF, end)
        lo = next < 0 ? b.length : next + 1
      } else hi = start
    }
    return undefined
  }

  /** The number after the word that ends at `end` ("word freq tag"). */
  private frequencyAt(end: number): number {
    const b = this.bytes
    let freq = 0
    let i = end + 1
    for (let c = b[i]!; i < b.length && c >= DIGIT_0 && c <= DIGIT_9; c = b[++i]!) freq = freq * 10 + c - DIGIT_0
    return freq
  }

  /** jieba's total: every line's frequency summed (native line search, no hashing). */
  private sumFrequencies(): number {
    const b = this.bytes
    let total = 0
    for (let i = 0; i < b.length; ) {
      const space = b.indexOf(SPACE, i)
      const lf = b.indexOf(LF, i)
      const eol = lf < 0 ? b.length : lf
      if (space >= 0 && space < eol) total += this.frequencyAt(space)
      i = eol + 1
    }
    return total
  }

  /** One pass: every line's word hashed (bytes up to the first space or control byte), its frequency summed. */
  private scan(wanted: Map<number, string[]>, pieces: readonly string[]): Map<string, number> {
    const out = new Map<string, number>()
    // Most lines are not wanted: a bitmap of the wanted hashes rules them out without a Map lookup.
    const bloom = new Uint32Array(1 << 15)
    for (const h of wanted.keys()) bloom[(h >>> 12) & 0x7fff]! |= 1 << (h & 31)
    const longToo = pieces.length > 0
    const b = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length)
    const n = b.length
    let total = 0
    let i = 0
    while (i < n) {
      const start = i
      let h = FNV_OFFSET
      let c = b[i]!
      while (c > SPACE && i < n) {
        h = Math.imul(h ^ c, FNV_PRIME)
        c = b[++i]!
      }
      const end = i
      let freq = 0
      while (++i < n && (c = b[i]!) >= DIGIT_0 && c <= DIGIT_9) freq = freq * 10 + c - DIGIT_0
      while (i < n && b[i] !== LF) i++
      i++
      total += freq
      const maybe = (bloom[(h >>> 12) & 0x7fff]! & (1 << (h & 31))) !== 0
      // A word longer than the hashed substrings (more bytes than MAX_HASHED_CHARS: rare) is checked directly.
      const long = longToo && end - start > MAX_HASHED_CHARS
      if ((maybe || long) && end > start) this.check(out, wanted.get(h), start, end, long ? pieces : undefined, freq)
    }
    this.sum = total
    return out
  }

  private check(
    out: Map<string, number>,
    candidates: string[] | undefined,
    start: number,
    end: number,
    pieces: readonly string[] | undefined,
    freq: number,
  ): void {
    if (!candidates && !pieces) return
    const word = this.bytes.toString('utf8', start, end)
    if (
      candidates?.includes(word) ||
      (pieces && [...word].length > MAX_HASHED_CHARS && pieces.some((p) => p.includes(word)))
    )
      out.set(word, freq)
  }
}
