import type { TableKey } from '../tables/index.js'
import type { DictHit, Dictionary } from './dictionary.js'
import { isFunctionWord } from './function-words.js'
import { segmenter } from './segmenter.js'
import {
  AND_WORDS,
  BRACKET_CLOSERS,
  isCountWord,
  isNegation,
  NEUTRAL,
  NUMBER_LEFTOVERS,
  OR_WORDS,
  RECENCY,
} from './syntax.js'

/**
 * A sentence (numbers and table words already blanked out) → a stream of items: stored values
 * (dictionary phrases, found across and inside the segmenter's tokens), negations and their closers,
 * any-of / all-of connectors, clause breaks, function words and the content words that are left.
 */

export type Item =
  | { kind: 'value'; phrase: string; hits: readonly DictHit[] }
  | { kind: 'word'; word: string; parts: string[] }
  | { kind: 'neg'; word: string }
  | { kind: 'close' }
  | { kind: 'or' }
  | { kind: 'and' }
  | { kind: 'clause' }
  | { kind: 'space' }
  | { kind: 'function'; word: string }
  | { kind: 'count'; word: string }
  /** A symbol inside a word (50%_折扣, it's, C++). */
  | { kind: 'glue'; text: string }

const CLAUSE = /^[,，。.;；:：!！?？\n\r]+$/u
const PUNCT = /^[\s\p{P}\p{S}]+$/u
const SPACE = /^\s+$/u
const GLUE = /^[%_'’&#·-]+$/u
/** Single characters that bind, not separate, when they stand between two leftover words (美的好电器). */
const STRUCTURAL = new Set([
  ...'的地得了着过和与及或跟在是有从把被给对向往由于为以按将所之也都还就才又再很更最太我你他她它这那些个家条位名',
])
/** Tokens longer than this are never read as one stored value together with their neighbours. */
const MAX_SPAN = 6

export interface Tokenized {
  items: Item[]
  /** Every token, function words included (for the count rule). */
  tokens: string[]
}

/** One reading tried at token i: the index after what it consumed (items pushed), or undefined. */
type Reading = (
  raw: string[],
  i: number,
  dict: Dictionary,
  tables: TableKey[] | undefined,
  items: Item[],
) => number | undefined

/** The longest run of tokens (spaces between Chinese characters ignored: 制造 业) that is a stored value. */
const storedValue: Reading = (raw, i, dict, tables, items) => {
  for (let j = Math.min(raw.length - 1, i + MAX_SPAN); j >= i; j--) {
    const parts = raw.slice(i, j + 1)
    if (SPACE.test(parts.at(-1)!)) continue
    const phrase = parts.filter((p) => !SPACE.test(p)).join('')
    if (parts.length > 1 && !parts.every((p) => !PUNCT.test(p) || SPACE.test(p))) continue
    // Across a space only when one side is a single character (a typo: 制造 业), never two words (地方 国企).
    if (parts.some((p, k) => SPACE.test(p) && [...parts[k - 1]!].length > 1 && [...parts[k + 1]!].length > 1)) continue
    const hits = dict.lookup(phrase, tables)
    if (!hits) continue
    items.push({ kind: 'value', phrase, hits })
    return j + 1
  }
  return undefined
}

/** 非 inside a word jieba knows (非国有|企业, 非金融): the negation, then the longest value after it. */
const negatedValue: Reading = (raw, i, dict, tables, items) => {
  const tok = raw[i]!
  if (!(tok.length > 1 && tok.startsWith('非') && !isFunctionWord(tok) && !isNegation(tok))) return undefined
  for (let j = Math.min(raw.length - 1, i + MAX_SPAN); j >= i; j--) {
    const rest = raw.slice(i + 1, j + 1)
    if (rest.some((p) => SPACE.test(p) || PUNCT.test(p))) continue
    const phrase = tok.slice(1) + rest.join('')
    const hits = dict.lookup(phrase, tables)
    if (!hits) continue
    items.push({ kind: 'neg', word: '非' }, { kind: 'value', phrase, hits })
    return j + 1
  }
  return undefined
}

/** A function or syntax word jieba cut into pieces (谢|了, 哪|几家): joined again. */
const splitFunctionWord: Reading = (raw, i, dict, tables, items) => {
  for (let j = Math.min(raw.length - 1, i + 3); j > i; j--) {
    const parts = raw.slice(i, j + 1)
    if (parts.some((p) => SPACE.test(p) || PUNCT.test(p))) continue
    const w = parts.join('')
    if (
      isFunctionWord(w) ||
      isNegation(w) ||
      isCountWord(w) ||
      BRACKET_CLOSERS.has(w) ||
      NUMBER_LEFTOVERS.has(w) ||
      NEUTRAL.has(w) ||
      RECENCY.has(w)
    ) {
      classify(w, dict, tables, items)
      return j + 1
    }
  }
  return undefined
}

/** 非 glued to the word before it (是非国企, 与非央企) when a stored value follows: a negation. */
const trailingNegation: Reading = (raw, i, dict, tables, items) => {
  const tok = raw[i]!
  const next = raw.slice(i + 1).find((t) => !SPACE.test(t))
  if (
    tok.length > 1 &&
    tok.endsWith('非') &&
    !isFunctionWord(tok) &&
    !isNegation(tok) &&
    next &&
    dict.lookup(next, tables)
  ) {
    piece(tok.slice(0, -1), dict, tables, items)
    items.push({ kind: 'neg', word: '非' })
    return i + 1
  }
  return undefined
}

/** Tried in order at each token; when none applies, the token is classified on its own. */
const READINGS: readonly Reading[] = [storedValue, negatedValue, splitFunctionWord, trailingNegation]

export function tokenize(text: string, dict: Dictionary, table?: TableKey): Tokenized {
  const raw = segmenter().cut(text)
  const tables = table ? [table] : undefined
  const items: Item[] = []
  const tokens = raw.filter((t) => !SPACE.test(t))
  let i = 0
  while (i < raw.length) {
    const tok = raw[i]!
    if (SPACE.test(tok)) {
      if (items.at(-1)?.kind !== 'space') items.push({ kind: 'space' })
      i++
      continue
    }
    let next: number | undefined
    for (const read of READINGS) {
      next = read(raw, i, dict, tables, items)
      if (next !== undefined) break
    }
    if (next === undefined) {
      classify(tok, dict, tables, items)
      next = i + 1
    }
    i = next
  }
  return { items: mergeWords(items), tokens }
}

/**
 * Adjacent leftover tokens are one word again ("安全|生产" → 安全生产), also across a symbol (50%_折扣)
 * or a single non-structural character between them (美的|好|电器 → 美的好电器). The pieces are kept:
 * a word found nowhere is retried piece by piece.
 */
function mergeWords(items: readonly Item[]): Item[] {
  const out: Item[] = []
  for (let k = 0; k < items.length; k++) {
    const it = items[k]!
    const prev = out.at(-1)
    const next = items[k + 1]
    if (it.kind === 'word' && prev?.kind === 'word') {
      prev.word += it.word
      prev.parts.push(...it.parts)
      continue
    }
    const binder = it.kind === 'function' && [...it.word].length === 1 && !STRUCTURAL.has(it.word)
    if (binder && prev?.kind === 'word' && next?.kind === 'word') {
      prev.word += it.word
      continue
    }
    if (it.kind === 'glue') {
      if (prev?.kind === 'word') prev.word += it.text
      else if (next?.kind === 'word') out.push({ kind: 'word', word: it.text, parts: [] })
      continue
    }
    out.push(it.kind === 'word' ? { ...it, parts: [...it.parts] } : it)
  }
  return out
}

/** One token that is not a stored value by itself. */
function classify(tok: string, dict: Dictionary, tables: readonly TableKey[] | undefined, items: Item[]): void {
  if (CLAUSE.test(tok)) return void items.push({ kind: 'clause' })
  if (OR_WORDS.has(tok)) return void items.push({ kind: 'or' })
  if (AND_WORDS.has(tok)) return void items.push({ kind: 'and' })
  if (GLUE.test(tok)) return void items.push({ kind: 'glue', text: tok })
  if (PUNCT.test(tok)) return void items.push({ kind: 'space' })
  if (isNegation(tok)) return void items.push({ kind: 'neg', word: tok })
  if (BRACKET_CLOSERS.has(tok)) return void items.push({ kind: 'close' })
  if (isCountWord(tok)) return void items.push({ kind: 'count', word: tok })
  if (isFunctionWord(tok) || NEUTRAL.has(tok) || NUMBER_LEFTOVERS.has(tok) || RECENCY.has(tok))
    return void items.push({ kind: 'function', word: tok })
  // A stored value glued to other characters in one token (非金融, 和央企, 国企的): split around it.
  const inside = dict.scan(tok, tables)
  if (inside.length) {
    let at = 0
    for (const m of inside) {
      if (m.start > at) piece(tok.slice(at, m.start), dict, tables, items)
      items.push({ kind: 'value', phrase: m.phrase, hits: m.hits })
      at = m.end
    }
    if (at < tok.length) piece(tok.slice(at), dict, tables, items)
    return
  }
  // A negation glued to a word (不是华为): the negation, then the word.
  const neg = ['不是', '不要', '不含', '除了', '非'].find((n) => tok.startsWith(n) && tok.length > n.length)
  if (neg && tok !== '非常') {
    items.push({ kind: 'neg', word: neg })
    return piece(tok.slice(neg.length), dict, tables, items)
  }
  // Function words glued into one token (是从, 给我们): a function word too.
  if ([...tok].length > 1 && [...tok].every((ch) => isFunctionWord(ch)))
    return void items.push({ kind: 'function', word: tok })
  items.push({ kind: 'word', word: tok, parts: [tok] })
}

/** A fragment of a token: syntax and function words by themselves, or a leftover word. */
function piece(text: string, dict: Dictionary, tables: readonly TableKey[] | undefined, items: Item[]): void {
  if (!text) return
  if (
    isNegation(text) ||
    OR_WORDS.has(text) ||
    AND_WORDS.has(text) ||
    BRACKET_CLOSERS.has(text) ||
    isCountWord(text) ||
    isFunctionWord(text)
  ) {
    return classify(text, dict, tables, items)
  }
  // Split a fragment into its first and last characters when those are syntax/function words (和央 → 和 + 央).
  const head = text[0]!
  if (text.length > 1 && (isNegation(head) || OR_WORDS.has(head) || AND_WORDS.has(head) || isFunctionWord(head))) {
    classify(head, dict, tables, items)
    return piece(text.slice(1), dict, tables, items)
  }
  const tail = text.at(-1)!
  if (text.length > 1 && (BRACKET_CLOSERS.has(tail) || isFunctionWord(tail))) {
    piece(text.slice(0, -1), dict, tables, items)
    return classify(tail, dict, tables, items)
  }
  items.push({ kind: 'word', word: text, parts: [text] })
}
