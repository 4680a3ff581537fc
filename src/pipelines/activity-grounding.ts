import type { BotContext } from '../bot/context.js'
import { localMonth, localYear } from '../core/clock.js'
import type { Row } from '../db/case-search.js'
import { formatMoney } from '../search/format.js'
import { PRIORITY, parseSentence } from '../search/parser.js'
import { runSearch } from '../search/service.js'
import type { AppliedFilter } from '../tables/conditions.js'
import { type SearchIntent, type TableSpec, tableByIntent } from '../tables/index.js'

/**
 * Grounding for 内容推荐 (sys_content_tuij): content products that similar customers bought
 * (procurements, P1…) and content-case projects (content_cases, C1…), found with the normal search
 * (dictionary words from the inputs — industry, product, crowd, class type — relaxed until something
 * matches; the customer's own records first). The rows go into the prompt; the citation lines
 * (customer + product + year) are appended to the saved result by code, so they are always there.
 */

export interface GroundingRow {
  ref: string
  table: 'procurements' | 'content-cases'
  id: number
  customer: string
  product: string
  year?: number
  /** One line for the prompt (with the details that make a recommendation sensible). */
  promptLine: string
  /** One line for the user: customer · product · year (source). */
  citation: string
}

export interface Grounding {
  rows: GroundingRow[]
  /** The {{content_rows}} text. */
  promptText: string
}

const PER_TABLE = { procurement: 6, case: 4 } as const

function str(v: unknown): string {
  return v == null ? '' : String(v).trim()
}

function nameFilter(spec: TableSpec, name: string): AppliedFilter {
  return {
    key: spec.nameColumn,
    label: '客户',
    display: name,
    value: name,
    condition: { kind: 'contains', column: spec.nameColumn, text: name },
    priority: PRIORITY.industry + 1,
    source: 'param',
  }
}

function search(
  ctx: BotContext,
  intent: SearchIntent,
  sentence: string,
  customer: string | undefined,
  limit: number,
): Row[] {
  const spec = tableByIntent(intent)!
  const dict = ctx.deps.dictionary.get()
  const parsed = parseSentence(sentence, {
    dict,
    nowYear: localYear(ctx.now()),
    nowMonth: localMonth(ctx.now()),
    intent,
  })
  // Only what the dictionary and number rules recognised: free words from a long background would over-filter.
  const filters = parsed.filters.filter((f) => f.source === 'dictionary')
  const rows: Row[] = []
  const seen = new Set<number>()
  const add = (list: readonly Row[]) => {
    for (const r of list) {
      if (seen.has(r.id) || rows.length >= limit) continue
      seen.add(r.id)
      rows.push(r)
    }
  }
  if (customer && [...customer].length >= 2) {
    add(
      runSearch(ctx.deps.db, dict, {
        table: spec,
        filters: [nameFilter(spec, customer)],
        page: 1,
        perpage: Math.ceil(limit / 2),
      }).rows,
    )
  }
  if (filters.length)
    add(runSearch(ctx.deps.db, dict, { table: spec, filters, page: 1, perpage: limit, relax: true }).rows)
  if (rows.length < limit) add(runSearch(ctx.deps.db, dict, { table: spec, filters: [], page: 1, perpage: limit }).rows)
  return rows
}

export function contentGrounding(ctx: BotContext, inputs: Readonly<Record<string, unknown>>): Grounding {
  const sentence = [
    inputs.yixiang_course,
    inputs.activity_type,
    inputs.activity_beijing,
    inputs.activity_mubiao,
    inputs.sys_content_select,
  ]
    .map(str)
    .filter(Boolean)
    .join(' ')
    .slice(0, 600)
  const customer = str(inputs.enterprise_name) || undefined
  const out: GroundingRow[] = []
  search(ctx, 'procurement', sentence, customer, PER_TABLE.procurement).forEach((r, i) => {
    const year = typeof r.purchase_year === 'number' ? r.purchase_year : undefined
    const details = [str(r.yxt_industry_1), str(r.enterprise_type), str(r.staff_size)].filter(Boolean).join(' · ')
    const deal = [str(r.class_type), r.money != null ? formatMoney(r.money) : '', str(r.source_type)]
      .filter(Boolean)
      .join('，')
    out.push({
      ref: `P${i + 1}`,
      table: 'procurements',
      id: r.id,
      customer: str(r.org_name),
      product: str(r.product_name),
      year,
      promptLine: `P${i + 1} ${str(r.org_name)}（${details}）${year ? `${year}年` : ''}采购「${str(r.product_name)}」${deal ? `（${deal}）` : ''}`,
      citation: `${str(r.org_name)} · ${str(r.product_name)} · ${year ? `${year}年` : '年份不详'}（${tableByIntent('procurement')!.title}）`,
    })
  })
  search(ctx, 'case', sentence, customer, PER_TABLE.case).forEach((r, i) => {
    const year = typeof r.case_year === 'number' ? r.case_year : undefined
    const summary = str(r.summary).slice(0, 120)
    out.push({
      ref: `C${i + 1}`,
      table: 'content-cases',
      id: r.id,
      customer: str(r.kh_name),
      product: str(r.content_product),
      year,
      promptLine:
        `C${i + 1} ${str(r.kh_name)}（${[str(r.yxt_industry_1), str(r.enterprise_type)].filter(Boolean).join(' · ')}）${year ? `${year}年` : ''}` +
        `案例「${str(r.case_name)}」：内容产品「${str(r.content_product)}」，人群 ${str(r.xm_crowd) || str(r.train_target) || '未注明'}${summary ? `；${summary}` : ''}`,
      citation: `${str(r.kh_name)} · ${str(r.content_product)} · ${year ? `${year}年` : '年份不详'}（${tableByIntent('case')!.title}）`,
    })
  })
  return {
    rows: out,
    promptText: out.length ? out.map((r) => r.promptLine).join('\n') : '（没有找到可参考的采购记录或内容案例）',
  }
}

/** The citation block appended to the recommendation: only the rows the answer cites, or all when it cites none. */
export function citationBlock(g: Grounding, answer: string): string {
  if (!g.rows.length)
    return `**参考依据**：数据中没有找到相似客户的${tableByIntent('procurement')!.title}记录或${tableByIntent('case')!.title}，以上推荐仅供参考。`
  const cited = g.rows.filter((r) => new RegExp(`\\b${r.ref}\\b`).test(answer))
  const used = cited.length ? cited : g.rows
  return ['**参考依据**', ...used.map((r) => `- ${r.ref} ${r.citation}`)].join('\n')
}
