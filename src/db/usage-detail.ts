import { type Page, USAGE_ITEM_COLUMNS, type UsageFilter } from './api-queries.js'
import type { Db } from './client.js'
import type { UsageInput } from './usage.js'
import { type Dialect, type Q, SQLITE, where } from './usage-queries.js'
import type { UsageStatsFilter } from './usage-stats-types.js'

/**
 * Usage records one by one, for the export's 明细 sheet and `andy stats --detail`. Both walk the date
 * index (use_date, then id) so no query sorts the whole period; values are always bound. The statements
 * serve both dialects (pg/usage-read.ts runs them on PostgreSQL).
 */

/** Columns of one usage record as exported (明细). */
export type UsageDetailRow = Omit<UsageInput, 'filters' | 'hit_ids'> & { id: number }

const DETAIL_COLUMNS =
  'id, use_time, use_date, assistant_type, assistant_name, user_dd_nick, user_id, dd_group_name, conversation_type, conversation_id, consult_content, intent, hits, latency_ms, status, error, tokens, cost_rmb, msg_id'

/** The page of records after (day, id) `after`, by day then id: a range of the date index. */
export function detailPageQuery(d: Dialect, f: UsageStatsFilter, after: [string, number], pageSize: number): Q {
  const w = where(f, d)
  return {
    sql: `SELECT ${DETAIL_COLUMNS} FROM usage_records ${w.sql} AND (use_date, id) > (?, ?) ORDER BY use_date, id LIMIT ?`,
    params: [...w.params, ...after, pageSize],
  }
}

/** The newest `limit` records of the filter, newest first. */
export function latestQuery(d: Dialect, f: UsageStatsFilter, limit: number): Q {
  const w = where(f, d)
  return {
    sql: `SELECT ${DETAIL_COLUMNS} FROM usage_records ${w.sql} ORDER BY use_date DESC, id DESC LIMIT ?`,
    params: [...w.params, limit],
  }
}

/**
 * Every record of the filter, by day then id, read in pages after the last (day, id) seen: no statement
 * stays open between pages (other handlers can use the connection while a big file is written), and
 * each page is a range of the date index.
 */
export function* pagesOf(db: Db, f: UsageStatsFilter, pageSize = 5000): Generator<UsageDetailRow[]> {
  const stmt = db.sqlite.prepare(detailPageQuery(SQLITE, f, ['', 0], pageSize).sql)
  let after: [string, number] = ['', 0]
  for (;;) {
    const rows = stmt.all(...detailPageQuery(SQLITE, f, after, pageSize).params) as UsageDetailRow[]
    if (rows.length) yield rows
    if (rows.length < pageSize) return
    const last = rows[rows.length - 1]!
    after = [last.use_date, last.id]
  }
}

/** The records of pagesOf one by one. */
export function* iterateUsage(db: Db, f: UsageStatsFilter, pageSize = 5000): Generator<UsageDetailRow> {
  for (const page of pagesOf(db, f, pageSize)) yield* page
}

/** The newest `limit` records of the filter (by day, then id), oldest first: the export's capped 明细. */
export function latestUsage(db: Db, f: UsageStatsFilter, limit: number): UsageDetailRow[] {
  const q = latestQuery(SQLITE, f, limit)
  return (db.sqlite.prepare(q.sql).all(...q.params) as UsageDetailRow[]).reverse()
}

/**
 * The HTTP list of usage records (AAndyUseRecordStatistics), newest first, for PostgreSQL; SQLite keeps
 * api-queries.ts' listUsageRecords (same columns, filters and order).
 */
export function usageListQueries(d: Dialect, f: UsageFilter, p: Page): { rows: Q; total: Q } {
  const clauses: string[] = []
  const params: unknown[] = []
  for (const col of ['assistant_type', 'user_dd_nick', 'conversation_type'] as const) {
    if (f[col] === undefined) continue
    clauses.push(`${col} = ?`)
    params.push(f[col])
  }
  if (f.consult_content !== undefined) {
    clauses.push(d.contains('lower(consult_content)'))
    params.push(f.consult_content.toLowerCase())
  }
  const w = clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''
  return {
    rows: {
      sql: `SELECT ${USAGE_ITEM_COLUMNS.join(', ')} FROM usage_records ${w} ORDER BY id DESC LIMIT ? OFFSET ?`,
      params: [...params, p.perpage, (p.page - 1) * p.perpage],
    },
    total: { sql: `SELECT count(*) AS n FROM usage_records ${w}`, params },
  }
}
