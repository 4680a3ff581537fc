import { escapeMd, mdLink } from '../core/markdown.js'
import type { Row } from '../db/case-search.js'
import { type AppliedFilter, describeFilter, describeValue } from '../tables/conditions.js'
import { column, outputColumns, TABLES, type TableSpec } from '../tables/index.js'
import type { SearchOutcome } from './service.js'
import { sortNote } from './sort-ask.js'

/** The display names of the searchable tables, for sentences: "内容客户案例、…、内容产品售卖和平台合作客户". */
export function tableNames(): string {
  const names = TABLES.map((t) => t.title)
  return names.length > 1 ? `${names.slice(0, -1).join('、')}和${names.at(-1)}` : names.join('')
}

/** Reply markdown for a search: title with the total and filters, the best few rows, what to type next. */

export interface FormatOptions {
  /** Phrases the parser recognised but could not apply to this table. */
  ignored?: readonly string[]
  /** Leftover words that did not help (too vague, or matching nothing): 没用上的词. */
  unused?: readonly string[]
  /** Wanted and excluded at once (银行 非金融). */
  contradictions?: readonly string[]
  /** The sentence asked how many: the reply leads with the number. */
  count?: boolean
  notes?: readonly string[]
  /** An example sentence for the "try" hint when nothing matched. */
  example?: string
  /** The rep asked for more rows than one message shows (给我30个). */
  wantCapped?: number
  /** Asked to order by this number (金额最高的): lists are newest first, and the reply says so. */
  sortAsked?: string
}

export function formatMoney(v: unknown): string {
  const n = typeof v === 'number' ? v : Number(v)
  if (!Number.isFinite(n)) return ''
  return n >= 10_000 ? `${Math.round(n / 100) / 100}万元` : `${n}元`
}

/** A cell as a rep reads it. */
export function displayValue(spec: TableSpec, name: string, v: unknown): string {
  if (v == null || v === '') return ''
  if (name === spec.moneyColumn) return formatMoney(v)
  if (name === spec.accountColumn) return `${v}个帐号`
  if (name === spec.yearColumn && typeof v === 'number') return `${v}年`
  return escapeMd(String(v))
}

function rowBlock(spec: TableSpec, row: Row, n: number): string {
  const name = row[spec.nameColumn] ? escapeMd(String(row[spec.nameColumn])) : '（未命名）'
  const lines = [`**${n}. ${name}**`]
  const details = spec.detailColumns.map((c) => displayValue(spec, c, row[c])).filter(Boolean)
  if (details.length) lines.push(details.join(' · '))
  const extra: string[] = []
  if (spec.key === 'content-cases' && row.case_name) extra.push(`案例：${escapeMd(String(row.case_name))}`)
  if ((spec.key === 'pitch-plans' || spec.key === 'content-cases') && row.xm_name)
    extra.push(`项目：${escapeMd(String(row.xm_name))}`)
  if (spec.key === 'competitor-switches' && row.sign_sales) extra.push(`签约销售：${escapeMd(String(row.sign_sales))}`)
  if (spec.key === 'procurements' && row.source_type) extra.push(`来源：${escapeMd(String(row.source_type))}`)
  if (extra.length) lines.push(extra.join('；'))
  if (spec.noteColumn && row[spec.noteColumn]) {
    const label = column(spec, spec.noteColumn).label
    const note = String(row[spec.noteColumn])
    lines.push(`${label}：${escapeMd(note.length > 120 ? `${note.slice(0, 120)}…` : note)}`)
  }
  const url = spec.columns.find((c) => c.url)
  if (url && row[url.name]) lines.push(mdLink(spec.intent === 'pitch' ? '打开方案' : '查看案例', String(row[url.name])))
  return lines.join('  \n')
}

function filterLines(filters: readonly AppliedFilter[]): string[] {
  const wanted = [...filters].filter((f) => !f.exclude).sort((a, b) => b.priority - a.priority)
  const excluded = filters.filter((f) => f.exclude)
  const out = [
    wanted.length
      ? `筛选：${wanted.map(describeFilter).map(escapeMd).join(' · ')}`
      : excluded.length
        ? '筛选：无其他条件'
        : '筛选：无（按时间从新到旧）',
  ]
  if (excluded.length) out.push(`排除：${excluded.map(describeValue).map(escapeMd).join(' · ')}`)
  return out
}

/** The words set aside, each once: parse leftovers and keywords that matched nothing. */
function unusedWords(outcome: SearchOutcome, opts: FormatOptions): string[] {
  return [...new Set([...(opts.unused ?? []), ...outcome.unused.map((f) => f.display)])]
}

/** A search in a table nothing was imported into: say so, rather than suggest other words. */
export function emptyTableReply(title: string): string {
  return [
    `**${title}：还没有数据**`,
    `${title}里还没有任何记录，所以这次查不到。请管理员导入数据（命令行 andy import，或在钉钉单聊里把表格发给 Andy 并回复 确认导入），导入后再问。`,
  ].join('\n\n')
}

export function formatSearchReply(outcome: SearchOutcome, opts: FormatOptions = {}): string {
  const { table: spec, total, rows, page, perpage } = outcome
  if (outcome.empty) return emptyTableReply(spec.title)
  const out: string[] = []
  const pages = Math.max(1, Math.ceil(total / perpage))
  const pageNote = page > 1 ? `（第 ${page}/${pages} 页）` : ''
  if (opts.count && page === 1) out.push(`**符合条件的${spec.title}共 ${total} 条**`)
  else out.push(`**${spec.title}：找到 ${total} 条**${pageNote}`)
  out.push(...filterLines(outcome.filters))
  for (const c of opts.contradictions ?? [])
    out.push(`> 条件矛盾：${escapeMd(c)}，没有记录能同时满足。去掉其中一个条件再试。`)
  if (outcome.relaxed.length) {
    out.push(`> 完全符合的结果为 0，已放宽：${outcome.relaxed.map(describeFilter).map(escapeMd).join('、')}`)
  }
  if (opts.ignored?.length) out.push(`> 未使用：${opts.ignored.map(escapeMd).join('、')}（这类数据没有该条件）`)
  const unused = unusedWords(outcome, opts)
  if (unused.length) {
    const together = (outcome.unusedTogether ?? []).map((f) => f.display)
    const why = together.length
      ? `（${together.map((w) => `「${escapeMd(w)}」`).join('')}单独能找到记录，和其他条件一起没有结果）`
      : ''
    out.push(`> 没用上的词：${unused.map(escapeMd).join('、')}${why}`)
  }
  for (const n of opts.notes ?? []) out.push(`> ${n}`)
  if (opts.sortAsked) out.push(`> ${sortNote(opts.sortAsked)}`)
  if (opts.wantCapped && total > perpage)
    out.push(`> 一次最多列 ${perpage} 条，回复 **更多** 看后面的，或 **导出** 下载全部`)
  if (total === 0) {
    if (!opts.contradictions?.length)
      out.push(
        `没有找到符合条件的${spec.title}。可以减少条件，或换个说法${opts.example ? `，例如：${opts.example}` : ''}。`,
      )
    return out.join('\n\n')
  }
  if (opts.count && page === 1 && total > rows.length) out.push(`最新的 ${rows.length} 条：`)
  rows.forEach((row, i) => out.push(rowBlock(spec, row, (page - 1) * perpage + i + 1)))
  const next: string[] = []
  if (page < pages) next.push(`回复 **更多** 看下一页（共 ${pages} 页）`)
  else if (pages > 1) next.push('已是最后一页')
  next.push(`回复 **导出** 下载全部 ${total} 条`)
  next.push(`可加条件：${spec.words.suggest}`)
  out.push(next.join(' · '))
  return out.join('\n\n')
}

/** Row fields under the seed's names (for --json, the API and exports). */
export function rowToSeed(spec: TableSpec, row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = { id: row.id }
  for (const c of outputColumns(spec)) out[c.name] = row[c.name] ?? null
  return out
}

/**
 * Applied filters as a JSON object keyed by seed parameter / column names; exclusions under `exclude`
 * the same way ({"exclude": {"enterprise_type": ["国有企业", …]}}).
 */
export function filtersToJson(filters: readonly AppliedFilter[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const excluded = filters.filter((f) => f.exclude)
  if (excluded.length) out.exclude = filtersToJson(excluded.map((f) => ({ ...f, exclude: false })))
  for (const f of filters) {
    if (f.exclude) continue
    if (f.key === 'keywords') {
      out.keywords = [...((out.keywords as unknown[]) ?? []), f.value]
    } else {
      out[f.key] = f.value
    }
  }
  return out
}
