import type { Db } from '../db/client.js'
import { rowsWith, rowsWithoutSize, rowsWithoutYear, valueCounts } from '../db/data-health.js'
import { demoStatus } from '../services/demo-data.js'
import { writeWorkbook } from '../services/excel.js'
import { DIMENSION_LABELS, type Dimension, TABLES, type TableSpec } from '../tables/index.js'
import { keyPart, naturalKeyColumns } from '../tables/natural-keys.js'
import { groupOfDim, type Taxonomy } from './taxonomy.js'

/**
 * 数据体检 (`andy data check`, and the admins' chat command): the case tables' health — rows that share
 * a natural key (the same record twice), labels that probably mean the same (江苏/江苏省, 国企/国有企业:
 * one taxonomy node, or one form once suffixes like 省/企业/业 are dropped), labels the taxonomy does
 * not cover (searchable only by their exact words), rows without size or year numbers (they drop out
 * of size and year searches), and demo rows — as a short text plus a workbook with every finding.
 */

export interface HealthReport {
  readonly tables: Array<{ title: string; key: string; rows: number; demo: number }>
  readonly duplicates: Array<{ title: string; record: string; ids: number[] }>
  readonly variants: Array<{
    field: string
    suggest: string
    values: Array<{ value: string; count: number; where: string[] }>
  }>
  /** Undefined when no taxonomy was given. */
  readonly uncovered?: Array<{ title: string; field: string; value: string; count: number }>
  readonly missing: Array<{ title: string; what: '人员规模' | '年份'; id: number; name: string; text: string }>
}

const SUFFIX: Partial<Record<Dimension, RegExp>> = {
  region: /(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|地区)$/,
  enterpriseType: /(企业|单位|性质|公司)$/,
  industry: /(行业|产业|业)$/,
  industry2: /(行业|产业|业)$/,
}

/** What a label probably means: its taxonomy node, or its form without spaces, punctuation and suffixes. */
function meaning(dim: Dimension, value: string, taxonomy?: Taxonomy): string {
  const group = groupOfDim(dim)
  const nodes = group && taxonomy ? taxonomy.nodesFor(group, value) : []
  if (nodes.length === 1) return `node:${nodes[0]!.id}`
  const form = value
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}]/gu, '')
  const stripped = SUFFIX[dim] ? form.replace(SUFFIX[dim]!, '') : form
  const short = stripped.length >= 2 ? stripped : form
  const byShort = group && taxonomy ? taxonomy.nodesFor(group, short) : []
  return byShort.length === 1 ? `node:${byShort[0]!.id}` : `form:${short}`
}

function duplicates(db: Db, spec: TableSpec): HealthReport['duplicates'] {
  const cols = naturalKeyColumns(spec)
  const groups = new Map<string, { record: string; ids: number[] }>()
  for (const r of rowsWith(db, spec, cols)) {
    const key = r.slice(1).map(keyPart).join('\u0001')
    const g = groups.get(key)
    if (g) g.ids.push(r[0] as number)
    else
      groups.set(key, {
        record: r
          .slice(1)
          .map((v) => (v == null || v === '' ? '（空）' : String(v)))
          .join(' / '),
        ids: [r[0] as number],
      })
  }
  return [...groups.values()].filter((g) => g.ids.length > 1).map((g) => ({ title: spec.title, ...g }))
}

export function checkData(db: Db, taxonomy?: Taxonomy): HealthReport {
  const status = demoStatus(db)
  const tables = status.map((s) => ({ title: s.spec.title, key: s.spec.key, rows: s.total, demo: s.demo }))
  const dups = TABLES.flatMap((spec) => duplicates(db, spec))
  // Labels per dimension across tables, grouped by what they probably mean.
  const byDim = new Map<Dimension, Map<string, Map<string, { count: number; where: Set<string> }>>>()
  const uncovered: NonNullable<HealthReport['uncovered']> = []
  for (const spec of TABLES) {
    for (const c of spec.columns) {
      if (!c.dim) continue
      const values = valueCounts(db, spec, c.name)
      const groups = byDim.get(c.dim) ?? byDim.set(c.dim, new Map()).get(c.dim)!
      const group = groupOfDim(c.dim)
      for (const { value, count } of values) {
        const m = meaning(c.dim, value, taxonomy)
        const spellings = groups.get(m) ?? groups.set(m, new Map()).get(m)!
        const s = spellings.get(value) ?? spellings.set(value, { count: 0, where: new Set() }).get(value)!
        s.count += count
        s.where.add(spec.title)
        if (taxonomy && group && !taxonomy.nodes(group).some((n) => taxonomy.ownMatch(n, value)))
          uncovered.push({ title: spec.title, field: c.label, value, count })
      }
    }
  }
  const variants: HealthReport['variants'] = []
  for (const [dim, groups] of byDim) {
    for (const spellings of groups.values()) {
      if (spellings.size < 2) continue
      const values = [...spellings]
        .map(([value, s]) => ({ value, count: s.count, where: [...s.where] }))
        .sort((a, b) => b.count - a.count)
      variants.push({ field: DIMENSION_LABELS[dim], suggest: values[0]!.value, values })
    }
  }
  const missing: HealthReport['missing'] = []
  for (const spec of TABLES) {
    if (spec.sizeColumns)
      for (const [id, name, text] of rowsWithoutSize(db, spec))
        missing.push({
          title: spec.title,
          what: '人员规模',
          id: id as number,
          name: String(name ?? ''),
          text: String(text ?? ''),
        })
    if (spec.yearColumn) {
      const textCol = spec.columns.find((c) => c.parse === 'year' && c.name !== spec.yearColumn)?.name
      for (const [id, name, text] of rowsWithoutYear(db, spec, textCol))
        missing.push({
          title: spec.title,
          what: '年份',
          id: id as number,
          name: String(name ?? ''),
          text: String(text ?? ''),
        })
    }
  }
  return {
    tables,
    duplicates: dups,
    variants,
    uncovered: taxonomy ? uncovered.sort((a, b) => b.count - a.count) : undefined,
    missing,
  }
}

/** The short text: one line per finding kind, a few examples each. */
export function healthLines(r: HealthReport, o: { markdown?: boolean } = {}): string[] {
  const b = (s: string) => (o.markdown ? `**${s}**` : s)
  const lines = [
    b('数据体检'),
    r.tables.map((t) => `${t.title} ${t.rows} 行${t.demo ? `（演示 ${t.demo}）` : ''}`).join('；'),
  ]
  const demo = r.tables.filter((t) => t.demo > 0)
  if (demo.length)
    lines.push(`⚠ 有演示数据：${demo.map((t) => `${t.title} ${t.demo} 行`).join('、')}（andy data clear-demo 删除）`)
  const ex = <T>(list: readonly T[], f: (x: T) => string, n = 3) =>
    list.slice(0, n).map(f).join('；') + (list.length > n ? ' …' : '')
  lines.push(
    r.duplicates.length
      ? `⚠ 重复记录 ${r.duplicates.length} 组：${ex(r.duplicates, (d) => `${d.title}「${d.record}」×${d.ids.length}`)}`
      : '✔ 没有重复记录',
  )
  lines.push(
    r.variants.length
      ? `⚠ 写法不一 ${r.variants.length} 组：${ex(r.variants, (v) => `${v.field} ${v.values.map((x) => x.value).join('/')}`)}`
      : '✔ 没有写法不一的标签',
  )
  if (r.uncovered === undefined) lines.push('ℹ 没有分类表，未检查标签归类')
  else
    lines.push(
      r.uncovered.length
        ? `⚠ 分类表里没有的标签 ${r.uncovered.length} 个（只能按原词查到）：${ex(r.uncovered, (u) => `${u.field}「${u.value}」`, 5)}`
        : '✔ 标签都在分类表里',
    )
  const size = r.missing.filter((m) => m.what === '人员规模').length
  const year = r.missing.filter((m) => m.what === '年份').length
  lines.push(
    size || year
      ? `⚠ 缺少数字：${size} 行没有人员规模数字、${year} 行没有年份（按规模、年份查不到它们）`
      : '✔ 规模和年份都有数字',
  )
  return lines
}

const MAX_ROWS = 100_000

/** Every finding as a workbook (one sheet per kind). */
export async function writeHealthWorkbook(path: string, r: HealthReport): Promise<void> {
  await writeWorkbook(path, [
    {
      name: '汇总',
      columns: [
        { key: 'title', header: '表' },
        { key: 'key', header: '表名' },
        { key: 'rows', header: '行数', kind: 'number' },
        { key: 'demo', header: '演示数据行数', kind: 'number' },
      ],
      rows: r.tables,
    },
    {
      name: '重复记录',
      autoFilter: true,
      columns: [
        { key: 'title', header: '表' },
        { key: 'record', header: '记录（同一条记录的列）', width: 50 },
        { key: 'n', header: '行数', kind: 'number' },
        { key: 'ids', header: 'id', width: 30 },
      ],
      rows: r.duplicates.slice(0, MAX_ROWS).map((d) => ({ ...d, n: d.ids.length, ids: d.ids.join(', ') })),
    },
    {
      name: '写法不一',
      autoFilter: true,
      columns: [
        { key: 'field', header: '字段' },
        { key: 'value', header: '写法' },
        { key: 'count', header: '行数', kind: 'number' },
        { key: 'where', header: '出现在', width: 40 },
        { key: 'suggest', header: '建议统一为' },
      ],
      rows: r.variants.flatMap((v) =>
        v.values.map((x) => ({
          field: v.field,
          value: x.value,
          count: x.count,
          where: x.where.join('、'),
          suggest: v.suggest,
        })),
      ),
    },
    {
      name: '未归类标签',
      autoFilter: true,
      columns: [
        { key: 'title', header: '表' },
        { key: 'field', header: '字段' },
        { key: 'value', header: '标签' },
        { key: 'count', header: '行数', kind: 'number' },
      ],
      rows: (r.uncovered ?? []).slice(0, MAX_ROWS),
    },
    {
      name: '缺少数字',
      autoFilter: true,
      columns: [
        { key: 'title', header: '表' },
        { key: 'id', header: 'id', kind: 'number' },
        { key: 'name', header: '客户' },
        { key: 'what', header: '缺少' },
        { key: 'text', header: '原文' },
      ],
      rows: r.missing.slice(0, MAX_ROWS),
    },
  ])
}
