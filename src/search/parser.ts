import type { AppliedFilter } from '../tables/conditions.js'
import { type SearchIntent, TABLES, type TableSpec, tableByIntent } from '../tables/index.js'
import type { Dictionary } from './dictionary.js'
import { isFunctionWord } from './function-words.js'
import { decide, findIntentWords } from './intent.js'
import { type Collected, collect } from './negation.js'
import { findNumbers, type NumberPhrases, numberFilters } from './sentence-numbers.js'
import { findSortAsk } from './sort-ask.js'
import { expandContractions, isCountQuestion } from './syntax.js'
import { tokenize } from './tokens.js'
import { keywordFilter, valueFilters } from './value-filters.js'
import { findWant, type Want } from './want.js'

export { PRIORITY } from './value-filters.js'

/**
 * Sentence → table + filters, without an LLM (README "How a sentence is understood"):
 *  1. number phrases (sizes, years, accounts, money) are read and blanked out;
 *  2. the table: from the words reps use for it (intent.ts), else from what the recognised values fit —
 *     when two tables fit equally, `choices` lists them and Andy asks;
 *  3. the rest is segmented (jieba, with the data's values as user words) into stored values, negations
 *     (非 / 不是 / 除了…以外 …: exclusions), any-of connectors, function words and leftover words;
 *  4. values of one field → one any-of filter; negated values → exclusions; leftover words → keywords.
 */

export interface ParsedSentence {
  /** Undefined when nothing in the sentence points at one table. */
  readonly table?: TableSpec
  readonly intentSource: 'explicit' | 'words' | 'competitor' | 'numbers' | 'dictionary' | 'default' | 'none'
  /** Several tables fit equally well (no table given): ask which one. */
  readonly choices?: SearchIntent[]
  /** Positive filters and exclusions (exclude: true). */
  readonly filters: AppliedFilter[]
  /** Phrases recognised but not applicable to the table (a staff size for pitch plans), and keywords beyond five. */
  readonly ignored: string[]
  /** Leftover words too short or too vague to search (shown as 没用上的词). */
  readonly unused: string[]
  /** Wanted and excluded at once (银行 非金融). */
  readonly contradictions: string[]
  /** The sentence asks how many (有多少 / 多少家 / 几个…). */
  readonly count: boolean
  /** How many rows to show first, when the rep said (给我3个 / 前10条). */
  readonly want?: Want['count']
  /** Asked for more than can be shown at once (给我30个). */
  readonly wantCapped?: number
  /** Asked to order by a number (金额最高的): lists are newest first; the reply says so (sort-ask.ts). */
  readonly sortAsked?: string
  /** Values of different fields joined by 或 (银行或者央企): searched as both at once; the reply says so. */
  readonly orAcross?: Array<[string, string]>
  /** No table named and nothing but words (百川汇): the words, to look for in every table's rows. */
  readonly lookup?: string[]
  /** Nothing but function words (谢谢 / 有什么可以参考的): answer with the menu, not with everything. */
  readonly onlyFunctionWords: boolean
  /** The normalised sentence that was parsed. */
  readonly text: string
}

export interface ParseOptions {
  dict: Dictionary
  nowYear: number
  /** 1–12: where 近3个月 starts (unknown: the previous year is included). */
  nowMonth?: number
  /** Search this table's intent (from a command prefix, robot binding, customType or an answered question). */
  intent?: SearchIntent
}

export const MAX_KEYWORDS = 5

/** NFKC (full-width → half-width), lower-case, @mentions and emoji removed, 1,000 → 1000, whitespace collapsed. */
export function normalizeSentence(raw: string): string {
  let s = raw.normalize('NFKC').toLowerCase()
  s = s.replace(/@\S+/gu, ' ')
  s = s.replace(/[\p{Extended_Pictographic}\u{FE0F}\u{200D}]/gu, ' ')
  s = s.replace(/(\d),(?=\d{3}(?!\d))/g, '$1')
  s = expandContractions(s)
  return s.replace(/\s+/gu, ' ').trim()
}

function blank(s: string, start: number, end: number): string {
  return s.slice(0, start) + ' '.repeat(end - start) + s.slice(end)
}

function chooseTable(
  s: string,
  dict: Dictionary,
  nums: NumberPhrases,
  opts: ParseOptions,
): {
  table?: TableSpec
  source: ParsedSentence['intentSource']
  choices?: SearchIntent[]
  spans: Array<[number, number]>
} {
  const all = dict.scan(s)
  // A table word inside a longer stored value (a product "…方案集") is part of the value, not a table word.
  const masked = (a: number, b: number) => all.some((m) => m.start <= a && m.end >= b && m.end - m.start > b - a)
  const spans = findIntentWords(s, masked)
  const cut = spans.map((x) => [x.start, x.end] as [number, number])
  if (opts.intent) return { table: tableByIntent(opts.intent), source: 'explicit', spans: cut }
  const scores = new Map<SearchIntent, number>()
  const bump = (i: SearchIntent, w: number) => scores.set(i, Math.max(scores.get(i) ?? 0, w))
  for (const x of spans) bump(x.intent, x.weight)
  const competitor = all.some((m) => m.hits.some((h) => h.dim === 'competitor'))
  if (competitor) bump('switch', 2)
  if (nums.accounts) bump('software', 2)
  if (nums.money && !nums.money.value.bare) bump('procurement', 2)
  if (scores.size) {
    const d = decide(scores, { switchIsCase: true })
    const source = spans.length ? 'words' : competitor ? 'competitor' : 'numbers'
    return d.intent ? { table: tableByIntent(d.intent), source, spans: cut } : { source, choices: d.tied, spans: cut }
  }
  // No table word: the table that the recognised values (and number phrases) fit best.
  const fit = new Map<SearchIntent, number>()
  for (const spec of TABLES) {
    let n = all.filter((m) => m.hits.some((h) => h.table === spec.key)).length
    if (nums.size && spec.sizeColumns) n++
    if (nums.years && spec.yearColumn) n++
    if (nums.money && (spec.moneyColumn || spec.sizeColumns)) n++
    if (n > 0) fit.set(spec.intent, n)
  }
  const d = decide(fit)
  if (d.intent) return { table: tableByIntent(d.intent), source: 'dictionary', spans: cut }
  if (d.tied.length) return { source: 'dictionary', choices: d.tied, spans: cut }
  return { source: 'none', spans: cut }
}

/** A span of time no rule read (6月, 为期6, 近3, 3天): no name or project word holds it; shown as unused. */
const TIME_LEFTOVER = /^(?:为期|近|前|后|每)?\d+(?:\.\d+)?(?:个)?(?:月|月份|日|号|周|天|季度|期)?$/

function keywordFilters(words: Collected['words']): { filters: AppliedFilter[]; overflow: string[]; unused: string[] } {
  const groups: Array<{ words: string[]; parts: string[]; negated: boolean }> = []
  const unused: string[] = []
  for (const raw of words) {
    // Stray symbols at a word's ends (江苏%, _案例) are typing noise, not part of a name (100% keeps its %).
    const trimmed = raw.word.replace(/^[\p{P}\p{S}]+|(?<![\d%])[\p{P}\p{S}]+$/gu, '')
    const w = trimmed && trimmed !== raw.word ? { ...raw, word: trimmed, parts: [trimmed] } : raw
    // One character is too vague to search for (and usually a particle the list does not know).
    if ([...w.word].length < 2 || /^[\d.]+$/.test(w.word) || TIME_LEFTOVER.test(w.word)) {
      if (!unused.includes(w.word)) unused.push(w.word)
      continue
    }
    const prev = groups.at(-1)
    if (w.orWithPrevious && prev && prev.negated === w.negated) {
      if (!prev.words.includes(w.word)) prev.words.push(w.word)
    } else if (!groups.some((g) => g.negated === w.negated && g.words.length === 1 && g.words[0] === w.word)) {
      groups.push({ words: [w.word], parts: w.parts, negated: w.negated })
    }
  }
  const kept = groups.slice(0, MAX_KEYWORDS)
  const filters = kept.map((g) =>
    keywordFilter(g.words, g.negated, g.words.length === 1 && !g.negated ? retries(g.words[0]!, g.parts) : undefined),
  )
  return { filters, overflow: groups.slice(MAX_KEYWORDS).map((g) => g.words.join('或')), unused }
}

/**
 * What to try when a leftover word is found nowhere: its segments when they are words themselves
 * (价格太贵 → 价格, 太贵), else the word without a function character glued to either end (有恒远 → 恒远).
 */
function retries(word: string, parts: readonly string[]): string[] | undefined {
  if (parts.length > 1 && parts.every((p) => [...p].length >= 2)) return [...parts]
  let w = word
  while ([...w].length > 2 && isFunctionWord(w[0]!)) w = w.slice(1)
  while ([...w].length > 2 && isFunctionWord(w.at(-1)!)) w = w.slice(0, -1)
  return w !== word ? [w] : undefined
}

export function parseSentence(raw: string, opts: ParseOptions): ParsedSentence {
  const text = normalizeSentence(raw)
  const want = findWant(text)
  const sort = findSortAsk(want.rest)
  const nums = findNumbers(sort.rest, opts.nowYear, opts.nowMonth)
  let s = nums.rest
  const choice = chooseTable(s, opts.dict, nums, opts)
  for (const [a, b] of choice.spans) s = blank(s, a, b)
  const base = {
    ignored: [] as string[],
    unused: [] as string[],
    contradictions: [] as string[],
    text,
    want: want.count,
    wantCapped: want.capped,
    sortAsked: sort.field,
  }
  if (!choice.table) {
    const { items, tokens } = tokenize(s, opts.dict)
    const c = collect(items)
    const content = c.positive.length + c.negative.length + c.words.length
    // "有没有做过安全生产的客户" names no table but clearly asks for customers: content cases.
    if (!choice.choices && c.words.some((w) => [...w.word].length >= 2) && /客户|公司|企业|集团|单位/.test(text)) {
      return parseSentence(raw, { ...opts, intent: 'case' })
    }
    const onlyFunctionWords = content === 0 && !nums.any && c.functionWords > 0 && tokens.length > 0
    // Nothing but words (百川汇, 凯晟的情况): perhaps a customer's name — the chat looks in every table.
    const name = !choice.choices && !nums.any && c.positive.length + c.negative.length === 0
    const lookup = name ? c.words.filter((w) => !w.negated && [...w.word].length >= 2).map((w) => w.word) : []
    return {
      ...base,
      intentSource: choice.source,
      choices: choice.choices,
      lookup: lookup.length ? lookup : undefined,
      filters: [],
      count: isCountQuestion(tokens, text),
      onlyFunctionWords,
    }
  }
  const table = choice.table
  const { items, tokens } = tokenize(s, opts.dict, table.key)
  const c = collect(items)
  const n = numberFilters(table, nums)
  const v = valueFilters(table, opts.dict, c.positive, c.negative)
  const kw = keywordFilters(c.words)
  const filters = [...n.filters, ...v.filters, ...kw.filters]
  const keywordConflicts = c.words
    .filter((w) => !w.negated && c.words.some((o) => o.negated && o.word === w.word))
    .map((w) => `要「${w.word}」又排除「${w.word}」`)
  return {
    ...base,
    table,
    intentSource: choice.source,
    filters,
    ignored: [...n.ignored, ...kw.overflow],
    unused: kw.unused,
    contradictions: [...v.contradictions, ...new Set(keywordConflicts)],
    orAcross: c.orAcross.length ? c.orAcross : undefined,
    count: isCountQuestion(tokens, text),
    onlyFunctionWords:
      filters.length === 0 &&
      n.ignored.length === 0 &&
      kw.unused.length === 0 &&
      c.functionWords > 0 &&
      choice.spans.length === 0 &&
      tokens.length > 0,
    text,
  }
}
