import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { JiebaDictFile } from './jieba-dict.js'

/**
 * Chinese word segmentation with jieba (@node-rs/jieba: Rust jieba-rs behind N-API; the prebuilt binary
 * ships inside a per-platform npm package, the dictionary inside the main package — nothing is
 * downloaded at install). The data's own values, their short forms and the taxonomy's terms are added as
 * user words, so a value glued to other words ("讲数字化转型", "因为价格上涨") comes out as one token and
 * what is left over are real words.
 *
 * Without HMM: a run of characters jieba does not know comes out character by character and is joined
 * back by the parser (tokens.ts), so an unknown name never swallows a neighbouring 非 or 和.
 *
 * Loaded once per process, on first use: a partial dictionary for a one-shot process (see JiebaSegmenter),
 * the complete one (~0.15 s, ~50 MB) for a long-running one. User words are only ever added: a word that
 * left the data stays known to the segmenter, which is harmless — tokens are mapped onto values through
 * the dictionary, never by the segmenter. If the native module cannot load (an exotic platform), a
 * forward-maximum-matching segmenter over the same user words takes over.
 */

export interface Segmenter {
  readonly kind: 'jieba' | 'fallback'
  /** Tokens in order; concatenated they give back the text. */
  cut(text: string): string[]
  /** Makes the words known (values, short forms, taxonomy terms, syntax words). */
  addWords(words: Iterable<string>): void
  /**
   * Loads jieba's complete dictionary now (a long-running process, before its first messages). Until then
   * — or until a few sentences were cut — a one-shot process segments with the part it needs: same tokens.
   */
  loadFully(): void
  /**
   * jieba's own frequencies of the user words looked up so far, for the next one-shot process (primeWith):
   * looking 700 words up costs a cold process ~30 ms. Undefined for the fallback segmenter.
   */
  frequencyCache(): FrequencyCache | undefined
  /** Takes the frequencies a previous process looked up (ignored when they are of another dictionary file). */
  primeWith(cache: FrequencyCache): void
  /** Looks up now the user words added since (not primed): returns how many it looked up. */
  resolveUsers(): number
}

/** jieba's own frequency of user words (0: not in its dictionary), and the size of the dictionary file they are of. */
export interface FrequencyCache {
  dictBytes: number
  freqs: Record<string, number>
}

export interface SegmenterStats {
  kind: Segmenter['kind']
  /** `partial`: only the dictionary words the sentences so far needed are loaded (see JiebaSegmenter). */
  mode?: 'partial' | 'full'
  /** Time to load the complete dictionary (or, while partial, to open the native module and the file). */
  loadMs: number
  /** Resident memory the segmenter added when it loaded (bytes). */
  rssBytes: number
  userWords: number
  error?: string
}

/** Frequency given to user words: high enough to keep them whole, low enough not to break real words (中国企业 stays 中国|企业). */
const USER_FREQ = 5000
/** Sentences a partial dictionary is extended for before the complete one is loaded instead. */
const PARTIAL_EXTENSIONS = 8
/**
 * Carries the frequencies of the words a partial dictionary leaves out, so its total — the denominator of
 * every word's probability — is the complete one's. A private-use character: jieba only segments runs of
 * Han characters, letters and digits, so it never occurs in what is cut.
 */
const FILLER = '\uE000'

interface JiebaLike {
  cut(sentence: string, hmm?: boolean | null): string[]
  loadDict(dict: Uint8Array): void
}

interface JiebaNative {
  withDict(dict: Uint8Array): JiebaLike
}

const dictLines = (entries: Iterable<[string, number]>): Buffer =>
  Buffer.from(`${[...entries].map(([w, f]) => `${w} ${f}`).join('\n')}\n`)

/**
 * jieba without HMM segments a run of characters by the dictionary words inside it (their frequencies)
 * and the dictionary's total frequency, nothing else (jieba-rs: dag + calc). So a dictionary holding
 * exactly the words that occur in the sentences cut so far, plus a filler word carrying the rest of the
 * total, gives the same tokens as the complete one — and loads in a millisecond instead of ~150 ms and
 * ~50 MB. One-shot processes (andy ask) never load more; after PARTIAL_EXTENSIONS sentences with new
 * words, or loadFully(), the complete dictionary takes over. test/search/segmenter.test.ts checks both
 * give the same tokens.
 */
export class JiebaSegmenter implements Segmenter {
  readonly kind = 'jieba'
  /** User words, with their frequency once known (raised to USER_FREQ, never lowered). */
  private readonly users = new Map<string, number | undefined>()
  private pending: string[] = []
  private full?: JiebaLike
  private partial?: JiebaLike
  /** Words in the partial dictionary (filler aside) → frequency; and their sum. */
  private readonly loaded = new Map<string, number>()
  private loadedSum = 0
  /** What raising the user words added to the dictionary's total. */
  private raised = 0
  /** Whitespace-free pieces of the sentences the partial dictionary covers. */
  private readonly covered: string[] = []
  private extensions = 0
  /** jieba's own frequency of each resolved user word, and those a previous process gave (primeWith). */
  private readonly own = new Map<string, number>()
  private readonly primed = new Map<string, number>()
  fullLoadMs?: number
  fullRssBytes?: number

  constructor(
    private readonly native: JiebaNative,
    private readonly file: JiebaDictFile,
    private readonly maxExtensions = PARTIAL_EXTENSIONS,
  ) {}

  get known(): ReadonlySet<string> {
    return new Set(this.users.keys())
  }

  get mode(): 'partial' | 'full' {
    return this.full ? 'full' : 'partial'
  }

  cut(text: string): string[] {
    if (!text) return []
    if (this.full) return this.full.cut(text, false)
    const fresh = text.split(/\s+/).filter((p) => p && !this.covered.some((c) => c.includes(p)))
    if (fresh.length || this.pending.length || !this.partial) {
      if (this.extensions >= this.maxExtensions) {
        this.loadFully()
        return this.full!.cut(text, false)
      }
      this.extend(fresh)
    }
    return this.partial!.cut(text, false)
  }

  addWords(words: Iterable<string>): void {
    const fresh: string[] = []
    for (const w of words) {
      const word = w.trim()
      // jieba's dictionary format is "word freq": a word with whitespace cannot be a user word.
      if (!word || /\s/.test(word) || this.users.has(word) || [...word].length < 2) continue
      this.users.set(word, undefined)
      fresh.push(word)
    }
    if (!fresh.length) return
    this.pending.push(...fresh)
    if (this.full) this.loadUsers(this.full, fresh)
  }

  frequencyCache(): FrequencyCache {
    return { dictBytes: this.file.bytes.length, freqs: Object.fromEntries(this.own) }
  }

  primeWith(cache: FrequencyCache): void {
    if (cache.dictBytes !== this.file.bytes.length) return
    for (const [w, f] of Object.entries(cache.freqs)) if (typeof f === 'number' && f >= 0) this.primed.set(w, f)
  }

  resolveUsers(): number {
    const n = this.pending.filter((w) => !this.primed.has(w)).length
    if (this.pending.length) this.resolvePending(this.lookupPending([]))
    return n
  }

  loadFully(): void {
    if (this.full) return
    const rss0 = process.memoryUsage().rss
    const t0 = performance.now()
    const full = this.native.withDict(this.file.bytes)
    this.loadUsers(full, [...this.users.keys()])
    this.full = full
    this.partial = undefined
    this.loaded.clear()
    this.covered.length = 0
    this.fullLoadMs = performance.now() - t0
    this.fullRssBytes = Math.max(0, process.memoryUsage().rss - rss0)
  }

  /**
   * The pending user words' frequencies: raised to USER_FREQ when jieba has them lower (国有企业 is 3 there,
   * so 别给我国有企业 became 我国|有|企业); a word it has higher keeps its own (lowering it could break 的, 不是…).
   */
  private resolvePending(dictFreq: ReadonlyMap<string, number>): void {
    for (const w of this.pending) {
      const own = dictFreq.get(w) ?? 0
      this.own.set(w, own)
      const freq = Math.max(own, USER_FREQ)
      this.users.set(w, freq)
      this.raised += freq - own
    }
    this.pending = []
  }

  /** Loads those of `words` (user words) whose frequency jieba has lower. */
  private loadUsers(jieba: JiebaLike, words: readonly string[]): void {
    if (this.pending.length) this.resolvePending(this.lookupPending([]))
    const raise = words.map((w): [string, number] => [w, this.users.get(w)!]).filter(([, f]) => f === USER_FREQ)
    if (raise.length) jieba.loadDict(dictLines(raise))
  }

  /** The dictionary's frequencies of the pending user words (primed ones from the cache) and of the words in `pieces`. */
  private lookupPending(pieces: readonly string[]): Map<string, number> {
    const found = this.file.lookup(
      this.pending.filter((w) => !this.primed.has(w)),
      pieces,
    )
    for (const w of this.pending) {
      const f = this.primed.get(w)
      if (f) found.set(w, f)
    }
    return found
  }

  /** Adds to the partial dictionary the pending user words and the dictionary words inside `pieces`. */
  private extend(pieces: readonly string[]): void {
    this.extensions++
    const found = this.lookupPending(pieces)
    this.resolvePending(found)
    const changed = new Map<string, number>()
    const put = (w: string, f: number): void => {
      const old = this.loaded.get(w)
      if (old === f) return
      this.loadedSum += f - (old ?? 0)
      this.loaded.set(w, f)
      changed.set(w, f)
    }
    for (const [w, f] of found) put(w, this.users.get(w) ?? f)
    for (const [w, f] of this.users) if (f !== undefined) put(w, f)
    changed.set(FILLER, this.file.total + this.raised - this.loadedSum)
    this.covered.push(...pieces)
    if (this.partial) this.partial.loadDict(dictLines(changed))
    else this.partial = this.native.withDict(dictLines(changed))
  }
}

/** Longest known word at each position; unknown letters/digits and unknown Han runs grouped. */
class FallbackSegmenter implements Segmenter {
  readonly kind = 'fallback'
  readonly known = new Set<string>()
  private maxLen = 1

  cut(text: string): string[] {
    const out: string[] = []
    let run = ''
    const flush = () => {
      if (run) out.push(run)
      run = ''
    }
    let i = 0
    while (i < text.length) {
      let len = Math.min(this.maxLen, text.length - i)
      for (; len >= 2; len--) if (this.known.has(text.slice(i, i + len))) break
      if (len >= 2) {
        flush()
        out.push(text.slice(i, i + len))
        i += len
        continue
      }
      const ch = text[i]!
      if (/[\p{L}\p{N}]/u.test(ch) && !this.known.has(ch)) run += ch
      else {
        flush()
        out.push(ch)
      }
      i++
    }
    flush()
    return out
  }

  loadFully(): void {}

  frequencyCache(): undefined {
    return undefined
  }

  primeWith(): void {}

  resolveUsers(): number {
    return 0
  }

  addWords(words: Iterable<string>): void {
    for (const w of words) {
      const word = w.trim()
      if (!word) continue
      this.known.add(word)
      this.maxLen = Math.max(this.maxLen, word.length)
    }
  }
}

/** A new jieba segmenter with its own native instance (throws when the native module cannot load). */
export function newJiebaSegmenter(opts: { maxExtensions?: number } = {}): JiebaSegmenter {
  const require = createRequire(import.meta.url)
  const { Jieba } = require('@node-rs/jieba') as { Jieba: JiebaNative }
  const bytes = readFileSync(require.resolve('@node-rs/jieba/dict.txt'))
  return new JiebaSegmenter(Jieba, new JiebaDictFile(bytes, knownTotal(bytes.length)), opts.maxExtensions)
}

/**
 * JIEBA_TOTAL_FILE, beside this module in dist/ (the build writes it: scripts/build.mjs): jieba's total for
 * the dictionary file of that size, so a one-shot process need not sum 349k lines (~20 ms). Absent (from
 * source), unreadable or for another file size: undefined, and the total is summed as before.
 */
export const JIEBA_TOTAL_FILE = 'jieba-total.json'

function knownTotal(dictBytes: number): number | undefined {
  try {
    const t = JSON.parse(readFileSync(new URL(JIEBA_TOTAL_FILE, import.meta.url), 'utf8')) as {
      bytes?: unknown
      total?: unknown
    }
    return t.bytes === dictBytes && typeof t.total === 'number' && t.total > 0 ? t.total : undefined
  } catch {
    return undefined
  }
}

let instance: (JiebaSegmenter | FallbackSegmenter) | undefined
let stats: SegmenterStats | undefined

function load(): JiebaSegmenter | FallbackSegmenter {
  const rss0 = process.memoryUsage().rss
  const t0 = performance.now()
  try {
    const seg = newJiebaSegmenter()
    stats = {
      kind: 'jieba',
      loadMs: performance.now() - t0,
      rssBytes: Math.max(0, process.memoryUsage().rss - rss0),
      userWords: 0,
    }
    return seg
  } catch (err) {
    stats = {
      kind: 'fallback',
      loadMs: performance.now() - t0,
      rssBytes: 0,
      userWords: 0,
      error: err instanceof Error ? err.message : String(err),
    }
    return new FallbackSegmenter()
  }
}

/** The process's segmenter (loaded on first call). */
export function segmenter(): Segmenter {
  instance ??= load()
  return instance
}

/** Load time and memory of the segmenter, once loaded (of its complete dictionary, once that is loaded). */
export function segmenterStats(): SegmenterStats | undefined {
  if (!stats || !instance) return undefined
  if (instance instanceof FallbackSegmenter) return { ...stats, userWords: instance.known.size }
  return {
    ...stats,
    mode: instance.mode,
    loadMs: stats.loadMs + (instance.fullLoadMs ?? 0),
    rssBytes: stats.rssBytes + (instance.fullRssBytes ?? 0),
    userWords: instance.known.size,
  }
}
