import { type SearchIntent, TABLES, tableByIntent } from '../tables/index.js'

/**
 * Which table a sentence asks about, from the words reps use: 3 = names the table (客户案例, 打单材料,
 * 替换案例, 采购记录, 平台客户, 用我们平台的), 2 = clearly about it (打单, 竞品, 换平台, 买过, 帐号),
 * 1 = generic (案例, 方案). The strongest table wins; when two tables are equally strong the sentence is
 * ambiguous and Andy asks — except that switch cases are cases too (竞品切换的客户案例 is a switch).
 */

type Weighted = readonly [intent: SearchIntent, weight: 1 | 2 | 3, words: readonly string[]]

let cache: { tables: number; phrases: readonly Weighted[]; words: readonly string[] } | undefined

/** The tables' words (TableSpec.words.phrases), recomputed when a table is registered. */
function phraseIndex(): { phrases: readonly Weighted[]; words: readonly string[] } {
  if (cache?.tables === TABLES.length) return cache
  const phrases: Weighted[] = TABLES.flatMap((t) =>
    t.words.phrases.map(([weight, words]) => [t.intent, weight, words] as const),
  )
  // Every intent phrase, longest first (for scanning and for removing them from the sentence).
  const words = [...new Set(phrases.flatMap(([, , ws]) => ws))].sort((a, b) => b.length - a.length)
  cache = { tables: TABLES.length, phrases, words }
  return cache
}

/** Every table's weighted words. */
export const intentPhrases = (): readonly Weighted[] => phraseIndex().phrases

/** Every intent phrase, longest first. */
export const allIntentWords = (): readonly string[] => phraseIndex().words

export interface IntentSpan {
  intent: SearchIntent
  weight: number
  start: number
  end: number
  word: string
}

/**
 * Intent phrases in the text, longest first and without overlaps, skipping positions masked out
 * (inside a stored value: a product called "…方案" is not a pitch question).
 */
export function findIntentWords(
  text: string,
  masked: (start: number, end: number) => boolean = () => false,
): IntentSpan[] {
  const taken = new Uint8Array(text.length)
  const out: IntentSpan[] = []
  const { phrases, words } = phraseIndex()
  for (const word of words) {
    let from = 0
    for (;;) {
      const at = text.indexOf(word, from)
      if (at < 0) break
      from = at + 1
      const end = at + word.length
      if (masked(at, end)) continue
      let free = true
      for (let i = at; i < end; i++) if (taken[i]) free = false
      if (!free) continue
      for (let i = at; i < end; i++) taken[i] = 1
      const best = phrases.filter(([, , ws]) => ws.includes(word)).sort((a, b) => b[1] - a[1])
      for (const [intent, weight] of best) out.push({ intent, weight, start: at, end, word })
    }
  }
  return out.sort((a, b) => a.start - b.start)
}

/** Scores → the chosen intent, or the tied intents when the sentence fits several equally. */
export function decide(
  scores: ReadonlyMap<SearchIntent, number>,
  opts: { switchIsCase?: boolean } = {},
): { intent?: SearchIntent; tied: SearchIntent[] } {
  let top = 0
  for (const v of scores.values()) top = Math.max(top, v)
  if (top <= 0) return { tied: [] }
  let tied = [...scores].filter(([, v]) => v === top).map(([k]) => k)
  // A competitor-switch case is a case: "竞品切换的客户案例" asks for switches.
  if (opts.switchIsCase && tied.includes('switch') && tied.includes('case')) tied = tied.filter((t) => t !== 'case')
  return tied.length === 1
    ? { intent: tied[0], tied }
    : { tied: TABLES.map((t) => t.intent).filter((i) => tied.includes(i)) }
}

/** A table's name as a rep says it (the numbered "which table?" question). */
export function shortName(intent: SearchIntent): string {
  return tableByIntent(intent)?.words.shortName ?? intent
}
