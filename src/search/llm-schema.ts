import * as z from 'zod'
import { DIMENSION_LABELS, type Dimension, type TableSpec } from '../tables/index.js'
import type { Dictionary } from './dictionary.js'

/**
 * The filter schema the LLM fills for a table, derived from the same table spec the rule parser uses:
 * one string-array property per dictionary dimension (with the stored values as an enum when there are
 * few of them, so the model picks known values; several values = any of them) and one `exclude_<dim>`
 * per dimension for what the user excludes, numeric bounds for size / year / accounts / money, and free
 * keywords. The zod schema validates what comes back.
 */

/** Dimensions with at most this many stored values get them as an enum (beyond: description hints only). */
export const ENUM_LIMIT = 60
/** Stored values listed in a description as examples when there are too many for an enum. */
const EXAMPLE_LIMIT = 25

export interface DimColumns {
  dim: Dimension
  columns: string[]
  values: string[]
}

/** The table's dictionary dimensions with their columns and stored values (deduplicated). */
export function tableDimensions(spec: TableSpec, dict: Dictionary): DimColumns[] {
  const out = new Map<Dimension, DimColumns>()
  for (const c of spec.columns) {
    if (!c.dim) continue
    const entry = out.get(c.dim) ?? { dim: c.dim, columns: [], values: [] }
    entry.columns.push(c.name)
    for (const v of dict.values(spec.key, c.name)) if (!entry.values.includes(v)) entry.values.push(v)
    out.set(c.dim, entry)
  }
  return [...out.values()]
}

export interface LlmFilterSchema {
  /** JSON schema for the tool's parameters. */
  parameters: Record<string, unknown>
  /** Validates the tool's arguments. */
  zod: z.ZodType<LlmFilters>
  dims: DimColumns[]
}

export interface LlmFilters {
  /** Wanted values per dimension (several = any of them). */
  dims: Partial<Record<Dimension, string[]>>
  /** Excluded values per dimension (非 / 不是 / 除了…以外). */
  exclude: Partial<Record<Dimension, string[]>>
  staff_size_min?: number
  staff_size_max?: number
  year_from?: number
  year_to?: number
  account_count_min?: number
  account_count_max?: number
  money_min?: number
  money_max?: number
  keywords: string[]
}

const bound = z
  .number()
  .finite()
  .nonnegative()
  .nullish()
  .transform((v) => v ?? undefined)
const words = z
  .union([z.array(z.union([z.string(), z.number()])), z.string()])
  .nullish()
  .transform((v) => (v == null ? [] : (Array.isArray(v) ? v : [v]).map((x) => String(x).trim()).filter(Boolean)))

export function buildFilterSchema(spec: TableSpec, dict: Dictionary): LlmFilterSchema {
  const dims = tableDimensions(spec, dict)
  const properties: Record<string, unknown> = {}
  const shape: Record<string, z.ZodType> = {}
  for (const d of dims) {
    const label = DIMENSION_LABELS[d.dim]
    const item: Record<string, unknown> = { type: 'string' }
    let description = `${label}（只填用户提到或明显隐含的；用数据里已有的叫法）`
    if (d.values.length > 0 && d.values.length <= ENUM_LIMIT) item.enum = d.values
    else if (d.values.length > ENUM_LIMIT) description += `，例如：${d.values.slice(0, EXAMPLE_LIMIT).join('、')}`
    properties[d.dim] = { type: 'array', items: item, description: `${description}；多个值表示任一即可` }
    shape[d.dim] = words
    properties[`exclude_${d.dim}`] = {
      type: 'array',
      items: item,
      description: `要排除的${label}（用户说“非/不是/除了…以外/不要/排除”的值）；不要同时放进 ${d.dim}`,
    }
    shape[`exclude_${d.dim}`] = words
  }
  const num = (name: string, description: string) => {
    properties[name] = { type: 'integer', description }
    shape[name] = bound
  }
  if (spec.sizeColumns) {
    num('staff_size_min', '员工人数下限（人）。大型企业≥1000，超大型≥10000，中型 300–1000')
    num('staff_size_max', '员工人数上限（人）。小型/中小企业≤300，中型≤1000')
  }
  if (spec.yearColumn) {
    num('year_from', '起始年份（含），如 2023')
    num('year_to', '截止年份（含）')
  }
  if (spec.accountColumn) {
    num('account_count_min', '帐号数下限（不含）')
    num('account_count_max', '帐号数上限（不含）')
  }
  if (spec.moneyColumn) {
    num('money_min', '金额下限（元）')
    num('money_max', '金额上限（元）')
  }
  properties.keywords = {
    type: 'array',
    items: { type: 'string' },
    description:
      '无法归入上面字段、但对检索有意义的原词（客户名、项目名、课程主题等），必须是用户原话中的词；请求用语（帮我找、有哪些）不要放',
  }
  shape.keywords = words
  const parameters = { type: 'object', properties, additionalProperties: false }
  const dimNames = dims.map((d) => d.dim)
  const zod = z.looseObject(shape).transform((o): LlmFilters => {
    const r = o as Record<string, unknown>
    const out: LlmFilters = { dims: {}, exclude: {}, keywords: (r.keywords as string[] | undefined) ?? [] }
    for (const d of dimNames) {
      const v = r[d] as string[] | undefined
      if (v?.length) out.dims[d] = v
      const x = r[`exclude_${d}`] as string[] | undefined
      if (x?.length) out.exclude[d] = x
    }
    for (const k of [
      'staff_size_min',
      'staff_size_max',
      'year_from',
      'year_to',
      'account_count_min',
      'account_count_max',
      'money_min',
      'money_max',
    ] as const) {
      const v = r[k]
      if (typeof v === 'number') out[k] = v
    }
    return out
  })
  return { parameters, zod: zod as unknown as z.ZodType<LlmFilters>, dims }
}
