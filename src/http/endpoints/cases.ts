import { parseIntText, parseMoneyText } from '../../core/numbers.js'
import { rowToSeed } from '../../search/format.js'
import { runSearch } from '../../search/service.js'
import type { AppliedFilter, Condition } from '../../tables/conditions.js'
import { type FilterSpec, outputColumns, TABLES, type TableSpec } from '../../tables/index.js'
import { data, type Endpoint, type JsonSchema, listSchema } from '../endpoint.js'
import { badRequest } from '../envelope.js'
import { type ParamSpec, pageOf, pageParams } from '../params.js'

/**
 * The five case lists (ANrkhCaseDetail …). Parameters come from the table specs' filters, so the API,
 * the chat search and the exports agree on what a filter means. Exact filters, no relaxation.
 */

const HINTS: Record<FilterSpec['kind'], string> = {
  contains: '包含匹配',
  anyWord: '多个词用空格或逗号分隔，任一词匹配即可',
  anyWordAnyColumn: '多个词用空格或逗号分隔，任一词出现在任一文本字段即可',
  sizeMin: '整数；人员规模区间与之重叠',
  sizeMax: '整数；人员规模区间与之重叠',
  gt: '整数；严格大于',
  lt: '整数；严格小于',
  year: '年份，如 2023，或区间 2021-2023',
  money: '金额（元），如 100000、10万，或区间 50000-200000',
}

export function words(raw: string): string[] {
  return raw
    .split(/[\s,，、;；|]+/)
    .map((w) => w.trim())
    .filter(Boolean)
}

const paramLabel = (f: FilterSpec): string => `${f.param}（${f.label}）`

function nonNegInt(f: FilterSpec, raw: string): number {
  const n = parseIntText(raw.trim())
  if (n === undefined || n < 0) throw badRequest(`参数 ${paramLabel(f)} 必须是非负整数，收到「${raw.slice(0, 50)}」`)
  return n
}

/** "2023", "2023年", "2021-2023", "2021~2023年" → bounds. */
export function parseYearParam(raw: string): { min: number; max: number } | undefined {
  const m = /^\s*((?:19|20)\d{2})\s*年?\s*(?:(?:-|~|～|—|至|到)\s*((?:19|20)\d{2})\s*年?)?\s*$/.exec(
    raw.normalize('NFKC'),
  )
  if (!m) return undefined
  const a = Number(m[1])
  const b = m[2] ? Number(m[2]) : a
  return { min: Math.min(a, b), max: Math.max(a, b) }
}

/** "100000", "10万", "50000-200000", "50000-" (at least), "-200000" (at most). */
export function parseMoneyParam(raw: string): { min?: number; max?: number } | undefined {
  const s = raw.normalize('NFKC').replace(/\s+/g, '')
  const range = /^([^~～—至到-]*)(?:-|~|～|—|至|到)([^~～—至到-]*)$/.exec(s)
  if (range) {
    const a = range[1] ? parseMoneyText(range[1]) : undefined
    const b = range[2] ? parseMoneyText(range[2]) : undefined
    if ((range[1] && a === undefined) || (range[2] && b === undefined) || (a === undefined && b === undefined))
      return undefined
    if (a !== undefined && b !== undefined && a > b) return { min: b, max: a }
    return { min: a, max: b }
  }
  const v = parseMoneyText(s)
  return v === undefined ? undefined : { min: v, max: v }
}

function conditionFor(f: FilterSpec, raw: string): { condition: Condition; value: unknown } | undefined {
  const column = f.column ?? f.param
  const text = raw.trim()
  if (!text) return undefined
  switch (f.kind) {
    case 'contains':
      return { condition: { kind: 'contains', column, text }, value: text }
    case 'anyWord': {
      const ws = words(text)
      return ws.length ? { condition: { kind: 'anyContains', column, words: ws }, value: ws } : undefined
    }
    case 'anyWordAnyColumn': {
      const ws = words(text)
      return ws.length ? { condition: { kind: 'anyKeyword', words: ws }, value: ws } : undefined
    }
    case 'sizeMin': {
      const n = nonNegInt(f, text)
      return { condition: { kind: 'size', min: n }, value: n }
    }
    case 'sizeMax': {
      const n = nonNegInt(f, text)
      return { condition: { kind: 'size', max: n }, value: n }
    }
    case 'gt': {
      const n = nonNegInt(f, text)
      return { condition: { kind: 'range', column, min: n, minExclusive: true }, value: n }
    }
    case 'lt': {
      const n = nonNegInt(f, text)
      return { condition: { kind: 'range', column, max: n, maxExclusive: true }, value: n }
    }
    case 'year': {
      const b = parseYearParam(text)
      if (!b) throw badRequest(`参数 ${paramLabel(f)} 应为年份，如 2023 或 2021-2023，收到「${text.slice(0, 50)}」`)
      return { condition: { kind: 'range', column, ...b }, value: b }
    }
    case 'money': {
      const b = parseMoneyParam(text)
      if (!b)
        throw badRequest(
          `参数 ${paramLabel(f)} 应为金额或金额区间，如 100000、10万、50000-200000，收到「${text.slice(0, 50)}」`,
        )
      return { condition: { kind: 'range', column, ...b }, value: b }
    }
  }
}

/** The applied filters for the given parameter values (absent and blank parameters are skipped). */
export function filtersFromParams(spec: TableSpec, values: Record<string, unknown>): AppliedFilter[] {
  const out: AppliedFilter[] = []
  for (const f of spec.filters) {
    const raw = values[f.param]
    if (typeof raw !== 'string') continue
    const c = conditionFor(f, raw)
    if (!c) continue
    out.push({
      key: f.param,
      label: f.label,
      display: raw.trim(),
      value: c.value,
      condition: c.condition,
      priority: 0,
      source: 'param',
    })
  }
  const min = values.staff_size_min
  const max = values.staff_size_max
  if (typeof min === 'string' && typeof max === 'string' && min.trim() && max.trim()) {
    const a = parseIntText(min.trim())
    const b = parseIntText(max.trim())
    if (a !== undefined && b !== undefined && a > b)
      throw badRequest(`参数 staff_size_min（${a}）不能大于 staff_size_max（${b}）`)
  }
  return out
}

function filterParams(spec: TableSpec): ParamSpec[] {
  return spec.filters.map((f) => ({ name: f.param, type: 'string', description: `${f.label}（${HINTS[f.kind]}）` }))
}

/**
 * A row as the seed types it: every field is a 字符串 (string), numbers included (staff_size_min,
 * replace_year, account_count, money…); a missing value is null. `id` (Andy's own key) stays an integer.
 */
export function seedTypedRow(spec: TableSpec, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row }
  for (const c of outputColumns(spec)) {
    const v = out[c.name]
    if (c.type !== 'text' && v !== null && v !== undefined) out[c.name] = String(v)
  }
  return out
}

function rowSchema(spec: TableSpec): JsonSchema {
  const properties: Record<string, JsonSchema> = { id: { type: 'integer', description: '主键' } }
  for (const c of outputColumns(spec))
    properties[c.name] = {
      type: ['string', 'null'],
      description: c.type === 'text' ? c.label : `${c.label}（数字，以字符串返回）`,
    }
  return { type: 'object', properties }
}

function caseEndpoint(spec: TableSpec): Endpoint {
  return {
    action: spec.endpoint,
    summary: `${spec.title}明细数据列表`,
    tag: '案例数据',
    params: [...pageParams(), ...filterParams(spec)],
    response: listSchema('lie_biao', 'zong_shu', rowSchema(spec)),
    notes: '多个条件同时给出时须全部满足；按时间从新到旧排序。',
    run({ deps, values }) {
      const filters = filtersFromParams(spec, values)
      const { page, perpage } = pageOf(values)
      const res = runSearch(deps.db, deps.dictionary.get(), { table: spec, filters, page, perpage, relax: false })
      return data({ lie_biao: res.rows.map((r) => seedTypedRow(spec, rowToSeed(spec, r))), zong_shu: res.total })
    },
  }
}

export const caseEndpoints = (): Endpoint[] => TABLES.map(caseEndpoint)
