/**
 * Number phrases in Chinese business text: staff sizes (5000人以上, 1000-5000人, 1万人以上), years
 * (2023年, 2021-2023年, 近两年, 去年), account counts (帐号数大于1000) and money (金额超过50万).
 * Used by import (cell values) and by the sentence parser (which also needs where a phrase was).
 */

export interface Bounds {
  min?: number
  max?: number
}

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 }
const CN_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000, 万: 10_000, 亿: 100_000_000 }

/** 五千 → 5000, 一万二 → 12000 (loosely), 十五 → 15, 两 → 2. Undefined if not a Chinese numeral. */
export function cnNumber(s: string): number | undefined {
  if (!s || !/^[零〇一二两三四五六七八九十百千万亿]+$/.test(s)) return undefined
  let total = 0
  let section = 0
  let digit = -1
  for (const ch of s) {
    if (ch in CN_DIGITS) {
      digit = CN_DIGITS[ch]!
      continue
    }
    const unit = CN_UNITS[ch]!
    if (unit >= 10_000) {
      section = (section + (digit < 0 ? 0 : digit)) * unit
      total += section
      section = 0
    } else {
      section += (digit < 0 ? 1 : digit) * unit
    }
    digit = -1
  }
  return total + section + (digit < 0 ? 0 : digit)
}

const NUM = String.raw`(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)\s*(万|千|w|W|k|K)?`

/** "1.5" + "万" → 15000; Chinese numerals too. */
export function toNumber(digits: string, unit?: string): number | undefined {
  const base = /^\d/.test(digits) ? Number(digits) : cnNumber(digits)
  if (base === undefined || !Number.isFinite(base)) return undefined
  const mult = unit === '万' || unit === 'w' || unit === 'W' ? 10_000 : unit === '千' || unit === 'k' || unit === 'K' ? 1000 : 1
  return Math.round(base * mult)
}

const GTE = '以上|及以上|或以上|以上规模|\\+|＋|多'
const LTE = '以下|及以下|以内|之内'
const MORE = '大于|超过|多于|高于|不少于|不低于|至少|>=|>|≥'
const LESS = '小于|少于|低于|不到|不足|不超过|<=|<|≤'
const RANGE_SEP = '\\s*(?:-|~|～|—|–|到|至)\\s*'

/** Staff-size text of a cell: "1000-5000人", "5000人以上", "100人以下", "3000", "1-2万人". */
export function parseSizeText(raw: string | null | undefined): Bounds | undefined {
  if (raw == null) return undefined
  const s = String(raw).normalize('NFKC').replace(/[,，]/g, '').trim()
  if (!s) return undefined
  let m = new RegExp(`^(?:${MORE})?\\s*${NUM}${RANGE_SEP}${NUM}\\s*人?`).exec(s)
  if (m) {
    const unit2 = m[4]
    const a = toNumber(m[1]!, m[2] ?? unit2)
    const b = toNumber(m[3]!, unit2)
    if (a !== undefined && b !== undefined) return { min: Math.min(a, b), max: Math.max(a, b) }
  }
  m = new RegExp(`^(?:${LESS})\\s*${NUM}`).exec(s) ?? new RegExp(`^${NUM}\\s*人?\\s*(?:${LTE})`).exec(s)
  if (m) {
    const v = toNumber(m[1]!, m[2])
    if (v !== undefined) return { min: 0, max: v }
  }
  m = new RegExp(`^(?:${MORE})\\s*${NUM}`).exec(s) ?? new RegExp(`^${NUM}\\s*人?\\s*(?:${GTE})`).exec(s)
  if (m) {
    const v = toNumber(m[1]!, m[2])
    if (v !== undefined) return { min: v }
  }
  m = new RegExp(`^${NUM}\\s*人?$`).exec(s)
  if (m) {
    const v = toNumber(m[1]!, m[2])
    if (v !== undefined) return { min: v, max: v }
  }
  return undefined
}

/** A year in a cell: 2023, "2023年", "2023-05", "2023/5/1", "23年". */
export function parseYearText(raw: unknown): number | undefined {
  if (raw == null) return undefined
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? undefined : raw.getFullYear()
  if (typeof raw === 'number') return raw >= 1900 && raw <= 2200 ? Math.trunc(raw) : undefined
  const s = String(raw).normalize('NFKC')
  const m = /(19|20)\d{2}/.exec(s)
  if (m) return Number(m[0])
  const short = /^(\d{2})\s*年/.exec(s.trim())
  return short ? 2000 + Number(short[1]) : undefined
}

/** Money in a cell, in yuan: 120000, "12万", "12.5万元", "¥120,000". */
export function parseMoneyText(raw: unknown): number | undefined {
  if (raw == null || raw === '') return undefined
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined
  const s = String(raw).normalize('NFKC').replace(/[,，\s¥￥]/g, '')
  const m = /^(-?\d+(?:\.\d+)?)(万|千|元|万元|w|W)?元?$/.exec(s)
  if (!m) return undefined
  const v = Number(m[1])
  const unit = m[2]
  return unit === '万' || unit === '万元' || unit === 'w' || unit === 'W' ? Math.round(v * 10_000 * 100) / 100 : unit === '千' ? v * 1000 : v
}

/** A plain integer in a cell: 1200, "1,200", "1200个", "1.2万". */
export function parseIntText(raw: unknown): number | undefined {
  if (raw == null || raw === '') return undefined
  if (typeof raw === 'number') return Number.isFinite(raw) ? Math.round(raw) : undefined
  const s = String(raw).normalize('NFKC').replace(/[,，\s]/g, '')
  const m = new RegExp(`^${NUM}\\s*(?:个|人)?$`).exec(s)
  return m ? toNumber(m[1]!, m[2]) : undefined
}

// ---- sentence phrases -------------------------------------------------------------------------

export interface Found<T> {
  value: T
  start: number
  end: number
  text: string
}

function find<T>(s: string, re: RegExp, build: (m: RegExpExecArray) => T | undefined): Found<T> | undefined {
  const m = re.exec(s)
  if (!m) return undefined
  const value = build(m)
  return value === undefined ? undefined : { value, start: m.index, end: m.index + m[0].length, text: m[0] }
}

const PEOPLE = '(?:人|名员工|名)'

/** Staff-size phrase in a sentence. Requires 人 or a size word so that "2023" or "1000个账号" are not sizes. */
export function findSize(s: string): Found<Bounds> | undefined {
  const SIZE = '(?:人员规模|员工规模|规模|人数|员工数|员工)'
  return (
    find(s, new RegExp(`${NUM}${RANGE_SEP}${NUM}\\s*${PEOPLE}`), (m) => {
      const a = toNumber(m[1]!, m[2] ?? m[4])
      const b = toNumber(m[3]!, m[4])
      return a !== undefined && b !== undefined ? { min: Math.min(a, b), max: Math.max(a, b) } : undefined
    }) ??
    find(s, new RegExp(`${SIZE}\\s*(?:在)?\\s*${NUM}${RANGE_SEP}${NUM}\\s*${PEOPLE}?`), (m) => {
      const a = toNumber(m[1]!, m[2] ?? m[4])
      const b = toNumber(m[3]!, m[4])
      return a !== undefined && b !== undefined ? { min: Math.min(a, b), max: Math.max(a, b) } : undefined
    }) ??
    find(s, new RegExp(`(?:${SIZE}\\s*)?(?:${MORE})\\s*${NUM}\\s*${PEOPLE}`), (m) => opt({ min: toNumber(m[1]!, m[2]) })) ??
    find(s, new RegExp(`${SIZE}\\s*(?:${MORE})\\s*${NUM}\\s*${PEOPLE}?`), (m) => opt({ min: toNumber(m[1]!, m[2]) })) ??
    find(s, new RegExp(`(?:${SIZE}\\s*)?(?:${LESS})\\s*${NUM}\\s*${PEOPLE}`), (m) => opt({ max: toNumber(m[1]!, m[2]) })) ??
    find(s, new RegExp(`${SIZE}\\s*(?:${LESS})\\s*${NUM}\\s*${PEOPLE}?`), (m) => opt({ max: toNumber(m[1]!, m[2]) })) ??
    find(s, new RegExp(`${NUM}\\s*${PEOPLE}\\s*(?:${GTE})(?:的)?(?:规模)?`), (m) => opt({ min: toNumber(m[1]!, m[2]) })) ??
    find(s, new RegExp(`${NUM}\\s*${PEOPLE}\\s*(?:${LTE})(?:的)?(?:规模)?`), (m) => opt({ max: toNumber(m[1]!, m[2]) })) ??
    find(s, new RegExp(`${SIZE}\\s*${NUM}\\s*${PEOPLE}?\\s*(?:${GTE})`), (m) => opt({ min: toNumber(m[1]!, m[2]) })) ??
    find(s, new RegExp(`${SIZE}\\s*${NUM}\\s*${PEOPLE}?\\s*(?:${LTE})`), (m) => opt({ max: toNumber(m[1]!, m[2]) })) ??
    find(s, new RegExp(`(?:万人以上|万人规模)`), () => ({ min: 10_000 }))
  )
}

function opt(b: Bounds): Bounds | undefined {
  return b.min === undefined && b.max === undefined ? undefined : b
}

/** Year phrase in a sentence, relative to `nowYear`. */
export function findYears(s: string, nowYear: number): Found<Bounds> | undefined {
  const Y = '((?:19|20)\\d{2}|\\d{2})\\s*年?'
  const year = (t: string) => (t.length === 2 ? 2000 + Number(t) : Number(t))
  const n = '(\\d+|[一二两三四五六七八九十]+)'
  return (
    find(s, new RegExp(`((?:19|20)\\d{2})\\s*年?${RANGE_SEP}((?:19|20)?\\d{2})\\s*年`), (m) => {
      const a = year(m[1]!)
      const b = year(m[2]!)
      return { min: Math.min(a, b), max: Math.max(a, b) }
    }) ??
    find(s, new RegExp(`((?:19|20)\\d{2})\\s*年?${RANGE_SEP}((?:19|20)\\d{2})`), (m) => {
      const a = year(m[1]!)
      const b = year(m[2]!)
      return { min: Math.min(a, b), max: Math.max(a, b) }
    }) ??
    find(s, new RegExp(`${Y}(?:以后|之后|以来|后|起|至今|及以后)`), (m) => (m[0].includes('年') || m[1]!.length === 4 ? { min: year(m[1]!) } : undefined)) ??
    find(s, new RegExp(`${Y}(?:以前|之前|前|及以前)`), (m) => (m[0].includes('年') || m[1]!.length === 4 ? { max: year(m[1]!) } : undefined)) ??
    find(s, new RegExp(`(?:近|最近|过去|这)\\s*${n}\\s*年`), (m) => {
      const k = /^\d/.test(m[1]!) ? Number(m[1]) : cnNumber(m[1]!)
      return k && k > 0 && k < 50 ? { min: nowYear - k + 1, max: nowYear } : undefined
    }) ??
    find(s, /(?:近几年|最近几年|近年来|近年)/, () => ({ min: nowYear - 2, max: nowYear })) ??
    find(s, /今年/, () => ({ min: nowYear, max: nowYear })) ??
    find(s, /去年/, () => ({ min: nowYear - 1, max: nowYear - 1 })) ??
    find(s, /前年/, () => ({ min: nowYear - 2, max: nowYear - 2 })) ??
    find(s, /(?<![\d.])((?:19|20)\d{2})\s*年(?:度|的)?/, (m) => ({ min: Number(m[1]), max: Number(m[1]) })) ??
    find(s, /(?<![\d.])(\d{2})年(?:度|的)?/, (m) => ({ min: 2000 + Number(m[1]), max: 2000 + Number(m[1]) })) ??
    find(s, /(?<![\d.\-~～到至])(20[0-4]\d)(?![\d.]|\s*(?:人|个|万|千|元|名|w|W|k|K|-|~|～|到|至))/, (m) => ({ min: Number(m[1]), max: Number(m[1]) }))
  )
}

/** Account-count phrase: 帐号数大于1000, 账号1000以上, 1000个账号以上, 账号数500-2000. Bounds are inclusive. */
export function findAccounts(s: string): Found<Bounds> | undefined {
  const ACC = '(?:帐号|账号|帐户|账户|用户)(?:数量|数|量)?'
  return (
    find(s, new RegExp(`${ACC}\\s*(?:在)?\\s*${NUM}${RANGE_SEP}${NUM}\\s*个?`), (m) => {
      const a = toNumber(m[1]!, m[2] ?? m[4])
      const b = toNumber(m[3]!, m[4])
      return a !== undefined && b !== undefined ? { min: Math.min(a, b), max: Math.max(a, b) } : undefined
    }) ??
    find(s, new RegExp(`${ACC}\\s*(大于|超过|多于|高于|>|不少于|至少|>=|≥|不低于)\\s*${NUM}\\s*个?`), (m) => {
      const v = toNumber(m[2]!, m[3])
      return v === undefined ? undefined : /不少于|至少|>=|≥|不低于/.test(m[1]!) ? { min: v } : { min: v + 1 }
    }) ??
    find(s, new RegExp(`${ACC}\\s*(小于|少于|低于|不到|<|不超过|<=|≤|不足)\\s*${NUM}\\s*个?`), (m) => {
      const v = toNumber(m[2]!, m[3])
      return v === undefined ? undefined : /不超过|<=|≤/.test(m[1]!) ? { max: v } : { max: v - 1 }
    }) ??
    find(s, new RegExp(`${ACC}\\s*${NUM}\\s*个?\\s*(${GTE}|${LTE})`), (m) => {
      const v = toNumber(m[1]!, m[2])
      return v === undefined ? undefined : new RegExp(LTE).test(m[3]!) ? { max: v } : { min: v }
    }) ??
    find(s, new RegExp(`${NUM}\\s*个?\\s*${ACC}\\s*(${GTE}|${LTE})?`), (m) => {
      const v = toNumber(m[1]!, m[2])
      if (v === undefined) return undefined
      return m[3] && new RegExp(LTE).test(m[3]) ? { max: v } : { min: v }
    })
  )
}

/** Money phrase in yuan: 金额超过50万, 采购额10万以上, 100万元以下, 金额10-50万. */
export function findMoney(s: string): Found<Bounds> | undefined {
  const MON = '(?:金额|采购额|采购金额|合同额|合同金额|预算|成交额)'
  const YUAN = '(万元|万|元|w|W)'
  const val = (d: string, u?: string) => toNumber(d, u === '万元' ? '万' : u === '元' ? undefined : u)
  const N = '(\\d+(?:\\.\\d+)?|[零一二两三四五六七八九十百千万]+)\\s*'
  return (
    find(s, new RegExp(`${MON}?\\s*${N}${YUAN}?${RANGE_SEP}${N}${YUAN}`), (m) => {
      if (!m[0].match(new RegExp(MON)) && !m[4]) return undefined
      const a = val(m[1]!, m[2] ?? m[4])
      const b = val(m[3]!, m[4])
      return a !== undefined && b !== undefined ? { min: Math.min(a, b), max: Math.max(a, b) } : undefined
    }) ??
    find(s, new RegExp(`${MON}\\s*(?:${MORE})\\s*${N}${YUAN}?`), (m) => opt({ min: val(m[1]!, m[2]) })) ??
    find(s, new RegExp(`${MON}\\s*(?:${LESS})\\s*${N}${YUAN}?`), (m) => opt({ max: val(m[1]!, m[2]) })) ??
    find(s, new RegExp(`${MON}?\\s*${N}${YUAN}\\s*(?:${GTE})`), (m) => opt({ min: val(m[1]!, m[2]) })) ??
    find(s, new RegExp(`${MON}?\\s*${N}${YUAN}\\s*(?:${LTE})`), (m) => opt({ max: val(m[1]!, m[2]) }))
  )
}

export function formatCount(n: number): string {
  if (n >= 10_000 && n % 10_000 === 0) return `${n / 10_000}万`
  return String(n)
}

export function formatBounds(b: Bounds, unit: string): string {
  if (b.min !== undefined && b.max !== undefined) {
    return b.min === b.max ? `${formatCount(b.min)}${unit}` : `${formatCount(b.min)}-${formatCount(b.max)}${unit}`
  }
  if (b.min !== undefined) return `≥${formatCount(b.min)}${unit}`
  if (b.max !== undefined) return `≤${formatCount(b.max)}${unit}`
  return ''
}
