import { chineseDigits } from '../core/numbers.js'

/**
 * The few words that change what a sentence means without being a value: negation (非 / 不是 /
 * 除了…以外 …), any-of connectors (或 / 和 / 、 …), count questions (有多少 / 几家 …) and the words of
 * number phrases when they are left over (以上, 之间 …). Unlike the function words (data/), these are
 * rules, so they live in code.
 */

/** Words that exclude what follows them. Longest first. */
export const NEGATIONS = [
  '不包括',
  '不包含',
  '不考虑',
  '不需要',
  '不属于',
  '不要',
  '不是',
  '不含',
  '不算',
  '不看',
  '并非',
  '而非',
  '排除',
  '剔除',
  '去掉',
  '去除',
  '除去',
  '刨除',
  '除掉',
  '除了',
  '除开',
  '没有',
  '除',
  '非',
  '别',
] as const

/** Negations that open a bracket closed by 以外 / 之外 / 外 / 除外: everything inside is excluded. */
export const BRACKET_OPENERS = new Set(['除了', '除', '除去', '除开', '刨除', '除掉'])
export const BRACKET_CLOSERS = new Set(['以外', '之外', '除外', '外'])

/** Between values of one field these mean "any of"; between free words too (or: any, and: all). */
export const OR_WORDS = new Set(['或', '或者', '或是', '还是', '、', '/', '／', '|', 'or'])
export const AND_WORDS = new Set(['和', '及', '以及', '与', '跟', '同', '加', '加上', '+', 'and'])

/** Count questions: the reply leads with the number. */
const COUNT_STRONG = [
  '有多少',
  '多少家',
  '多少个',
  '多少条',
  '多少位',
  '多少',
  '数量',
  '总数',
  '一共',
  '总共',
  '共有',
  '共计',
  '合计',
]
const COUNT_WEAK = ['几家', '几个', '几条', '几位', '几']

/** Words of number phrases, dropped without a word when a number rule did not use them. */
export const NUMBER_LEFTOVERS = new Set([
  '以上',
  '以下',
  '以内',
  '之内',
  '之间',
  '左右',
  '上下',
  '至少',
  '最多',
  '最少',
  '超过',
  '高于',
  '低于',
  '不到',
  '不足',
  '大于',
  '小于',
  '多于',
  '少于',
  '不少于',
  '不低于',
  '不超过',
  '介于',
  '到',
  '至',
  '~',
  '～',
  '-',
  '人',
  '万',
  '千',
  '百',
  '元',
  '万元',
  '年',
])

/** "No restriction" words: 行业不限 means no industry filter. */
export const NEUTRAL = new Set(['不限', '均可', '都行', '都可以', '随便', '任意', '皆可'])

/**
 * "Newest" words said without a period (最近的5条, 最新的打单方案): every list is newest first already, so
 * they filter nothing — never a keyword. (最近两年 / 近三年 are years: number-phrases.ts reads them first.)
 */
export const RECENCY = new Set(['最近', '最新', '近期', '新近', '近来'])

/** Every syntax word (the segmenter learns them as words). */
export const SYNTAX_WORDS: readonly string[] = [
  ...NEGATIONS,
  ...BRACKET_CLOSERS,
  ...OR_WORDS,
  ...AND_WORDS,
  ...COUNT_STRONG,
  ...COUNT_WEAK,
  ...NUMBER_LEFTOVERS,
  ...NEUTRAL,
  ...RECENCY,
].filter((w) => [...w].length >= 2)

export function isNegation(token: string): boolean {
  return (NEGATIONS as readonly string[]).includes(token)
}

/**
 * Whether the sentence (its tokens, function words included) asks for a number. 几个 / 几家 count only
 * in a question (有几家…, …有几个, …吗？); "给我几个案例" asks for a few, not for a count.
 */
export function isCountQuestion(tokens: readonly string[], text: string): boolean {
  if (tokens.some((t) => COUNT_STRONG.includes(t))) return true
  // 银行客户案例数, 医药采购记录条数: a number of records asked for at the end.
  if (/(?:条数|家数|个数|案例数|客户数|记录数|方案数)\s*[?？。.!！]*$/.test(text)) return true
  const weak = tokens.findIndex((t) => COUNT_WEAK.includes(t))
  if (weak < 0) return false
  // 来几个 / 给我几个: a few rows asked for, not a number.
  const asked = tokens.slice(0, weak).findLast((t) => t.trim() !== '')
  if (asked && /^(?:来|给|给我|要|找|发|发我|推荐|列|挑|选|举)$/.test(asked)) return false
  // 制造业案例几个: the sentence ends on it.
  if (tokens.slice(weak + 1).every((t) => /^[\s?？。.!！呀呢啊吧]*$/.test(t))) return true
  const before = tokens.slice(Math.max(0, weak - 3), weak)
  if (before.some((t) => ['有', '共', '一共', '总共', '是'].includes(t))) return true
  if (/[?？吗呢]\s*$/.test(text)) return true
  return weak > 0 && /有$/.test(tokens.slice(0, weak).join('').trim())
}

/** The count words present (to keep them out of keywords). */
export function isCountWord(token: string): boolean {
  return COUNT_STRONG.includes(token) || COUNT_WEAK.includes(token)
}

/**
 * Years in Chinese numerals (二〇二五年 → 2025年), 块/块钱 as 元 (50万块 → 50万元), and levels said in one word
 * (中高层 = 中层和高层, 中基层干部 = 中层干部和基层干部): spelled out, joined by 或, so each level is read as the
 * taxonomy's own word and either one matches.
 */
export function expandContractions(s: string): string {
  return s
    .replace(/[一二][零〇○o0一二三四五六七八九]{3}(?=\s*年)/g, chineseDigits)
    .replace(/([\d万千百])\s*块钱?/g, '$1元')
    .replace(/中高管/g, '中层或高管')
    .replace(/([高中基])([高中基])(层管理者|层管理人员|层干部|层经理|层)/g, (m, a: string, b: string, tail: string) =>
      a === b ? m : `${a}${tail}或${b}${tail}`,
    )
}
