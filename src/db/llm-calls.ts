import type { Db } from './client.js'

/** One LLM request as recorded for cost accounting (table llm_calls). */
export interface LlmCallRecord {
  model: string
  intent?: string | null
  user_id?: string | null
  msg_id?: string | null
  tokens_in: number
  tokens_out: number
  /** 1 when the provider sent no usage and the tokens are Andy's estimate. */
  estimated: boolean
  cost_rmb: number
  latency_ms: number
  status: 'ok' | 'error' | 'timeout'
  error?: string | null
  /** China-time business day, "2026-11-28". */
  use_date: string
}

/** The INSERT of one call, `?` placeholders (PostgreSQL numbers them: pg/tx.ts dollarParams). */
export const INSERT_LLM_CALL = `INSERT INTO llm_calls (model, intent, user_id, msg_id, tokens_in, tokens_out, estimated, cost_rmb, latency_ms, status, error, use_date)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

/** The values of INSERT_LLM_CALL, in its column order. */
export function llmCallValues(r: LlmCallRecord): unknown[] {
  return [
    r.model,
    r.intent ?? null,
    r.user_id ?? null,
    r.msg_id ?? null,
    r.tokens_in,
    r.tokens_out,
    r.estimated ? 1 : 0,
    r.cost_rmb,
    r.latency_ms,
    r.status,
    r.error ?? null,
    r.use_date,
  ]
}

export function insertLlmCall(db: Db, r: LlmCallRecord): number {
  return Number(db.sqlite.prepare(INSERT_LLM_CALL).run(...llmCallValues(r)).lastInsertRowid)
}

/** What a user spent on LLM calls on one day, in RMB. */
export function spentOn(db: Db, userId: string, useDate: string): number {
  const row = db.sqlite
    .prepare('SELECT COALESCE(SUM(cost_rmb), 0) AS rmb FROM llm_calls WHERE user_id = ? AND use_date = ?')
    .get(userId, useDate) as { rmb: number }
  return row.rmb
}

export interface LlmCallRow {
  id: number
  model: string
  intent: string | null
  user_id: string | null
  msg_id: string | null
  tokens_in: number
  tokens_out: number
  estimated: number
  cost_rmb: number
  latency_ms: number
  status: string
  error: string | null
  use_date: string
}

/** Calls of one message (or all, newest last), for tests and `andy stats`. */
export function llmCalls(db: Db, filter: { msgId?: string; userId?: string } = {}): LlmCallRow[] {
  if (filter.msgId)
    return db.sqlite.prepare('SELECT * FROM llm_calls WHERE msg_id = ? ORDER BY id').all(filter.msgId) as LlmCallRow[]
  if (filter.userId)
    return db.sqlite.prepare('SELECT * FROM llm_calls WHERE user_id = ? ORDER BY id').all(filter.userId) as LlmCallRow[]
  return db.sqlite.prepare('SELECT * FROM llm_calls ORDER BY id').all() as LlmCallRow[]
}

/** Totals per day (tokens, RMB, calls), for usage statistics. */
export function llmTotals(db: Db, fromDate: string, toDate: string): { calls: number; tokens: number; rmb: number } {
  return db.sqlite
    .prepare(
      `SELECT COUNT(*) AS calls, COALESCE(SUM(tokens_in + tokens_out), 0) AS tokens, COALESCE(SUM(cost_rmb), 0) AS rmb
       FROM llm_calls WHERE use_date BETWEEN ? AND ?`,
    )
    .get(fromDate, toDate) as { calls: number; tokens: number; rmb: number }
}
