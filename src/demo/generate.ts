/**
 * Deterministic demo data for the five case tables: fictional Chinese customers with industries,
 * provinces, staff sizes, content products, competitors and outcomes. Values look as they would in an
 * admin's spreadsheet (text, plus numbers for years, money and account counts); internal columns
 * (case_year) are left to import. Pure: no I/O; the same key, count and seed give the same rows.
 */

import type { TableKey } from '../tables/index.js'
import {
  BRANDS,
  BRANDS_ASCII,
  BRANDS_DE,
  CLASS_TYPES,
  COMPETITORS,
  DEFAULT_SUFFIXES,
  ENTERPRISE_TYPES,
  FEEDBACK,
  INDUSTRIES,
  type Industry1,
  type Industry2,
  KEYWORDS,
  KEYWORDS_CHANNEL,
  KEYWORDS_LARGE,
  PLAN_NAMES,
  PROVINCES,
  REASONS,
  SALES,
  SERIES,
  type Series,
  SIZE_WEIGHTS,
  SIZES,
  SOURCE_TYPES,
} from './vocab.js'

export type DemoValue = string | number | null
export type DemoRecord = Record<string, DemoValue>

type Rng = () => number

/** Small, fast seeded PRNG (mulberry32): floats in [0, 1). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function hash(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

const pick = <T>(rng: Rng, arr: readonly T[]): T => arr[Math.floor(rng() * arr.length)]!
const between = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1))

/** A weighted choice over fixed items, cumulative weights precomputed. */
function weighted<T>(items: readonly T[], weights: readonly number[]): (rng: Rng) => T {
  const cum: number[] = []
  let total = 0
  for (const w of weights) cum.push((total += w))
  return (rng) => {
    const r = rng() * total
    let i = 0
    while (cum[i]! <= r) i++
    return items[i]!
  }
}

// ---- precomputed choices --------------------------------------------------------------------------

const industryOf = weighted(
  INDUSTRIES,
  INDUSTRIES.map((i) => i.weight),
)
const provinceOf = weighted(
  PROVINCES,
  PROVINCES.map((p) => p[1]),
)
const typeIndex = new Map<readonly number[], (rng: Rng) => number>()
for (const ind of INDUSTRIES) {
  for (const w of [ind.types, ...ind.sub.map((s) => s.types)]) {
    if (w && !typeIndex.has(w))
      typeIndex.set(
        w,
        weighted(
          ENTERPRISE_TYPES.map((_, i) => i),
          w,
        ),
      )
  }
}
const sizeOf = SIZE_WEIGHTS.map((w) =>
  weighted(
    SIZES.map((_, i) => i),
    w,
  ),
)
const seriesOf = weighted(
  SERIES,
  SERIES.map((s) => s.weight),
)
const competitorOf = weighted(
  COMPETITORS.map((c) => c[0]),
  COMPETITORS.map((c) => c[1]),
)
const sourceOf = weighted(
  SOURCE_TYPES.map((s) => s[0]),
  SOURCE_TYPES.map((s) => s[1]),
)
const yearOf = weighted([2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026], [4, 6, 9, 12, 15, 17, 14, 5])
const purchaseYearOf = weighted([2021, 2022, 2023, 2024], [20, 25, 28, 27])
const ALL_PRODUCTS = SERIES.flatMap((s) => s.products.map((p) => [p, s] as const))
/** Class types a product is sold as (训练营 → 训练营/混合式, 工作坊 → 工作坊/面授, 课 → 线上课程 mostly). */
const classOf = new Map(
  ALL_PRODUCTS.map(([p]) => {
    const opts = /训练营/.test(p)
      ? ['训练营', '训练营', '混合式']
      : /工作坊/.test(p)
        ? ['工作坊', '面授', '工作坊']
        : ['线上课程', '线上课程', '线上课程', '混合式', '面授']
    return [p, opts.filter((c) => CLASS_TYPES.includes(c))] as const
  }),
)
const CLASS_FACTOR: Record<string, number> = { 线上课程: 0.7, 训练营: 1.25, 面授: 1, 混合式: 1.4, 工作坊: 0.85 }
const SOURCE_FACTOR: Record<string, number> = { 新签: 1, 续约: 0.9, 增购: 0.6, 渠道: 0.8 }
const MONEY_BASE = [30_000, 60_000, 120_000, 250_000, 450_000, 600_000, 900_000, 1_200_000, 1_800_000]
const CHANNEL_INDUSTRIES = new Set(['连锁零售', '快消品', '汽车制造', '医药流通', '连锁餐饮', '家电制造'])
const MODES = ['线上', '混合式', '线上线下结合', '训练营式']
const SOE_SUFFIXES = ['集团', '集团有限公司', '集团股份有限公司']

// ---- customers ------------------------------------------------------------------------------------

interface Customer {
  name: string
  /** Short name used in case and project names (恒远集团, 瑞泓电子). */
  short: string
  l1: Industry1
  l2: Industry2
  province: string
  type: string
  size: number
}

function customer(rng: Rng, c: Customer): Customer {
  const l1 = industryOf(rng)
  const l2 = pick(rng, l1.sub)
  const t = typeIndex.get(l2.types ?? l1.types)!(rng)
  const type = ENTERPRISE_TYPES[t]!
  const [province, , cities] = provinceOf(rng)
  // central SOEs are named 中国… (the province is where this customer entity sits)
  const place = type === '央企' ? '中国' : cities.length > 0 && rng() < 0.6 ? pick(rng, cities) : province
  const r = rng()
  const brand = r < 0.07 ? pick(rng, BRANDS_DE) : r < 0.1 ? pick(rng, BRANDS_ASCII) : pick(rng, BRANDS)
  const word = pick(rng, l2.words)
  let suffix = pick(rng, l2.suffixes ?? (type === '央企' ? SOE_SUFFIXES : DEFAULT_SUFFIXES))
  if (type === '上市公司' && (suffix === '有限公司' || suffix === '有限责任公司')) suffix = '股份有限公司'
  if (type === '外资企业' && suffix.endsWith('有限公司') && rng() < 0.3) suffix = `（中国）${suffix}`
  c.name = `${place}${brand}${word}${suffix}`
  c.short = suffix.includes('集团') ? `${brand}集团` : `${brand}${word}`
  c.l1 = l1
  c.l2 = l2
  c.province = province
  c.type = type
  c.size = sizeOf[t]!(rng)
  return c
}

function caseTime(rng: Rng): string {
  const y = yearOf(rng)
  if (rng() < 0.3) return `${y}年`
  const m = between(rng, 1, y === 2026 ? 6 : 12)
  return `${y}-${m < 10 ? '0' : ''}${m}`
}

function caseUrl(rng: Rng, prefix: string, i: number, seed: number): string | null {
  if (rng() < 0.1) return null
  // a bijection on 0..10^7-1, so ids are distinct within a table and look unordered
  const id = ((((i + 1) * 3_847_229 + (seed >>> 0) * 104_729) % 10_000_000) + 10_000_000) % 10_000_000
  return `https://cases.example.com/c/${prefix}${String(id).padStart(7, '0')}`
}

function summary(rng: Rng, c: Customer, s: Series, crowd: string): string {
  const months = between(rng, 2, 12)
  const n =
    crowd === '全员' || crowd === '新员工'
      ? between(rng, 200, 6000)
      : crowd === '高管'
        ? between(rng, 12, 80)
        : between(rng, 30, 800)
  const rate = between(rng, 82, 99)
  const sat = (4.5 + between(rng, 0, 4) / 10).toFixed(1)
  let text = `围绕${s.focus}，为${c.short}${crowd}设计为期${months}个月的${pick(rng, MODES)}学习项目。累计${n}人参训，完课率${rate}%，学员满意度${sat}分（满分5分）。`
  const r = rng()
  if (r < 0.55) text += `项目结束后${s.kpi[0]}${s.kpi[1] ? '下降' : '提升'}${between(rng, 5, 35)}%。`
  else if (r < 0.65) text += `学员评价"${pick(rng, FEEDBACK)}"。`
  return text
}

function industryLevel1Mostly(rng: Rng, c: Customer): string {
  return rng() < 0.85 ? c.l1.name : c.l2.name
}

function reason(rng: Rng): string {
  const a = pick(rng, REASONS)
  let b = pick(rng, REASONS)
  if (b === a) b = REASONS[(REASONS.indexOf(a) + 3) % REASONS.length]!
  const r = rng()
  if (r < 0.35) return `${a}。`
  if (r < 0.75) return `${a}；${b}。`
  return `${a}；${b}。切换后${between(rng, 1, 6)}个月内完成全员上线。`
}

function money(rng: Rng, c: Customer, classType: string, source: string): number {
  const spread = Math.exp((rng() + rng() - 1) * 0.9)
  const v = MONEY_BASE[c.size]! * CLASS_FACTOR[classType]! * SOURCE_FACTOR[source]! * spread
  const clamped = Math.min(3_000_000, Math.max(20_000, v))
  return Math.round(clamped / (clamped < 100_000 ? 500 : 1000)) * (clamped < 100_000 ? 500 : 1000)
}

function keywords(rng: Rng, c: Customer): string {
  const out: string[] = []
  if (c.size >= 4 && rng() < 0.7) out.push(pick(rng, KEYWORDS_LARGE))
  if (CHANNEL_INDUSTRIES.has(c.l2.name) && rng() < 0.5) out.push(pick(rng, KEYWORDS_CHANNEL))
  const want = between(rng, 2, 4)
  while (out.length < want) {
    const k = pick(rng, KEYWORDS)
    if (!out.includes(k)) out.push(k)
  }
  return out.join(',')
}

function accounts(rng: Rng, c: Customer): number {
  const [, min, max] = SIZES[c.size]!
  const hi = max ?? min * (1.5 + rng() * 2)
  const heads = Math.max(20, min + rng() * (hi - min))
  const coverage = c.size >= 4 ? 0.3 + rng() * 0.5 : 0.5 + rng() * 0.5
  const n = Math.min(50_000, Math.max(50, Math.round(heads * coverage)))
  return n < 1000 ? n : Math.round(n / 10) * 10
}

// ---- rows -----------------------------------------------------------------------------------------

type RowFn = (rng: Rng, c: Customer, i: number, seed: number) => DemoRecord

const ROWS: Record<TableKey, RowFn> = {
  'content-cases': (rng, c, i, seed) => {
    const s = seriesOf(rng)
    const crowd = pick(rng, s.crowds)
    const xmCrowd = rng() < 0.8 ? crowd : pick(rng, s.crowds)
    const theme = pick(rng, s.themes)
    const time = caseTime(rng)
    const xmName =
      rng() < 0.5
        ? `「${pick(rng, PLAN_NAMES)}」${xmCrowd}${pick(rng, s.themes)}`
        : `${time.slice(0, 4)}年${xmCrowd}${theme}`
    const [size, min, max] = SIZES[c.size]!
    return {
      case_name: `${c.short}${crowd}${theme}`,
      kh_name: c.name,
      yxt_industry_1: c.l1.name,
      kh_industry_1: c.l2.name,
      enterprise_type: c.type,
      staff_size: size,
      staff_size_min: min,
      staff_size_max: max,
      train_target: crowd,
      xm_crowd: xmCrowd,
      xm_name: xmName,
      content_product: pick(rng, s.products),
      product_series: s.name,
      case_time: time,
      case_url: caseUrl(rng, 'k', i, seed),
      summary: summary(rng, c, s, crowd),
    }
  },
  'pitch-plans': (rng, c, i, seed) => {
    const s = seriesOf(rng)
    const crowd = pick(rng, s.crowds)
    return {
      kh_name: c.name,
      kh_industry_1: industryLevel1Mostly(rng, c),
      enterprise_type: c.type,
      xm_crowd: crowd,
      xm_name: `${c.short}${crowd}${pick(rng, s.themes)}${rng() < 0.6 ? '方案' : '建议书'}`,
      content_product: pick(rng, s.products),
      product_series: s.name,
      case_time: caseTime(rng),
      case_url: caseUrl(rng, 'p', i, seed),
    }
  },
  'competitor-switches': (rng, c) => {
    const [size, min, max] = SIZES[c.size]!
    return {
      kh_name: c.name,
      kh_industry_1: industryLevel1Mostly(rng, c),
      area: c.province,
      staff_size: size,
      staff_size_begin: min,
      staff_size_end: max,
      competitor_name: competitorOf(rng),
      replace_year: yearOf(rng),
      replace_reason: reason(rng),
      enterprise_type: c.type,
      sign_sales: pick(rng, SALES),
    }
  },
  procurements: (rng, c) => {
    const [size, min, max] = SIZES[c.size]!
    const [product] = pick(rng, ALL_PRODUCTS)
    const classType = pick(rng, classOf.get(product)!)
    const source = sourceOf(rng)
    return {
      org_name: c.name,
      yxt_industry_1: c.l1.name,
      enterprise_type: c.type,
      staff_size: size,
      staff_size_min: min,
      staff_size_max: max,
      money: money(rng, c, classType, source),
      class_type: classType,
      product_name: product,
      source_type: source,
      purchase_year: purchaseYearOf(rng),
    }
  },
  'software-cases': (rng, c) => {
    const [size, min, max] = SIZES[c.size]!
    return {
      archive_name: c.name,
      yxt_industry_1: c.l1.name,
      yxt_industry_2: c.l2.name,
      enterprise_type: c.type,
      staff_size: size,
      staff_size_min: min,
      staff_size_max: max,
      customer_province: c.province,
      customer_keywords: keywords(rng, c),
      account_count: accounts(rng, c),
    }
  },
}

/** Streams `count` demo records of a table; keys are the table's non-internal column names in spec order. */
export function* iterateRecords(key: TableKey, count: number, seed = 1): Generator<DemoRecord, void, undefined> {
  const row = ROWS[key]
  if (!row) throw new Error(`unknown table ${key}`)
  const rng = mulberry32(hash(key) ^ Math.imul(seed, 0x9e3779b9))
  const c: Customer = {
    name: '',
    short: '',
    l1: INDUSTRIES[0]!,
    l2: INDUSTRIES[0]!.sub[0]!,
    province: '',
    type: '',
    size: 0,
  }
  for (let i = 0; i < count; i++) yield row(rng, customer(rng, c), i, seed)
}

/** `count` demo records of a table (see iterateRecords). */
export function generateRecords(key: TableKey, count: number, seed = 1): DemoRecord[] {
  return Array.from(iterateRecords(key, count, seed))
}
