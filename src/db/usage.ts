import type { Db } from './client.js'
import { stmt } from './stmt.js'
import { addToRollup } from './usage-rollup.js'

export interface UsageInput {
  assistant_type: string
  assistant_name: string
  dd_group_name?: string | null
  user_dd_nick?: string | null
  consult_content?: string | null
  conversation_type?: string | null
  use_time: string
  use_date: string
  user_id?: string | null
  conversation_id?: string | null
  msg_id?: string | null
  intent: string
  hits?: number | null
  filters?: string | null
  hit_ids?: string | null
  latency_ms?: number | null
  status: string
  error?: string | null
  tokens?: number
  cost_rmb?: number
  /** stream / http (robot messages), assistant (AI 助理 abilities), local (andy chat/ask). */
  channel?: string | null
}

/** The columns of usage_records written per message (both dialects). */
export const USAGE_COLUMNS = [
  'assistant_type',
  'assistant_name',
  'dd_group_name',
  'user_dd_nick',
  'consult_content',
  'conversation_type',
  'use_time',
  'use_date',
  'user_id',
  'conversation_id',
  'msg_id',
  'intent',
  'hits',
  'filters',
  'hit_ids',
  'latency_ms',
  'status',
  'error',
  'tokens',
  'cost_rmb',
  'channel',
] as const

export const INSERT_USAGE_SQL = `INSERT INTO usage_records (${USAGE_COLUMNS.join(',')}) VALUES (${USAGE_COLUMNS.map(() => '?').join(',')})`

/** The values of one record in USAGE_COLUMNS order (counts default to 0, the rest to NULL). */
export function usageValues(u: UsageInput): unknown[] {
  return USAGE_COLUMNS.map((c) => (c === 'tokens' || c === 'cost_rmb' ? (u[c] ?? 0) : (u[c] ?? null)))
}

/** Inserts one usage record and adds it to the daily rollup, in one transaction. */
export function insertUsage(db: Db, u: UsageInput): number {
  const values = usageValues(u)
  const write = () => {
    const id = Number(stmt(db, INSERT_USAGE_SQL).run(...values).lastInsertRowid)
    addToRollup(db, u)
    return id
  }
  return db.sqlite.inTransaction ? write() : db.sqlite.transaction(write)()
}

export function usageCount(db: Db): number {
  return (stmt(db, 'SELECT count(*) AS n FROM usage_records').get() as { n: number }).n
}
