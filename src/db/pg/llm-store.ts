import type pg from 'pg'
import type { LlmTotals } from '../api-queries.js'
import { INSERT_LLM_CALL, type LlmCallRow, llmCallValues } from '../llm-calls.js'
import { compareVersions, type PromptStepRow, REPORT_FIELDS, type ReportPromptRow, STEP_FIELDS } from '../prompts.js'
import type { LlmCallStore, LlmStores, PromptStore } from '../stores/llm-types.js'
import type { LlmCostRow } from '../usage-stats.js'
import { pgBudgetReservations } from './budget-reservations.js'
import { pgPromptPages } from './prompt-pages.js'
import { dollarParams, inTransaction } from './tx.js'

/**
 * The LLM call ledger and the prompt tables on PostgreSQL, shared by every instance: a user's daily
 * spend is the sum of the calls every instance recorded; a prompt import on one is read by all.
 * Sums are cast to float8/int8 so they come back as numbers (sum(bigint) is numeric, a string in pg).
 */
export function pgLlmStores(pool: pg.Pool): LlmStores {
  return { calls: pgLlmCallStore(pool), prompts: pgPromptStore(pool) }
}

const CALL_COLUMNS =
  'id, model, intent, user_id, msg_id, tokens_in, tokens_out, estimated, cost_rmb, latency_ms, status, error, use_date'

function pgLlmCallStore(pool: pg.Pool): LlmCallStore {
  return {
    reservations: pgBudgetReservations(pool),
    async record(r) {
      const res = await pool.query<{ id: number }>(`${dollarParams(INSERT_LLM_CALL)} RETURNING id`, llmCallValues(r))
      return res.rows[0]!.id
    },
    async spentOn(userId, useDate) {
      const res = await pool.query<{ rmb: number }>(
        'SELECT COALESCE(SUM(cost_rmb), 0)::float8 AS rmb FROM llm_calls WHERE user_id = $1 AND use_date = $2',
        [userId, useDate],
      )
      return res.rows[0]!.rmb
    },
    async list(filter = {}) {
      const [where, params] = filter.msgId
        ? ['WHERE msg_id = $1', [filter.msgId]]
        : filter.userId
          ? ['WHERE user_id = $1', [filter.userId]]
          : ['', []]
      return (await pool.query<LlmCallRow>(`SELECT ${CALL_COLUMNS} FROM llm_calls ${where} ORDER BY id`, params)).rows
    },
    async totals() {
      return (
        await pool.query<LlmTotals>(
          `SELECT model, status, count(*)::int8 AS calls, coalesce(sum(tokens_in), 0)::int8 AS tokens_in,
                  coalesce(sum(tokens_out), 0)::int8 AS tokens_out, coalesce(sum(cost_rmb), 0)::float8 AS cost_rmb
             FROM llm_calls GROUP BY model, status ORDER BY model, status`,
        )
      ).rows
    },
    async costByDay(f) {
      const params: string[] = [f.from, f.to]
      if (f.userId !== undefined) params.push(f.userId)
      return (
        await pool.query<LlmCostRow>(
          `SELECT use_date, model, count(*)::int8 AS calls, count(*) FILTER (WHERE status <> 'ok')::int8 AS failed,
                  sum(tokens_in)::int8 AS tokens_in, sum(tokens_out)::int8 AS tokens_out, sum(cost_rmb)::float8 AS cost
             FROM llm_calls WHERE use_date BETWEEN $1 AND $2 ${f.userId !== undefined ? 'AND user_id = $3' : ''}
            GROUP BY use_date, model ORDER BY use_date, model`,
          params,
        )
      ).rows
    },
  }
}

/** "$2, $3, $4" for n values after the first `from` placeholders. */
const placeholders = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ')
const quoted = (cols: readonly string[]) => cols.map((c) => `"${c}"`).join(', ')

const count = async (pool: pg.Pool, table: 'prompt_steps' | 'report_prompts') =>
  Number((await pool.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ${table}`)).rows[0]!.n)

function pgPromptStore(pool: pg.Pool): PromptStore {
  return { ...stepPrompts(pool), ...reportPrompts(pool), ...pgPromptPages(pool) }
}

function stepPrompts(pool: pg.Pool): Pick<PromptStore, 'versions' | 'steps' | 'countSteps' | 'replaceVersions'> {
  return {
    async versions(stepTypes) {
      const rows = stepTypes?.length
        ? await pool.query<{ version: string }>(
            'SELECT DISTINCT version FROM prompt_steps WHERE step_type = ANY($1::text[])',
            [[...stepTypes]],
          )
        : await pool.query<{ version: string }>('SELECT DISTINCT version FROM prompt_steps')
      return rows.rows.map((r) => r.version).sort((a, b) => compareVersions(b, a))
    },
    async steps(f = {}) {
      const where: string[] = []
      const params: unknown[] = []
      if (f.version !== undefined) {
        params.push(f.version)
        where.push(`version = $${params.length}`)
      }
      if (f.stepTypes?.length) {
        params.push([...f.stepTypes])
        where.push(`step_type = ANY($${params.length}::text[])`)
      }
      const rows = (
        await pool.query<PromptStepRow>(
          `SELECT id, version, step_type, step_name, prompt, ${quoted(STEP_FIELDS)} FROM prompt_steps${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`,
          params,
        )
      ).rows
      return f.version === undefined ? rows.sort((a, b) => compareVersions(b.version, a.version) || a.id - b.id) : rows
    },
    countSteps: () => count(pool, 'prompt_steps'),
    replaceVersions: (rows) =>
      inTransaction(pool, async (c) => {
        // Serialises two imports (or two instances seeding an empty table) so a version is never inserted twice.
        await c.query('LOCK TABLE prompt_steps IN SHARE ROW EXCLUSIVE MODE')
        const versions = [...new Set(rows.map((r) => r.version))]
        const del = await c.query('DELETE FROM prompt_steps WHERE version = ANY($1::text[])', [versions])
        const sql = `INSERT INTO prompt_steps (version, step_type, step_name, prompt, ${quoted(STEP_FIELDS)}) VALUES (${placeholders(4 + STEP_FIELDS.length)})`
        for (const r of rows)
          await c.query(sql, [
            r.version,
            r.step_type,
            r.step_name ?? null,
            r.prompt ?? null,
            ...STEP_FIELDS.map((f) => r.steps?.[f] ?? null),
          ])
        return { inserted: rows.length, deleted: del.rowCount ?? 0 }
      }),
  }
}

function reportPrompts(pool: pg.Pool): Pick<PromptStore, 'reports' | 'countReports' | 'replaceReports'> {
  return {
    async reports(f = {}) {
      const where: string[] = []
      const params: string[] = []
      for (const [col, v] of [
        ['app_catalog', f.appCatalog],
        ['app_name', f.appName],
        ['app_id', f.appId],
      ] as const) {
        if (!v) continue
        params.push(v)
        where.push(`${col} = $${params.length}`)
      }
      return (
        await pool.query<ReportPromptRow>(
          `SELECT id, ${quoted(REPORT_FIELDS)} FROM report_prompts${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY order_index, id`,
          params,
        )
      ).rows
    },
    countReports: () => count(pool, 'report_prompts'),
    replaceReports: (rows) =>
      inTransaction(pool, async (c) => {
        // Serialises two imports at once: each replaces the whole list, the later one wins whole.
        await c.query('LOCK TABLE report_prompts IN SHARE ROW EXCLUSIVE MODE')
        const deleted = (await c.query('DELETE FROM report_prompts')).rowCount ?? 0
        const sql = `INSERT INTO report_prompts (${quoted(REPORT_FIELDS)}) VALUES (${placeholders(REPORT_FIELDS.length)})`
        for (const r of rows)
          await c.query(
            sql,
            REPORT_FIELDS.map((f) => r[f] ?? (f === 'order_index' ? 0 : null)),
          )
        return { inserted: rows.length, deleted }
      }),
  }
}
