import { type Bounds, parseMoneyText, parseSizeText, parseYearText } from '../core/numbers.js'
import type { AppliedFilter, Condition } from '../tables/conditions.js'
import type { FilterSpec, TableSpec } from '../tables/index.js'

/**
 * The seed list endpoints' filter parameters (e.g. ANrkhCaseDetail?yxt_industry_1=制造&kh_industry_more=银行 保险)
 * → applied filters with the seed's meaning. Used by the HTTP API and by tests of every filter.
 */

export class ParamError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message)
    this.name = 'ParamError'
  }
}

const words = (v: string) =>
  v
    .split(/[\s,，、;；]+/u)
    .map((w) => w.trim())
    .filter(Boolean)

function bound(param: string, v: string): number {
  const n = Number(v.trim())
  if (!Number.isFinite(n)) throw new ParamError(param, `${param} 必须是数字（收到「${v}」）`)
  return n
}

function yearBounds(param: string, v: string): Bounds {
  const m = /^\s*(\d{4})\s*年?\s*(?:[-~～到至]\s*(\d{4})\s*年?)?\s*$/.exec(v)
  if (m) {
    const a = Number(m[1])
    const b = m[2] ? Number(m[2]) : a
    return { min: Math.min(a, b), max: Math.max(a, b) }
  }
  const y = parseYearText(v)
  if (y === undefined) throw new ParamError(param, `${param} 应为年份，如 2023 或 2021-2023（收到「${v}」）`)
  return { min: y, max: y }
}

function moneyBounds(param: string, v: string): Bounds {
  const parts = v.split(/\s*[-~～到至]\s*/)
  const nums = parts.map((p) => parseMoneyText(p))
  if (nums.some((n) => n === undefined) || nums.length > 2)
    throw new ParamError(param, `${param} 应为金额或金额范围，如 100000 或 10万-50万（收到「${v}」）`)
  return nums.length === 1
    ? { min: nums[0]!, max: nums[0]! }
    : { min: Math.min(nums[0]!, nums[1]!), max: Math.max(nums[0]!, nums[1]!) }
}

function condition(
  spec: TableSpec,
  f: FilterSpec,
  value: string,
): { condition: Condition; display: string; value: unknown } {
  const column = f.column ?? f.param
  switch (f.kind) {
    case 'contains':
      return { condition: { kind: 'contains', column, text: value.trim() }, display: value.trim(), value: value.trim() }
    case 'anyWord':
      return {
        condition: { kind: 'anyContains', column, words: words(value) },
        display: words(value).join('/'),
        value: words(value),
      }
    case 'anyWordAnyColumn':
      return {
        condition: { kind: 'anyKeyword', words: words(value) },
        display: words(value).join('/'),
        value: words(value),
      }
    case 'sizeMin': {
      const n = bound(f.param, value)
      return { condition: { kind: 'size', min: n }, display: `≥${n}人`, value: n }
    }
    case 'sizeMax': {
      const n = bound(f.param, value)
      return { condition: { kind: 'size', max: n }, display: `≤${n}人`, value: n }
    }
    case 'gt': {
      const n = bound(f.param, value)
      return { condition: { kind: 'range', column, min: n, minExclusive: true }, display: `>${n}`, value: n }
    }
    case 'lt': {
      const n = bound(f.param, value)
      return { condition: { kind: 'range', column, max: n, maxExclusive: true }, display: `<${n}`, value: n }
    }
    case 'year': {
      const b = yearBounds(f.param, value)
      return {
        condition: { kind: 'range', column, ...b },
        display: b.min === b.max ? `${b.min}` : `${b.min}-${b.max}`,
        value: b,
      }
    }
    case 'money': {
      const b = moneyBounds(f.param, value)
      return { condition: { kind: 'range', column, ...b }, display: value.trim(), value: b }
    }
  }
}

/** Filter parameters of `spec` present (non-empty) in `params`; throws ParamError on a malformed value. */
export function filtersFromParams(spec: TableSpec, params: Record<string, unknown>): AppliedFilter[] {
  const out: AppliedFilter[] = []
  for (const f of spec.filters) {
    const raw = params[f.param]
    if (raw == null) continue
    const value = String(raw)
    if (value.trim() === '') continue
    const c = condition(spec, f, value)
    out.push({
      key: f.param,
      label: f.label,
      display: c.display,
      value: c.value,
      condition: c.condition,
      priority: 50,
      source: 'param',
    })
  }
  // A size text ("1000-5000人") on a table with size bounds also works as a range.
  if (
    spec.sizeColumns &&
    typeof params.staff_size === 'string' &&
    parseSizeText(params.staff_size) &&
    !spec.filters.some((f) => f.param === 'staff_size')
  ) {
    const b = parseSizeText(params.staff_size)!
    out.push({
      key: 'staff_size',
      label: '人员规模',
      display: params.staff_size,
      value: b,
      condition: { kind: 'size', ...b },
      priority: 50,
      source: 'param',
    })
  }
  return out
}

/** Parameter names a list endpoint understands (filters + paging + the seed's public parameters). */
export function knownParams(spec: TableSpec): Set<string> {
  return new Set([...spec.filters.map((f) => f.param), 'page', 'perpage'])
}
