import { type Bounds, chineseDigits, cnNumber } from '../core/numbers.js'

/**
 * Cell values of the admins' spreadsheets as numbers, for import (rows.ts): staff sizes in every way
 * they are written (1000-5000人, 1000人~5000人, 1000人至5000人, 1万人-5万人, 约3000人, 5000人以上,
 * 不足100人…), years (2023, 2023年, 2023-06, 2023/6/1, 二〇二三年, Excel dates) with months and days
 * checked, amounts and counts — each with an optional factor from the column's unit (金额（万元）).
 * A value that cannot be read gives a Chinese reason, never a silent blank. Results are cached per
 * distinct text (a column repeats few values), so a 200,000-row import parses each form once.
 */

export type Parsed<T> = { value: T } | { error: string }

/** Cells that only say "nothing here": dashes and slashes (every column treats them as empty). */
export const EMPTY_MARK = /^[\s\-—–－_/／\\.。·]*$/

const PLACEHOLDER = /^(n\/?a|null|none|nil|无|暂无|没有|不详|未知|待定|待补充|待确认|空|tbd|unknown|\?+|？+)$/i

const NUM = String.raw`(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)`
const MULT = String.raw`(万|千|百|w|k)?`
const PEOPLE = String.raw`(?:人|名|位|员工|名员工)?`
const SEP = String.raw`(?:-|~|至|到|—|–|－|~)`
const ABOUT = String.raw`(?:约|大约|大概|近|将近|接近|约为|预计)?`
const TRAIL = String.raw`(?:左右|上下|规模|员工|人员|\(含\)|（含）|含)*`
const GTE = String.raw`(?:以上|及以上|或以上|以上规模|\+|多|余|起|及更多)`
const LTE = String.raw`(?:以下|及以下|或以下|以内|之内|内)`
const MORE = String.raw`(?:大于|超过|多于|高于|不少于|不低于|至少|>=|>|≥)`
const LESS = String.raw`(?:小于|少于|低于|不到|不足|不超过|<=|<|≤)`

const RE_RANGE = new RegExp(`^${ABOUT}${NUM}${MULT}${PEOPLE}${SEP}${NUM}${MULT}${PEOPLE}${TRAIL}$`)
const RE_GTE = new RegExp(`^${ABOUT}${NUM}${MULT}${PEOPLE}${GTE}${PEOPLE}${TRAIL}$`)
const RE_MORE = new RegExp(`^${MORE}${NUM}${MULT}${PEOPLE}${TRAIL}$`)
const RE_LTE = new RegExp(`^${ABOUT}${NUM}${MULT}${PEOPLE}${LTE}${TRAIL}$`)
const RE_LESS = new RegExp(`^${LESS}${NUM}${MULT}${PEOPLE}${TRAIL}$`)
const RE_ONE = new RegExp(`^${ABOUT}${NUM}${MULT}${PEOPLE}${TRAIL}$`)

const MULTS: Record<string, number> = { 万: 10_000, w: 10_000, 千: 1000, k: 1000, 百: 100 }

function number(digits: string, mult: string | undefined): number | undefined {
  let base = /^\d/.test(digits) ? Number(digits) : digits === '万' ? 10_000 : cnNumber(digits)
  if (base === undefined || !Number.isFinite(base)) return undefined
  if (mult) base *= MULTS[mult]!
  return Math.round(base)
}

/** Normalised text of a cell: NFKC, no thousands separators or spaces, lower case. */
function compact(raw: string): string {
  return raw
    .normalize('NFKC')
    .replace(/[,，\s]/g, '')
    .toLowerCase()
}

function cached<T>(fn: (s: string, factor: number) => Parsed<T>): (s: string, factor: number) => Parsed<T> {
  const cache = new Map<string, Parsed<T>>()
  return (s, factor) => {
    const key = factor === 1 ? s : `${factor}\u0000${s}`
    let hit = cache.get(key)
    if (hit === undefined) {
      hit = fn(s, factor)
      if (cache.size > 50_000) cache.clear()
      cache.set(key, hit)
    }
    return hit
  }
}

const SIZE_HINT = '（写法如 1000-5000人、5000人以上、约3000人；不知道就留空）'
const MAX_STAFF = 10_000_000

const sizeText = cached<Bounds>((raw, factor) => {
  const s = compact(raw)
  if (PLACEHOLDER.test(s)) return { error: `「${raw}」不是人员规模${SIZE_HINT}` }
  if (s === '万人以上' || s === '上万人' || s === '万人+') return { value: { min: 10_000 } }
  // The column's unit (人员规模（万人）) applies only when the cell names no unit of its own.
  const f = /[人名位万千百wk]/.test(s) ? 1 : factor
  const scale = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * f))
  let m = RE_RANGE.exec(s)
  let b: Bounds | undefined
  if (m) {
    const a = scale(number(m[1]!, m[2] ?? m[4]))
    const c = scale(number(m[3]!, m[4]))
    if (a !== undefined && c !== undefined) b = { min: Math.min(a, c), max: Math.max(a, c) }
  } else if ((m = RE_GTE.exec(s) ?? RE_MORE.exec(s))) {
    const v = scale(number(m[1]!, m[2]))
    if (v !== undefined) b = { min: v }
  } else if ((m = RE_LTE.exec(s) ?? RE_LESS.exec(s))) {
    const v = scale(number(m[1]!, m[2]))
    if (v !== undefined) b = { min: 0, max: v }
  } else if ((m = RE_ONE.exec(s))) {
    const v = scale(number(m[1]!, m[2]))
    if (v !== undefined) b = { min: v, max: v }
  }
  if (!b) return { error: `「${raw}」不是人员规模${SIZE_HINT}` }
  if ((b.max ?? b.min ?? 0) > MAX_STAFF) return { error: `人员规模「${raw}」超过一千万人，请检查` }
  return { value: b }
})

/** Staff-size bounds of a cell (text or a number), scaled by the column's unit factor. */
export function parseSizeCell(v: unknown, factor = 1): Parsed<Bounds> {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return { error: `「${v}」不是人员规模${SIZE_HINT}` }
    const n = Math.round(v * factor)
    return n > MAX_STAFF ? { error: `人员规模「${v}」超过一千万人，请检查` } : { value: { min: n, max: n } }
  }
  if (v instanceof Date) return { error: `「${v.toISOString().slice(0, 10)}」是日期，不是人员规模` }
  return sizeText(String(v), factor)
}

// ---- years -------------------------------------------------------------------------------------

export interface YearValue {
  year: number
  month?: number
}

const MIN_YEAR = 1950
const PERIOD = String.raw`(?:年度|年|年初|年中|年底|年末|上半年|下半年|全年|q[1-4]|第?[一二三四1-4]季度|[春夏秋冬]季?)*`
const RE_YEAR = new RegExp(`^(\\d{4})${PERIOD}$`)
const RE_YEAR_MONTH = /^(\d{4})(?:[-/.年]|年度)(\d{1,2})月?(?:份)?$/
const RE_DATE =
  /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?$/
const RE_COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/
const RE_COMPACT_MONTH = /^(\d{4})(\d{2})$/
const RE_SHORT_YEAR = /^(\d{2})年(?:度)?$/
const RE_YEAR_RANGE = /^(\d{4})年?(?:-|~|至|到|—|–)(\d{4})年?$/

const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate()

function yearText(raw: string, nowYear: number): Parsed<YearValue> {
  const hint = `（写 2023、2023年、2023-06 或日期；不知道就留空）`
  let s = raw
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/\s*([年月日/.-])\s*/g, '$1')
    .replace(/\s+/g, ' ')
  if (/^[〇零一二三四五六七八九]{4}/.test(s)) s = s.replace(/^[〇零一二三四五六七八九]{4}/, chineseDigits)
  let year: number | undefined
  let month: number | undefined
  let day: number | undefined
  let m: RegExpExecArray | null
  if ((m = RE_YEAR.exec(s))) year = Number(m[1])
  else if ((m = RE_YEAR_MONTH.exec(s) ?? RE_COMPACT_MONTH.exec(s))) [year, month] = [Number(m[1]), Number(m[2])]
  else if ((m = RE_DATE.exec(s) ?? RE_COMPACT_DATE.exec(s)))
    [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  else if ((m = RE_SHORT_YEAR.exec(s))) year = 2000 + Number(m[1])
  else if ((m = RE_YEAR_RANGE.exec(s))) year = Math.max(Number(m[1]), Number(m[2]))
  if (year === undefined) return { error: `「${raw}」不是年份${hint}` }
  if (month !== undefined && (month < 1 || month > 12)) return { error: `「${raw}」的月份 ${month} 不存在${hint}` }
  if (day !== undefined && (day < 1 || day > daysIn(year, month!)))
    return { error: `「${raw}」的日期不存在（${month} 月没有 ${day} 日）` }
  return checkYear(year, raw, nowYear, month)
}

function checkYear(year: number, raw: string, nowYear: number, month?: number): Parsed<YearValue> {
  if (year < MIN_YEAR || year > nowYear + 1) {
    const why =
      year === 1899 || year === 1900 ? '（Excel 的空日期，请检查单元格）' : `（只接受 ${MIN_YEAR}–${nowYear + 1} 年）`
    return { error: `「${raw}」的年份 ${year} 不合理${why}` }
  }
  return { value: month === undefined ? { year } : { year, month } }
}

const yearCache = new Map<string, Parsed<YearValue>>()

/**
 * The year (and month) of a cell: a date (an Excel date cell), a whole number, or text. `nowYear`
 * bounds it (1950 … next year): 45000, 1899, 3023 are refused, as are 2021-13 and 2023-02-30. A bare
 * number like 45000 is refused rather than guessed to be a date serial whose format was lost.
 */
export function parseYearCell(v: unknown, nowYear: number): Parsed<YearValue> {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return { error: '日期无效' }
    return checkYear(v.getUTCFullYear(), v.toISOString().slice(0, 10), nowYear, v.getUTCMonth() + 1)
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return checkYear(v, String(v), nowYear)
    // 2023.05 typed into a number cell: the year, and the month when the decimals say one.
    const year = Math.trunc(v)
    const month = Math.round((v - year) * 100)
    if (month >= 1 && month <= 12 && Math.abs((v - year) * 100 - month) < 1e-6)
      return checkYear(year, String(v), nowYear, month)
    return { error: `「${v}」不是年份` }
  }
  const raw = String(v)
  const key = `${nowYear}\u0000${raw}`
  let hit = yearCache.get(key)
  if (!hit) {
    hit = yearText(raw, nowYear)
    if (yearCache.size > 50_000) yearCache.clear()
    yearCache.set(key, hit)
  }
  return hit
}

// ---- amounts and counts ----------------------------------------------------------------------

const MONEY_UNITS: Record<string, number> = {
  '': 1,
  元: 1,
  块: 1,
  rmb: 1,
  千: 1000,
  千元: 1000,
  k: 1000,
  万: 10_000,
  万元: 10_000,
  w: 10_000,
  百万: 1e6,
  百万元: 1e6,
  亿: 1e8,
  亿元: 1e8,
}

const moneyText = cached<number>((raw, factor) => {
  const s = compact(raw)
    .replace(/^(?:人民币|rmb|¥|￥|cny)/, '')
    .replace(/(?:人民币|rmb|cny)$/, '')
    .replace(/^(?:约|大约|合计)/, '')
  const m = /^(-?\d+(?:\.\d+)?)(万元|百万元|亿元|千元|百万|元|块|万|千|亿|w|k)?(?:左右)?$/.exec(s)
  if (!m) return { error: `「${raw}」不是金额（写 120000、12.5万 或 12.5；单位写在表头，如 金额（万元））` }
  const unit = m[2] ?? ''
  const v = Number(m[1]) * (unit ? MONEY_UNITS[unit]! : factor)
  if (v < 0) return { error: `金额「${raw}」是负数` }
  return { value: Math.round(v * 100) / 100 }
})

/** An amount in yuan: 120000, "12.5万", "¥120,000", or 12.5 under a 金额（万元） header (factor 10000). */
export function parseMoneyCell(v: unknown, factor = 1): Parsed<number> {
  if (typeof v === 'number')
    return Number.isFinite(v) && v >= 0 ? { value: Math.round(v * factor * 100) / 100 } : { error: `「${v}」不是金额` }
  if (v instanceof Date) return { error: `「${v.toISOString().slice(0, 10)}」是日期，不是金额` }
  return moneyText(String(v), factor)
}

const intText = cached<number>((raw, factor) => {
  const s = compact(raw)
  const m = new RegExp(`^${ABOUT}${NUM}${MULT}(?:个|人|名)?${TRAIL}$`).exec(s)
  const n = m ? number(m[1]!, m[2]) : undefined
  if (n === undefined) return { error: `「${raw}」不是数字` }
  return { value: m![2] ? n : Math.round(n * factor) }
})

/** A count: 1200, "1,200", "1200个", "1.2万". */
export function parseIntCell(v: unknown, factor = 1): Parsed<number> {
  if (typeof v === 'number')
    return Number.isFinite(v) && v >= 0 ? { value: Math.round(v * factor) } : { error: `「${v}」不是数字` }
  if (v instanceof Date) return { error: `「${v.toISOString().slice(0, 10)}」是日期，不是数字` }
  return intText(String(v), factor)
}

/** Whether a cell holds nothing (null, blank, or only dashes/slashes). */
export function isEmptyCell(v: unknown): boolean {
  return v == null || (typeof v === 'string' && EMPTY_MARK.test(v))
}
