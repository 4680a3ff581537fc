import type { AppliedFilter } from './conditions.js'
import type { Dictionary, PhraseMatch } from './dictionary.js'
import { findAccounts, findMoney, findSize, findYears, formatBounds, type Bounds } from './numbers.js'
import { DIMENSION_LABELS, TABLES, tableByIntent, type Dimension, type SearchIntent, type TableSpec } from './tables.js'

/**
 * Sentence → table + filters, without an LLM. Order: number phrases (sizes, years, accounts, money),
 * then dictionary phrases (exact stored values), then intent words and filler words are removed, and
 * whatever is left becomes keyword filters — never silently dropped.
 */

export interface ParsedSentence {
  /** Undefined when nothing in the sentence points at a table. */
  readonly table?: TableSpec
  readonly intentSource: 'explicit' | 'words' | 'competitor' | 'numbers' | 'dictionary' | 'default' | 'none'
  readonly filters: AppliedFilter[]
  /** Phrases recognised but not applicable to the table (e.g. a staff size for pitch plans). */
  readonly ignored: string[]
  /** The normalised sentence that was parsed. */
  readonly text: string
}

export interface ParseOptions {
  dict: Dictionary
  nowYear: number
  /** Search this table's intent (from a command prefix, robot binding or customType). */
  intent?: SearchIntent
}

export const MAX_KEYWORDS = 5

/** Relaxation order: lower priority is dropped first when nothing matches. */
export const PRIORITY: Record<Dimension | 'keyword' | 'year' | 'money' | 'account' | 'size', number> = {
  keyword: 10, year: 20, money: 25, account: 30, size: 40, sales: 45, classType: 46, sourceType: 47,
  series: 50, crowd: 55, product: 60, industry2: 65, enterpriseType: 70, region: 80, competitor: 85, industry: 90,
}

/** Intent words by specificity: a sentence with 竞品 and 案例 is a competitor-switch question. */
const INTENT_ORDER: SearchIntent[] = ['switch', 'procurement', 'software', 'pitch', 'case']

/** Words that carry no filter: requests, particles, generic nouns. Longest first. */
const FILLERS = [
  '帮我找一下', '帮我查一下', '帮忙找一下', '帮忙查一下', '能不能', '可不可以', '有没有', '有哪些', '有什么', '是哪些', '都有哪些',
  '帮我找', '帮我查', '帮我搜', '帮忙', '麻烦', '请问', '给我', '找一下', '查一下', '搜一下', '看一下', '看看', '找找', '查查', '列出', '列一下',
  '搜索', '查询', '查找', '推荐', '提供', '需要', '想要', '一些', '几个', '所有', '全部', '相关的', '相关', '类似的', '类似', '关于',
  '做过', '做的', '过来的', '过来', '来的', '以及', '或者', '还有', '并且', '我们', '我想', '一下', '哪些', '什么',
  '客户', '企业', '公司', '行业的', '行业', '数据', '信息', '记录', '明细', '列表', '情况', '培训', '项目', '内容产品', '产品', '的客户',
  '系列', '类型', '性质', '人员规模', '规模', '年份', '地区', '省份', '以上', '以下',
]
/** Single characters dropped only at the edge of a leftover word (美的集团 keeps its 的). */
const EDGE_FILLERS = new Set([
  '的', '了', '吗', '呢', '吧', '啊', '和', '与', '及', '或', '在', '是', '有', '从', '都', '也', '跟', '把', '对', '里', '中', '等',
  '类', '过', '些', '个', '家', '哪', '帮', '找', '查', '搜', '请', '给', '想', '要', '看', '按', '用', '被', '让', '去', '来',
  '省', '市', '区', '年', '人',
])
const SPLIT = /[\s,，。.;；:：!！?？、/\\|()（）[\]【】{}<>《》"“”‘’`~·…]+/u

const CJK = '\\p{Script=Han}'

/** NFKC (full-width → half-width), lower-case, @mentions and emoji removed, whitespace collapsed. */
export function normalizeSentence(raw: string): string {
  let s = raw.normalize('NFKC').toLowerCase()
  s = s.replace(/@\S+/gu, ' ')
  s = s.replace(/[\p{Extended_Pictographic}\u{FE0F}\u{200D}]/gu, ' ')
  return s.replace(/\s+/gu, ' ').trim()
}

const HAN = /\p{Script=Han}/u

/**
 * The text without whitespace next to Chinese characters ("制造 业" → "制造业") and, for every character
 * of it, its position in the original — so dictionary phrases match across spacing typos while
 * space-separated keywords stay separate words.
 */
function compactCjk(s: string): { compact: string; map: number[] } {
  let compact = ''
  const map: number[] = []
  for (let i = 0; i < s.length; i++) {
    if (/\s/.test(s[i]!)) {
      let j = i - 1
      while (j >= 0 && /\s/.test(s[j]!)) j--
      let k = i + 1
      while (k < s.length && /\s/.test(s[k]!)) k++
      if ((j >= 0 && HAN.test(s[j]!)) || (k < s.length && HAN.test(s[k]!))) continue
    }
    compact += s[i]
    map.push(i)
  }
  return { compact, map }
}

function scanText(dict: Dictionary, s: string, tables?: readonly TableSpec['key'][]): PhraseMatch[] {
  const { compact, map } = compactCjk(s)
  return dict.scan(compact, tables).map((m) => ({ ...m, start: map[m.start]!, end: map[m.end - 1]! + 1 }))
}

function phraseText(t: string): string {
  return t.replace(/的$/, '').trim()
}

function blank(s: string, start: number, end: number): string {
  return s.slice(0, start) + ' '.repeat(end - start) + s.slice(end)
}

function intentFromWords(s: string): SearchIntent | undefined {
  for (const intent of INTENT_ORDER) {
    if (tableByIntent(intent)!.intentWords.some((w) => s.includes(w))) return intent
  }
  return undefined
}

function removeIntentWords(s: string): string {
  const words = TABLES.flatMap((t) => t.intentWords).sort((a, b) => b.length - a.length)
  for (const w of words) s = s.replaceAll(w, ' '.repeat(w.length))
  return s
}

function guessTable(matches: PhraseMatch[], numbers: { account: boolean; money: boolean }): { table?: TableSpec; source: ParsedSentence['intentSource'] } {
  if (matches.some((m) => m.hits.some((h) => h.dim === 'competitor'))) return { table: tableByIntent('switch'), source: 'competitor' }
  if (numbers.account) return { table: tableByIntent('software'), source: 'numbers' }
  if (numbers.money) return { table: tableByIntent('procurement'), source: 'numbers' }
  if (matches.length === 0) return { source: 'none' }
  let best: TableSpec | undefined
  let bestScore = 0
  for (const spec of TABLES) {
    const score = matches.filter((m) => m.hits.some((h) => h.table === spec.key)).length
    if (score > bestScore || (score === bestScore && spec.intent === 'case')) {
      best = spec
      bestScore = score
    }
  }
  return { table: best, source: 'dictionary' }
}

function boundsFilter(key: string, label: string, unit: string, b: Bounds, condition: AppliedFilter['condition'], priority: number): AppliedFilter {
  return { key, label, display: formatBounds(b, unit), value: { ...b }, condition, priority, source: 'number' }
}

function dictionaryFilters(spec: TableSpec, matches: PhraseMatch[]): AppliedFilter[] {
  const byDim = new Map<Dimension, { phrases: string[]; columns: Map<string, Set<string>> }>()
  for (const m of matches) {
    for (const h of m.hits) {
      if (h.table !== spec.key) continue
      const entry = byDim.get(h.dim) ?? { phrases: [] as string[], columns: new Map<string, Set<string>>() }
      if (!entry.phrases.includes(m.phrase)) entry.phrases.push(m.phrase)
      const set = entry.columns.get(h.column) ?? new Set<string>()
      set.add(h.value)
      entry.columns.set(h.column, set)
      byDim.set(h.dim, entry)
    }
  }
  return [...byDim].map(([dim, { phrases, columns }]) => {
    const cols = [...columns].map(([column, values]) => ({ column, values: [...values] }))
    const allValues = [...new Set(cols.flatMap((c) => c.values))]
    return {
      key: cols[0]!.column,
      label: DIMENSION_LABELS[dim],
      display: phrases.join('/'),
      value: allValues,
      condition: { kind: 'in', columns: cols },
      priority: PRIORITY[dim],
      source: 'dictionary',
    } satisfies AppliedFilter
  })
}

function keywordFilters(rest: string): { filters: AppliedFilter[]; overflow: string[] } {
  let s = rest
  for (const w of FILLERS) s = s.replaceAll(w, ' ')
  const words: string[] = []
  for (let part of s.split(SPLIT)) {
    while (part && EDGE_FILLERS.has(part[0]!)) part = part.slice(1)
    while (part && EDGE_FILLERS.has(part[part.length - 1]!)) part = part.slice(0, -1)
    part = part.replace(/^'+|'+$/g, '')
    if (part && !words.includes(part)) words.push(part)
  }
  const kept = words.slice(0, MAX_KEYWORDS)
  return {
    filters: kept.map((w) => ({
      key: 'keywords',
      label: '关键词',
      display: w,
      value: w,
      condition: { kind: 'keyword', text: w },
      priority: PRIORITY.keyword,
      source: 'keyword',
    })),
    overflow: words.slice(MAX_KEYWORDS),
  }
}

export function parseSentence(raw: string, opts: ParseOptions): ParsedSentence {
  const text = normalizeSentence(raw)
  let s = text
  const ignored: string[] = []

  // Phrases with an explicit unit word first (帐号, 金额), then sizes (人), then years.
  const accounts = findAccounts(s)
  if (accounts) s = blank(s, accounts.start, accounts.end)
  const money = findMoney(s)
  if (money) s = blank(s, money.start, money.end)
  const size = findSize(s)
  if (size) s = blank(s, size.start, size.end)
  const years = findYears(s, opts.nowYear)
  if (years) s = blank(s, years.start, years.end)

  let table = opts.intent ? tableByIntent(opts.intent) : undefined
  let intentSource: ParsedSentence['intentSource'] = table ? 'explicit' : 'none'
  if (!table) {
    const fromWords = intentFromWords(s)
    if (fromWords) {
      table = tableByIntent(fromWords)
      intentSource = 'words'
    }
  }
  if (!table) {
    const guess = guessTable(scanText(opts.dict, removeIntentWords(s)), { account: !!accounts, money: !!money })
    table = guess.table
    intentSource = guess.source
  }
  if (!table && /客户|公司|企业|集团|单位/.test(s) && keywordFilters(removeIntentWords(s)).filters.length > 0) {
    // "有没有做过安全生产的客户" names no table but clearly asks for customers: content cases.
    table = tableByIntent('case')
    intentSource = 'default'
  }
  if (!table) return { intentSource: 'none', filters: [], ignored, text }

  const filters: AppliedFilter[] = []
  if (size) {
    if (table.sizeColumns) filters.push(boundsFilter('staff_size', '规模', '人', size.value, { kind: 'size', ...size.value }, PRIORITY.size))
    else ignored.push(phraseText(size.text))
  }
  if (years) {
    if (table.yearColumn) {
      filters.push(boundsFilter(table.yearColumn, '年份', '年', years.value, { kind: 'range', column: table.yearColumn, ...years.value }, PRIORITY.year))
    } else ignored.push(phraseText(years.text))
  }
  if (accounts) {
    if (table.accountColumn) {
      filters.push(boundsFilter('account_count', '帐号数', '个', accounts.value, { kind: 'range', column: table.accountColumn, ...accounts.value }, PRIORITY.account))
    } else ignored.push(phraseText(accounts.text))
  }
  if (money) {
    if (table.moneyColumn) {
      filters.push(boundsFilter('money', '金额', '元', money.value, { kind: 'range', column: table.moneyColumn, ...money.value }, PRIORITY.money))
    } else ignored.push(phraseText(money.text))
  }

  const matches = scanText(opts.dict, s, [table.key])
  for (const m of matches) s = blank(s, m.start, m.end)
  filters.push(...dictionaryFilters(table, matches))
  s = removeIntentWords(s)

  const kw = keywordFilters(s)
  filters.push(...kw.filters)
  ignored.push(...kw.overflow)
  return { table, intentSource, filters, ignored, text }
}
