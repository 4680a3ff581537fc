import type { Db } from './client.js'
import type { PromptStepRow, ReportPromptRow } from './prompts.js'

/**
 * SQL behind the seed HTTP API's non-case endpoints and the operations endpoints. Column names come
 * from the constants below; every value is a bound parameter.
 */

export interface Page {
  page: number
  perpage: number
}

interface Where {
  clauses: string[]
  params: unknown[]
}

function where(w: Where): string {
  return w.clauses.length ? `WHERE ${w.clauses.join(' AND ')}` : ''
}

function addEq(w: Where, column: string, value: string | undefined): void {
  if (value === undefined) return
  w.clauses.push(`"${column}" = ?`)
  w.params.push(value)
}

function addContains(w: Where, column: string, value: string | undefined): void {
  if (value === undefined) return
  w.clauses.push(`instr(lower("${column}"), ?) > 0`)
  w.params.push(value.toLowerCase())
}

function pageRows(
  db: Db,
  table: string,
  columns: readonly string[],
  w: Where,
  order: string,
  p: Page,
): { rows: Array<Record<string, unknown>>; total: number } {
  const cols = columns.map((c) => `"${c}"`).join(', ')
  const rows = db.sqlite
    .prepare(`SELECT ${cols} FROM "${table}" ${where(w)} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...w.params, p.perpage, (p.page - 1) * p.perpage) as Array<Record<string, unknown>>
  const total = (
    db.sqlite.prepare(`SELECT count(*) AS n FROM "${table}" ${where(w)}`).get(...w.params) as { n: number }
  ).n
  return { rows, total }
}

// ---- usage records (AAndyUseRecordStatistics) -------------------------------------------------

export const USAGE_ITEM_COLUMNS = [
  'id',
  'assistant_type',
  'assistant_name',
  'dd_group_name',
  'user_dd_nick',
  'consult_content',
  'conversation_type',
  'use_time',
  'use_date',
] as const

export interface UsageFilter {
  assistant_type?: string
  user_dd_nick?: string
  consult_content?: string
  conversation_type?: string
}

/** Usage records, newest first: exact assistant_type / user_dd_nick / conversation_type, consult_content contains. */
export function listUsageRecords(
  db: Db,
  f: UsageFilter,
  p: Page,
): { items: Array<Record<string, unknown>>; total: number } {
  const w: Where = { clauses: [], params: [] }
  addEq(w, 'assistant_type', f.assistant_type)
  addEq(w, 'user_dd_nick', f.user_dd_nick)
  addEq(w, 'conversation_type', f.conversation_type)
  addContains(w, 'consult_content', f.consult_content)
  const { rows, total } = pageRows(db, 'usage_records', USAGE_ITEM_COLUMNS, w, 'id DESC', p)
  return { items: rows, total }
}

// ---- prompt tables (ALieBiaoAndypromptsteps, ALieBiaoAndyReportPromts) -----------------------

export const PROMPT_STEP_COLUMNS = [
  'id',
  'version',
  'step_type',
  'step_name',
  'prompt',
  ...Array.from({ length: 12 }, (_, i) => `step${i + 1}`),
] as const

/** One page of a version's steps (exact step_type), by id. */
export function listPromptStepRows(
  db: Db,
  f: { version: string; stepType?: string },
  p: Page,
): { rows: PromptStepRow[]; total: number } {
  const w: Where = { clauses: [], params: [] }
  addEq(w, 'version', f.version)
  addEq(w, 'step_type', f.stepType)
  const { rows, total } = pageRows(db, 'prompt_steps', PROMPT_STEP_COLUMNS, w, 'id ASC', p)
  return { rows: rows as unknown as PromptStepRow[], total }
}

export const REPORT_PROMPT_COLUMNS = [
  'id',
  'app_catalog',
  'app_name',
  'app_id',
  'app_url',
  'currNodeInstanceId',
  'order_index',
  'prompt',
  'step1',
  'step2',
  'step3',
] as const

/** Exact app_catalog / app_id, app_name contains; ordered by order_index. */
export function listReportPromptRows(
  db: Db,
  f: { appCatalog?: string; appNameContains?: string; appId?: string },
  p: Page,
): { rows: ReportPromptRow[]; total: number } {
  const w: Where = { clauses: [], params: [] }
  addEq(w, 'app_catalog', f.appCatalog)
  addEq(w, 'app_id', f.appId)
  addContains(w, 'app_name', f.appNameContains)
  const { rows, total } = pageRows(db, 'report_prompts', REPORT_PROMPT_COLUMNS, w, 'order_index ASC, id ASC', p)
  return { rows: rows as unknown as ReportPromptRow[], total }
}

// ---- process data (ASaveAndyVardDtas, AGetAndyVarDatas) ---------------------------------------

// ---- operations ---------------------------------------------------------------------------------

/** LLM calls of one model and status, summed (for /metrics). */
export interface LlmTotals {
  model: string
  status: string
  calls: number
  tokens_in: number
  tokens_out: number
  cost_rmb: number
}

/** LLM usage totals per model and status (for /metrics). */
export function llmTotals(db: Db): LlmTotals[] {
  return db.sqlite
    .prepare(
      `SELECT model, status, count(*) AS calls, coalesce(sum(tokens_in), 0) AS tokens_in,
              coalesce(sum(tokens_out), 0) AS tokens_out, coalesce(sum(cost_rmb), 0) AS cost_rmb
         FROM llm_calls GROUP BY model, status`,
    )
    .all() as LlmTotals[]
}

/** Throws when the database cannot answer (for /healthz). */
export function pingDb(db: Db): void {
  db.sqlite.prepare('SELECT 1').get()
}
