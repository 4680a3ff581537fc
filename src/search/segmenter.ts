import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

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
 * Loaded once per process, on first use (~0.4 s, ~50 MB). User words are only ever added: a word that
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
}

export interface SegmenterStats {
  kind: Segmenter['kind']
  loadMs: number
  /** Resident memory the segmenter added when it loaded (bytes). */
  rssBytes: number
  userWords: number
  error?: string
}

/** Frequency given to user words: high enough to keep them whole, low enough not to break real words (中国企业 stays 中国|企业). */
const USER_FREQ = 5000

interface JiebaLike {
  cut(sentence: string, hmm?: boolean | null): string[]
  loadDict(dict: Uint8Array): void
}

class JiebaSegmenter implements Segmenter {
  readonly kind = 'jieba'
  readonly known = new Set<string>()
  /** jieba's own dictionary ("word freq tag" lines), to raise a user word's frequency but never lower it. */
  constructor(
    private readonly jieba: JiebaLike,
    private readonly dict: Buffer,
  ) {}

  /** Frequencies in jieba's dictionary of the given words (absent = unknown to it). */
  private frequencies(words: ReadonlySet<string>): Map<string, number> {
    const out = new Map<string, number>()
    for (const line of this.dict.toString('utf8').split('\n')) {
      const sp = line.indexOf(' ')
      if (sp > 0 && words.has(line.slice(0, sp)))
        out.set(line.slice(0, sp), Number.parseInt(line.slice(sp + 1), 10) || 0)
    }
    return out
  }

  cut(text: string): string[] {
    return text ? this.jieba.cut(text, false) : []
  }

  addWords(words: Iterable<string>): void {
    const fresh = new Set<string>()
    for (const w of words) {
      const word = w.trim()
      // jieba's dictionary format is "word freq": a word with whitespace cannot be a user word.
      if (!word || /\s/.test(word) || this.known.has(word) || [...word].length < 2) continue
      this.known.add(word)
      fresh.add(word)
    }
    if (!fresh.size) return
    // Raised to USER_FREQ when jieba has it lower (国有企业 is 3 there, so 别给我国有企业 became 我国|有|企业);
    // a word it has higher keeps its own frequency (lowering it could break 的, 不是…).
    const freq = this.frequencies(fresh)
    const lines = [...fresh].filter((w) => (freq.get(w) ?? 0) < USER_FREQ).map((w) => `${w} ${USER_FREQ}`)
    if (lines.length) this.jieba.loadDict(Buffer.from(`${lines.join('\n')}\n`))
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

  addWords(words: Iterable<string>): void {
    for (const w of words) {
      const word = w.trim()
      if (!word) continue
      this.known.add(word)
      this.maxLen = Math.max(this.maxLen, word.length)
    }
  }
}

let instance: (JiebaSegmenter | FallbackSegmenter) | undefined
let stats: SegmenterStats | undefined

function load(): JiebaSegmenter | FallbackSegmenter {
  const rss0 = process.memoryUsage().rss
  const t0 = performance.now()
  try {
    const require = createRequire(import.meta.url)
    const { Jieba } = require('@node-rs/jieba') as { Jieba: { withDict(dict: Uint8Array): JiebaLike } }
    const dict = readFileSync(require.resolve('@node-rs/jieba/dict.txt'))
    const seg = new JiebaSegmenter(Jieba.withDict(dict), dict)
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

/** Load time and memory of the segmenter, once loaded. */
export function segmenterStats(): SegmenterStats | undefined {
  if (!stats || !instance) return undefined
  return { ...stats, userWords: instance.known.size }
}
