import { cnNumber } from '../core/numbers.js'

/**
 * "How many rows to show", as reps ask it: 给我3个 / 来五条 / 前10家 / 推荐两个案例 / …案例 3个.
 * Not a count question (有几个 → syntax.ts), not a number of accounts, people, months or years
 * (5个帐号, 3个月, 10家以上). The phrase is blanked so it never becomes a keyword or a size.
 */
export const MAX_WANT = 10

// 一个 / 一家 is an article (找一家做过安全生产的央企), not a number of rows.
const NUM = '(\\d{1,2}|[两二三四五六七八九十]|十[一二三四五六七八九]|[二三四五]十)'
const UNIT = '(?:个|条|家|篇|份|例)'
const NOT_AFTER =
  '(?!\\s*(?:帐|账|人|名|位|用户|学员|员工|万|千|百|以上|以下|左右|多|月|年|季|星期|周|天|小时|省|城市|行业|产品))'
/** After a verb (给我3个, 来五条, 前10家). */
const AFTER_VERB = new RegExp(
  `(?:给我|给|来|找|列出|列|看看|看|要|推荐|挑|发|只要|前)\\s*${NUM}\\s*${UNIT}${NOT_AFTER}`,
  'u',
)
/** At the start, or after a "newest" word (5个银行的案例, 最近的5条打单方案, 最新3个). */
const LEADING = new RegExp(`(?:^\\s*|(?:最近|最新|近期)的?\\s*)${NUM}\\s*${UNIT}${NOT_AFTER}`, 'u')
/** At the end of the sentence (…的客户案例 3个 / …的案例3条吧). */
const AT_END = new RegExp(
  `(?:^|[^\\d])${NUM}\\s*${UNIT}\\s*(?:案例|方案|客户|记录|例子|就行|就好|即可)?\\s*[吧呢啊哈。.!！~～]*$`,
  'u',
)

export interface Want {
  /** Rows to show on the first page (1 … MAX_WANT). */
  readonly count?: number
  /** Asked for more than MAX_WANT at once. */
  readonly capped?: number
  /** The sentence with the phrase blanked (same length, so offsets stay valid). */
  readonly rest: string
}

export function findWant(text: string): Want {
  for (const re of [AFTER_VERB, LEADING, AT_END]) {
    const m = re.exec(text)
    if (!m) continue
    const digits = m[1]!
    const n = /^\d/.test(digits) ? Number(digits) : cnNumber(digits)
    if (n === undefined || n < 1 || n > 50) continue
    const start = re === AT_END ? m.index + m[0].indexOf(digits) : m.index
    const end = m.index + m[0].length
    const rest = text.slice(0, start) + ' '.repeat(end - start) + text.slice(end)
    return n > MAX_WANT ? { count: MAX_WANT, capped: n, rest } : { count: n, rest }
  }
  return { rest: text }
}
