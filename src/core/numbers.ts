/**
 * Number phrases in Chinese business text: staff sizes (5000人以上, 1000-5000人, 1万人以上), years
 * (2023年, 2021-2023年, 近两年, 去年), account counts (帐号数大于1000) and money (金额超过50万).
 * Used by import (cell values) and by the sentence parser (which also needs where a phrase was).
 */

export interface Bounds {
  min?: number
  max?: number
}

const CN_DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
}
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
      // 万 alone (万人以上) is ten thousand, not zero.
      section = (section + (digit < 0 ? (section === 0 ? 1 : 0) : digit)) * unit
      total += section
      section = 0
    } else {
      section += (digit < 0 ? 1 : digit) * unit
    }
    digit = -1
  }
  return total + section + (digit < 0 ? 0 : digit)
}

export const NUM = String.raw`(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)\s*(万|千|w|W|k|K)?`

/** "1.5" + "万" → 15000; Chinese numerals too. */
export function toNumber(digits: string, unit?: string): number | undefined {
  const base = /^\d/.test(digits) ? Number(digits) : cnNumber(digits)
  if (base === undefined || !Number.isFinite(base)) return undefined
  const mult =
    unit === '万' || unit === 'w' || unit === 'W' ? 10_000 : unit === '千' || unit === 'k' || unit === 'K' ? 1000 : 1
  return Math.round(base * mult)
}

export const GTE = '以上|及以上|或以上|以上规模|\\+|＋|多'
export const LTE = '以下|及以下|以内|之内'
export const MORE = '大于|超过|多于|高于|不少于|不低于|至少|>=|>|≥'
export const LESS = '小于|少于|低于|不到|不足|不超过|<=|<|≤'
export const RANGE_SEP = '\\s*(?:-|~|～|—|–|到|至)\\s*'

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
  const s = String(raw)
    .normalize('NFKC')
    .replace(/[,，\s¥￥]/g, '')
  const m = /^(-?\d+(?:\.\d+)?)(万|千|元|万元|w|W)?元?$/.exec(s)
  if (!m) return undefined
  const v = Number(m[1])
  const unit = m[2]
  return unit === '万' || unit === '万元' || unit === 'w' || unit === 'W'
    ? Math.round(v * 10_000 * 100) / 100
    : unit === '千'
      ? v * 1000
      : v
}

/** A plain integer in a cell: 1200, "1,200", "1200个", "1.2万". */
export function parseIntText(raw: unknown): number | undefined {
  if (raw == null || raw === '') return undefined
  if (typeof raw === 'number') return Number.isFinite(raw) ? Math.round(raw) : undefined
  const s = String(raw)
    .normalize('NFKC')
    .replace(/[,，\s]/g, '')
  const m = new RegExp(`^${NUM}\\s*(?:个|人)?$`).exec(s)
  return m ? toNumber(m[1]!, m[2]) : undefined
}

// Sentence phrases (5000人以上, 超过100万, 近两年 …) are in number-phrases.ts.

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

/** A year written digit by digit in Chinese (二〇二四 → 2024); other characters are kept. */
export function chineseDigits(s: string): string {
  return [...s].map((c) => (c === '○' || c === 'o' ? '0' : (CN_DIGITS[c]?.toString() ?? c))).join('')
}
