import type pg from 'pg'
import { type Page, PROMPT_STEP_COLUMNS, REPORT_PROMPT_COLUMNS } from '../api-queries.js'
import type { PromptStepRow, ReportPromptRow } from '../prompts.js'
import type { PromptPage, PromptStore } from '../stores/llm-types.js'

/**
 * The HTTP API's pages of the prompt tables on PostgreSQL (ALieBiaoAndypromptsteps,
 * ALieBiaoAndyReportPromts): the same columns, filters and order as the SQLite statements in
 * api-queries.ts. Column names come from those constants; every value is a bound parameter.
 */

interface Where {
  readonly clauses: string[]
  readonly params: unknown[]
}

function eq(w: Where, column: string, value: string | undefined): void {
  if (value === undefined) return
  w.params.push(value)
  w.clauses.push(`"${column}" = $${w.params.length}`)
}

function contains(w: Where, column: string, value: string | undefined): void {
  if (value === undefined) return
  w.params.push(value.toLowerCase())
  w.clauses.push(`strpos(lower("${column}"), $${w.params.length}) > 0`)
}

async function page<T extends pg.QueryResultRow>(
  pool: pg.Pool,
  table: 'prompt_steps' | 'report_prompts',
  columns: readonly string[],
  w: Where,
  order: string,
  p: Page,
): Promise<PromptPage<T>> {
  const where = w.clauses.length ? `WHERE ${w.clauses.join(' AND ')}` : ''
  const n = w.params.length
  const [rows, total] = await Promise.all([
    pool.query<T>(
      `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM ${table} ${where} ORDER BY ${order} LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...w.params, p.perpage, (p.page - 1) * p.perpage],
    ),
    pool.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ${table} ${where}`, w.params),
  ])
  return { rows: rows.rows, total: total.rows[0]!.n }
}

export function pgPromptPages(pool: pg.Pool): Pick<PromptStore, 'pageSteps' | 'pageReports'> {
  return {
    pageSteps(f, p) {
      const w: Where = { clauses: [], params: [] }
      eq(w, 'version', f.version)
      eq(w, 'step_type', f.stepType)
      return page<PromptStepRow>(pool, 'prompt_steps', PROMPT_STEP_COLUMNS, w, 'id', p)
    },
    pageReports(f, p) {
      const w: Where = { clauses: [], params: [] }
      eq(w, 'app_catalog', f.appCatalog)
      eq(w, 'app_id', f.appId)
      contains(w, 'app_name', f.appNameContains)
      return page<ReportPromptRow>(pool, 'report_prompts', REPORT_PROMPT_COLUMNS, w, 'order_index, id', p)
    },
  }
}
