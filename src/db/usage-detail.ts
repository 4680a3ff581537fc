import type { Db } from './client.js'
import type { UsageInput } from './usage.js'
import { type UsageStatsFilter, where } from './usage-stats.js'

/**
 * Usage records one by one, for the export's 明细 sheet and `andy stats --detail`. Both walk the date
 * index (use_date, then id) so no query sorts the whole period; values are always bound.
 */

/** Columns of one usage record as exported (明细). */
export type UsageDetailRow = Omit<UsageInput, 'filters' | 'hit_ids'> & { id: number }

const DETAIL_COLUMNS =
  'id, use_time, use_date, assistant_type, assistant_name, user_dd_nick, user_id, dd_group_name, conversation_type, conversation_id, consult_content, intent, hits, latency_ms, status, error, tokens, cost_rmb, msg_id'

/**
 * Every record of the filter, by day then id, read in pages after the last (day, id) seen: no statement
 * stays open between pages (other handlers can use the connection while a big file is written), and
 * each page is a range of the date index.
 */
export function* iterateUsage(db: Db, f: UsageStatsFilter, pageSize = 5000): Generator<UsageDetailRow> {
  const w = where(f)
  const stmt = db.sqlite.prepare(
    `SELECT ${DETAIL_COLUMNS} FROM usage_records ${w.sql} AND (use_date, id) > (?, ?) ORDER BY use_date, id LIMIT ?`,
  )
  let after: [string, number] = ['', 0]
  for (;;) {
    const rows = stmt.all(...w.params, ...after, pageSize) as UsageDetailRow[]
    yield* rows
    if (rows.length < pageSize) return
    const last = rows[rows.length - 1]!
    after = [last.use_date, last.id]
  }
}

/** The newest `limit` records of the filter (by day, then id), oldest first: the export's capped 明细. */
export function latestUsage(db: Db, f: UsageStatsFilter, limit: number): UsageDetailRow[] {
  const w = where(f)
  const rows = db.sqlite
    .prepare(`SELECT ${DETAIL_COLUMNS} FROM usage_records ${w.sql} ORDER BY use_date DESC, id DESC LIMIT ?`)
    .all(...w.params, limit) as UsageDetailRow[]
  return rows.reverse()
}
