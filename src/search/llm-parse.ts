import { type Bounds, formatBounds } from '../core/numbers.js'
import type { AppliedFilter, Condition } from '../tables/conditions.js'
import { DIMENSION_LABELS, type TableSpec } from '../tables/index.js'
import type { Dictionary } from './dictionary.js'
import type { DimColumns, LlmFilters } from './llm-schema.js'
import { normalizeSentence, PRIORITY } from './parser.js'

/**
 * Better understanding with an LLM: the sentence is parsed into the table's filter schema by a forced
 * tool call and merged with the rule parse. Exact dictionary hits and number phrases of the rule parse
 * win; the LLM adds what the rules left as free words (synonyms, implied industries, 大型企业 → ≥1000人).
 * Its category values are mapped onto values stored in the data and dropped when nothing matches, so
 * it never invents a filter value. Any failure or the time limit (LLM_PARSE_TIMEOUT_MS) → the rule parse.
 */

export const FILTER_TOOL = 'set_filters'

function norm(s: string): string {
  return s.normalize('NFKC').toLowerCase().trim()
}

/** Stored values of a dimension an LLM value stands for (exact, dictionary phrase, then contained). */
export function mapToStored(
  spec: TableSpec,
  dict: Dictionary,
  d: DimColumns,
  value: string,
): Array<{ column: string; values: string[] }> {
  const v = norm(value)
  if (!v) return []
  const byColumn = new Map<string, Set<string>>()
  const add = (column: string, stored: string) => {
    const set = byColumn.get(column) ?? new Set<string>()
    set.add(stored)
    byColumn.set(column, set)
  }
  for (const c of d.columns) for (const s of dict.values(spec.key, c)) if (norm(s) === v) add(c, s)
  if (byColumn.size === 0) {
    for (const m of dict.scan(v, [spec.key])) {
      for (const h of m.hits) if (h.dim === d.dim && d.columns.includes(h.column)) add(h.column, h.value)
    }
  }
  if (byColumn.size === 0 && [...v].length >= 2) {
    for (const c of d.columns) for (const s of dict.valuesContaining(spec.key, c, v)) add(c, s)
  }
  return [...byColumn].map(([column, values]) => ({ column, values: [...values] }))
}

function boundsOf(min: number | undefined, max: number | undefined): Bounds | undefined {
  if (min === undefined && max === undefined) return undefined
  const b: Bounds = {}
  if (min !== undefined) b.min = Math.round(min)
  if (max !== undefined) b.max = Math.round(max)
  if (b.min !== undefined && b.max !== undefined && b.min > b.max) return undefined
  return b
}

/** The LLM's filters as AppliedFilters (source 'llm'), only with values present in the data. */
export function llmFilters(
  spec: TableSpec,
  dict: Dictionary,
  dims: DimColumns[],
  f: LlmFilters,
  sentence: string,
): { filters: AppliedFilter[]; unmapped: string[] } {
  const filters: AppliedFilter[] = []
  const unmapped: string[] = []
  for (const d of dims) {
    for (const exclude of [false, true]) {
      const filter = dimFilter(spec, dict, d, (exclude ? f.exclude[d.dim] : f.dims[d.dim]) ?? [], exclude, unmapped)
      if (filter) filters.push(filter)
    }
  }
  filters.push(...boundFilters(spec, f), ...keywordFilters(f, sentence))
  return { filters, unmapped }
}

/** One dimension's asked values (or excluded ones) as an `in` filter on the stored values they map to. */
function dimFilter(
  spec: TableSpec,
  dict: Dictionary,
  d: DimColumns,
  asked: readonly string[],
  exclude: boolean,
  unmapped: string[],
): AppliedFilter | undefined {
  const columns = new Map<string, Set<string>>()
  const shown: string[] = []
  for (const value of asked) {
    const mapped = mapToStored(spec, dict, d, value)
    if (mapped.length === 0) {
      unmapped.push(value)
      continue
    }
    shown.push(value)
    for (const m of mapped) {
      const set = columns.get(m.column) ?? new Set<string>()
      for (const s of m.values) set.add(s)
      columns.set(m.column, set)
    }
  }
  if (columns.size === 0) return undefined
  const cols = [...columns].map(([column, values]) => ({ column, values: [...values] }))
  const inCond: Condition = { kind: 'in', columns: cols }
  return {
    key: cols[0]!.column,
    label: DIMENSION_LABELS[d.dim],
    display: shown.join(exclude ? '、' : '或'),
    value: [...new Set(cols.flatMap((c) => c.values))],
    condition: exclude ? { kind: 'not', condition: inCond } : inCond,
    priority: PRIORITY[d.dim],
    source: 'llm',
    ...(exclude ? { exclude: true } : {}),
  }
}

/** Size, year, account-count and money ranges, on the tables that have those columns. */
function boundFilters(spec: TableSpec, f: LlmFilters): AppliedFilter[] {
  const out: AppliedFilter[] = []
  const size = spec.sizeColumns ? boundsOf(f.staff_size_min, f.staff_size_max) : undefined
  if (size)
    out.push({
      key: 'staff_size',
      label: '规模',
      display: formatBounds(size, '人'),
      value: { ...size },
      condition: { kind: 'size', ...size },
      priority: PRIORITY.size,
      source: 'llm',
    })
  const ranges = [
    {
      column: spec.yearColumn,
      b: boundsOf(f.year_from, f.year_to),
      key: undefined,
      label: '年份',
      unit: '年',
      p: PRIORITY.year,
    },
    {
      column: spec.accountColumn,
      b: boundsOf(f.account_count_min, f.account_count_max),
      key: 'account_count',
      label: '帐号数',
      unit: '个',
      p: PRIORITY.account,
    },
    {
      column: spec.moneyColumn,
      b: boundsOf(f.money_min, f.money_max),
      key: 'money',
      label: '金额',
      unit: '元',
      p: PRIORITY.money,
    },
  ]
  for (const r of ranges) {
    if (!r.column || !r.b) continue
    out.push({
      key: r.key ?? r.column,
      label: r.label,
      display: formatBounds(r.b, r.unit),
      value: { ...r.b },
      condition: { kind: 'range', column: r.column, ...r.b },
      priority: r.p,
      source: 'llm',
    })
  }
  return out
}

/** Keywords only when they are the user's own words. */
function keywordFilters(f: LlmFilters, sentence: string): AppliedFilter[] {
  const text = normalizeSentence(sentence)
  const out: AppliedFilter[] = []
  for (const k of f.keywords) {
    const w = norm(k)
    if (w && text.includes(w))
      out.push({
        key: 'keywords',
        label: '关键词',
        display: w,
        value: w,
        condition: { kind: 'keyword', text: w },
        priority: PRIORITY.keyword,
        source: 'llm',
      })
  }
  return out
}

/** Stored values an `in` filter (or the `in` inside an exclusion) names. */
function namedValues(f: AppliedFilter): string[] {
  const c = f.condition.kind === 'not' ? f.condition.condition : f.condition
  return c.kind === 'in' ? c.columns.flatMap((x) => [...x.values]) : []
}

/**
 * Rule filters win per dimension (and per direction: wanted / excluded). A value the rules excluded is
 * never wanted because the model said so, and a value the rules want is never excluded by it. Rule
 * keywords the LLM turned into a filter are dropped (they were explained); the ones it kept as keywords
 * stay; when the LLM added nothing, every rule keyword stays. Keywords the rules did not find are never
 * added (the rules keep every leftover word already).
 */
export function mergeFilters(rule: readonly AppliedFilter[], fromLlm: readonly AppliedFilter[]): AppliedFilter[] {
  const ruleLabels = new Set(
    rule.filter((f) => f.source !== 'keyword').map((f) => `${f.exclude ? '-' : '+'}${f.label}`),
  )
  const excludedByRules = new Set(rule.filter((f) => f.exclude).flatMap(namedValues))
  const wantedByRules = new Set(rule.filter((f) => !f.exclude).flatMap(namedValues))
  const added = fromLlm.filter((f) => {
    if (f.source !== 'llm' || f.key === 'keywords' || ruleLabels.has(`${f.exclude ? '-' : '+'}${f.label}`)) return false
    const values = namedValues(f)
    return f.exclude ? !values.some((v) => wantedByRules.has(v)) : !values.some((v) => excludedByRules.has(v))
  })
  const llmWords = fromLlm.filter((f) => f.key === 'keywords').map((f) => String(f.value))
  const covers = (a: string, b: string) => a.includes(b) || b.includes(a)
  const out = rule.filter(
    (f) => f.source !== 'keyword' || added.length === 0 || llmWords.some((w) => covers(w, String(f.value))),
  )
  out.push(...added)
  return out
}

/** The system prompt of the filter-parsing call. */
export function filterPrompt(spec: TableSpec, year: number): string {
  return [
    `你是销售助手 Andy 的检索条件解析器。把用户的一句话转换成「${spec.title}」数据的筛选条件，调用 ${FILTER_TOOL} 返回。`,
    '规则：',
    '1. 只填写用户明确提到或明显隐含的条件，不确定的不要填。',
    '2. 类别字段只能使用给出的可选值；近义词、简称、俗称映射到最接近的可选值（如“药企”→医药类行业，“车企”→汽车）；由公司类型能推断行业时可以填行业（如“城商行”→银行）。',
    '3. 模糊规模：大型企业≥1000人，超大型≥10000人，中型企业300–1000人，中小企业/小型企业≤300人。',
    `4. 今年是 ${year} 年：“今年”=${year}，“去年”=${year - 1}，“近两年”=${year - 1}–${year}，“近三年”=${year - 2}–${year}。`,
    '5. 用户说“非/不是/除了…以外/不要/排除/不含”的值放进对应的 exclude_ 字段，绝不能放进要查的字段。',
    '6. 同一字段的多个值（如“江苏和浙江”“零售或餐饮”）都列出，表示任一即可。',
    '7. 其余无法归类但有检索意义的原词放进 keywords；“帮我找”“有哪些”“客户”“案例”等请求用语不要放。',
  ].join('\n')
}
