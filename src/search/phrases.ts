import type { Dimension, TableKey } from '../tables/index.js'
import { groupOfDim } from './taxonomy.js'

/** What a phrase of a sentence stands for in the data (the dictionary's entries), and how readings compete. */

export interface DictHit {
  readonly table: TableKey
  readonly column: string
  readonly dim: Dimension
  readonly value: string
  /** 0: the phrase is the stored value; 1: a short form of it; 2: a taxonomy term covering it. */
  readonly tier: 0 | 1 | 2
  /** The taxonomy node the phrase names, when it names one. */
  readonly node?: string
  /** The child of `node` the value belongs to (金融 → 银行), when not the node itself. */
  readonly child?: string
  /**
   * The table has no label for the node itself, only its parent's (银行 asked, the table says 金融): the
   * value is the parent label, matched together with the customer name (see parentLabels).
   */
  readonly viaParent?: boolean
}

export interface PhraseMatch {
  readonly start: number
  readonly end: number
  readonly phrase: string
  readonly hits: readonly DictHit[]
}

export const ASCII_WORD = /^[a-z0-9]+$/
export const ASCII_CHAR = /^[a-z0-9]$/

/** Values never used as phrases: too generic to mean a filter. */
export const STOP_VALUES = new Set([
  '其他',
  '其它',
  '未知',
  '无',
  '暂无',
  '不详',
  '-',
  '—',
  'n/a',
  'na',
  'null',
  '全部',
  '企业',
  '公司',
  '客户',
])

/** Short forms derived from a stored value (only when at least two characters remain). */
export function derivedForms(dim: Dimension, value: string): string[] {
  const out: string[] = []
  const strip = (re: RegExp) => {
    const s = value.replace(re, '')
    if (s !== value && [...s].length >= 2) out.push(s)
  }
  if (dim === 'industry' || dim === 'industry2') strip(/(行业|业)$/)
  if (dim === 'region') strip(/(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|地区)$/)
  if (dim === 'enterpriseType') strip(/(企业|单位)$/)
  if (dim === 'competitor') {
    strip(/(科技|网络|信息|集团|股份|有限公司|公司)+$/)
    const paren = /^(.+?)[(（](.+?)[)）]$/.exec(value)
    if (paren) out.push(paren[1]!, paren[2]!)
  }
  return out
}

/** The "concept" a hit belongs to: its taxonomy group (industry and industry2 are one), else its dimension. */
export function conceptOf(dim: Dimension): string {
  return groupOfDim(dim) ?? dim
}

/**
 * Per table, only the best reading of a phrase: the concept(s) whose best hit has the lowest tier
 * (a stored value beats a short form, a short form a taxonomy term). Within a kept concept every hit
 * stays, so 江苏 and 江苏省, or 金融 and the 银行 under it, are read together.
 */
export function bestHits(hits: readonly DictHit[]): DictHit[] {
  const tierOf = new Map<string, number>()
  const tableBest = new Map<TableKey, number>()
  for (const h of hits) {
    const k = `${h.table}\u0000${conceptOf(h.dim)}`
    tierOf.set(k, Math.min(tierOf.get(k) ?? 9, h.tier))
  }
  for (const [k, t] of tierOf) {
    const table = k.split('\u0000')[0] as TableKey
    tableBest.set(table, Math.min(tableBest.get(table) ?? 9, t))
  }
  return hits.filter((h) => tierOf.get(`${h.table}\u0000${conceptOf(h.dim)}`) === tableBest.get(h.table))
}
