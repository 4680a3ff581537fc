import { localDate } from '../core/clock.js'

/**
 * Periods in plain words, in China time: 今天, 昨天, 本周, 上周, 本月, 上月, 今年, 最近7天/近30天/过去2周,
 * "2026-11-01到2026-11-15" (also 至, ~, —), a single "2026-11-01", 全部. Weeks start on Monday.
 */

export interface Period {
  /** Inclusive business days "2026-11-01". */
  from: string
  to: string
  /** How it reads in a reply: "本周（11-23 至 11-28）". */
  label: string
}

const DAY_MS = 86_400_000
/** The earliest day 全部 covers. */
const EPOCH = '2000-01-01'
/** A period from this day is 全部: its days start at the first record, not in 2000. */
export const ALL_TIME_FROM = EPOCH

export const DEFAULT_PERIOD_DAYS = 7

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10)
}

/** Monday of the week of `date`. */
function monday(date: string): string {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay()
  return addDays(date, -((dow + 6) % 7))
}

function validDate(s: string): string | undefined {
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s)
  if (!m) return undefined
  const iso = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`
  const d = new Date(`${iso}T00:00:00Z`)
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? undefined : iso
}

function short(date: string): string {
  return date.slice(5)
}

function labelled(name: string, from: string, to: string): Period {
  const span = from === to ? short(from) : `${short(from)} 至 ${short(to)}`
  return { from, to, label: name ? `${name}（${span}）` : from === to ? from : `${from} 至 ${to}` }
}

export function lastDays(today: string, n: number, name = `最近${n}天`): Period {
  return labelled(name, addDays(today, -(n - 1)), today)
}

const CN_NUM: Record<string, number> = { 一: 1, 两: 2, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 }

function num(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s)
  if (s === '十') return 10
  if (/^十[一二三四五六七八九]$/.test(s)) return 10 + CN_NUM[s[1]!]!
  if (/^[一二两三四五六七八九]十[一二三四五六七八九]?$/.test(s)) return CN_NUM[s[0]!]! * 10 + (s[2] ? CN_NUM[s[2]]! : 0)
  return CN_NUM[s]
}

export interface PeriodMatch {
  period: Period
  /** The words that named it (removed from the text by the caller). */
  matched: string
}

const DATE = String.raw`\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?`
const RANGE = new RegExp(`(${DATE})\\s*(?:到|至|~|～|—|--)\\s*(${DATE})`)
const SINGLE = new RegExp(`(${DATE})`)
const RELATIVE = /(?:最近|近|过去)\s*([0-9]+|[一二两三四五六七八九十]{1,3})\s*(天|日|周|个?星期|个?礼拜|个?月)/

/**
 * Finds a period in `text` relative to `now` (ms). Returns undefined when none is named; throws a
 * PeriodError for a malformed or reversed date range.
 */
export function findPeriod(text: string, now: number): PeriodMatch | undefined {
  const today = localDate(now)
  const t = text.normalize('NFKC')
  const range = RANGE.exec(t)
  if (range) {
    const from = validDate(range[1]!)
    const to = validDate(range[2]!)
    if (!from || !to) throw new PeriodError(`日期「${range[0]}」不对，请写成 2026-11-01到2026-11-15。`)
    if (from > to) throw new PeriodError(`开始日期 ${from} 晚于结束日期 ${to}，请调换一下。`)
    return { period: labelled('', from, to), matched: range[0] }
  }
  const rel = RELATIVE.exec(t)
  if (rel) {
    const n = num(rel[1]!)
    if (!n || n > 3660) throw new PeriodError(`「${rel[0]}」看不懂，请写成 最近7天 或 最近30天。`)
    const unit = rel[2]!
    const days = unit.endsWith('月') ? n * 30 : /[周期拜]/.test(unit) ? n * 7 : n
    return { period: lastDays(today, days, rel[0].replace(/\s+/g, '')), matched: rel[0] }
  }
  const words: Array<[RegExp, () => Period]> = [
    [/今天|今日/, () => labelled('今天', today, today)],
    [/昨天|昨日/, () => labelled('昨天', addDays(today, -1), addDays(today, -1))],
    [/本周|这周|这一周|本星期/, () => labelled('本周', monday(today), today)],
    [/上周|上一周|上星期/, () => labelled('上周', addDays(monday(today), -7), addDays(monday(today), -1))],
    [/本月|这个月|当月/, () => labelled('本月', `${today.slice(0, 8)}01`, today)],
    [
      /上月|上个月/,
      () => {
        const firstThis = `${today.slice(0, 8)}01`
        const lastPrev = addDays(firstThis, -1)
        return labelled('上月', `${lastPrev.slice(0, 8)}01`, lastPrev)
      },
    ],
    [/今年|本年/, () => labelled('今年', `${today.slice(0, 4)}-01-01`, today)],
    [/全部|所有时间|历史以来|至今/, () => ({ from: EPOCH, to: today, label: '全部' })],
  ]
  for (const [re, make] of words) {
    const m = re.exec(t)
    if (m) return { period: make(), matched: m[0] }
  }
  const single = SINGLE.exec(t)
  if (single) {
    const d = validDate(single[1]!)
    if (!d) throw new PeriodError(`日期「${single[1]}」不对，请写成 2026-11-01。`)
    return { period: labelled('', d, d), matched: single[0] }
  }
  return undefined
}

export function defaultPeriod(now: number): Period {
  return lastDays(localDate(now), DEFAULT_PERIOD_DAYS)
}

/** The previous Monday–Sunday week of `now` (the weekly digest), with its ISO-like key "2026-W47". */
export function previousWeek(now: number): Period & { key: string } {
  const today = localDate(now)
  const from = addDays(monday(today), -7)
  const to = addDays(from, 6)
  return { ...labelled('上周', from, to), key: weekKey(from) }
}

/** ISO 8601 week key of a date: "2026-W47". */
export function weekKey(date: string): string {
  const d = new Date(`${date}T00:00:00Z`)
  const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * DAY_MS)
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1)
  const week = Math.ceil(((thursday.getTime() - yearStart) / DAY_MS + 1) / 7)
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`
}

/** Every day of a period, oldest first (for charts with no gaps). */
export function daysOf(p: { from: string; to: string }): string[] {
  const out: string[] = []
  for (let d = p.from; d <= p.to && out.length < 4000; d = addDays(d, 1)) out.push(d)
  return out
}

export { addDays, monday }

export class PeriodError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PeriodError'
  }
}
