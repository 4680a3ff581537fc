import type { Db } from './client.js'
import type { UsageInput } from './usage.js'

/**
 * Read side of usage_records for `统计`, `andy stats`, the digest and the export. Every query runs as an
 * SQL aggregate over the date range (index usage_records_use_date_idx, or (user_id, use_date) for a
 * rep's own view, or (intent, use_date) when filtered by assistant): rows are never loaded to count
 * them. Values are always bound parameters; only placeholders are assembled here.
 */

export interface UsageStatsFilter {
  /** China-time business days, inclusive: "2026-11-01". */
  from: string
  to: string
  /** A rep's own view: only this user's records. */
  userId?: string
  intents?: readonly string[]
  /** Exact nickname. */
  userNick?: string
  /** Substring of the question. */
  consultContent?: string
  /** '1' 单聊, '2' 群聊. */
  conversationType?: string
  /** Exact group name. */
  groupName?: string
}

/** The intents whose usage record carries a search total in `hits` (0 = a content gap). */
export const SEARCH_INTENTS = ['case', 'pitch', 'switch', 'procurement', 'software'] as const

interface Where {
  sql: string
  params: unknown[]
}

function where(f: UsageStatsFilter): Where {
  const clauses: string[] = []
  const params: unknown[] = []
  if (f.userId !== undefined) {
    clauses.push('user_id = ?')
    params.push(f.userId)
  }
  clauses.push('use_date BETWEEN ? AND ?')
  params.push(f.from, f.to)
  if (f.intents?.length) {
    clauses.push(`intent IN (${f.intents.map(() => '?').join(',')})`)
    params.push(...f.intents)
  }
  if (f.userNick !== undefined) {
    clauses.push('user_dd_nick = ?')
    params.push(f.userNick)
  }
  if (f.consultContent !== undefined) {
    clauses.push('instr(consult_content, ?) > 0')
    params.push(f.consultContent)
  }
  if (f.conversationType !== undefined) {
    clauses.push('conversation_type = ?')
    params.push(f.conversationType)
  }
  if (f.groupName !== undefined) {
    clauses.push('dd_group_name = ?')
    params.push(f.groupName)
  }
  return { sql: `WHERE ${clauses.join(' AND ')}`, params }
}

const SEARCH_IN = SEARCH_INTENTS.map((i) => `'${i}'`).join(',')

/** Messages per day and intent (the chart and the per-day list); a covering scan of (intent, use_date). */
export function countsByDayIntent(db: Db, f: UsageStatsFilter): Array<{ use_date: string; intent: string; n: number }> {
  const w = where(f)
  return db.sqlite
    .prepare(`SELECT use_date, intent, count(*) AS n FROM usage_records ${w.sql} GROUP BY intent, use_date`)
    .all(...w.params) as Array<{ use_date: string; intent: string; n: number }>
}

export interface IntentTotals {
  intent: string
  n: number
  failed: number
  rejected: number
  /** Searches that found nothing. */
  zero: number
  tokens: number
  cost: number
}

/**
 * Per-intent totals. `intents` (those present, from countsByDayIntent) lets SQLite walk the
 * (intent, use_date) index intent by intent, so the rows arrive grouped and no sorter is needed
 * (measured faster than one intent × group pass that feeds both this and the group ranking).
 */
export function totalsByIntent(db: Db, f: UsageStatsFilter, intents: readonly string[]): IntentTotals[] {
  if (intents.length === 0) return []
  const w = where({ ...f, intents: f.intents?.length ? f.intents.filter((i) => intents.includes(i)) : intents })
  return db.sqlite
    .prepare(
      `SELECT intent, count(*) AS n, sum(status = 'failed') AS failed, sum(status = 'rejected') AS rejected,
              coalesce(sum(hits = 0 AND intent IN (${SEARCH_IN})), 0) AS zero, sum(tokens) AS tokens, sum(cost_rmb) AS cost
       FROM usage_records ${w.sql} GROUP BY intent ORDER BY n DESC`,
    )
    .all(...w.params) as IntentTotals[]
}

/** Everything of the day × intent cube (the export's 按日 sheet; slower than the two queries above). */
export function totalsByDay(db: Db, f: UsageStatsFilter): Array<IntentTotals & { use_date: string }> {
  const w = where(f)
  return db.sqlite
    .prepare(
      `SELECT use_date, '' AS intent, count(*) AS n, sum(status = 'failed') AS failed, sum(status = 'rejected') AS rejected,
              coalesce(sum(hits = 0 AND intent IN (${SEARCH_IN})), 0) AS zero, sum(tokens) AS tokens, sum(cost_rmb) AS cost,
              count(DISTINCT user_id) AS users
       FROM usage_records ${w.sql} GROUP BY use_date ORDER BY use_date`,
    )
    .all(...w.params) as Array<IntentTotals & { use_date: string; users: number }>
}

export interface TopEntry {
  key: string
  label: string
  n: number
  /** How many distinct keys there are in all (same on every row). */
  distinct: number
}

/** True when only the period (and no other filter) limits the rows. */
function periodOnly(f: UsageStatsFilter): boolean {
  return f.userId === undefined && !f.intents?.length && f.userNick === undefined && f.consultContent === undefined && f.conversationType === undefined && f.groupName === undefined
}

/** Rows in range above which a whole-index walk in user order beats sorting the range's rows. */
export const WIDE_RANGE_ROWS = 50_000

/**
 * Most active users by user id; the latest nickname shown. For a wide period-only range (`rowsInRange`
 * above WIDE_RANGE_ROWS) the (user_id, use_date) index is walked in user order, so no row is read from
 * the table and no sorter is needed; otherwise the date range is grouped.
 */
export function topUsers(db: Db, f: UsageStatsFilter, limit: number, rowsInRange = 0): TopEntry[] {
  const w = where(f)
  const hint = periodOnly(f) && rowsInRange > WIDE_RANGE_ROWS ? 'INDEXED BY usage_records_user_date_idx' : ''
  const rows = db.sqlite
    .prepare(
      `SELECT key, n, count(*) OVER () AS distinct_n FROM (
         SELECT user_id AS key, count(*) AS n FROM usage_records ${hint} ${w.sql} GROUP BY user_id)
       ORDER BY n DESC, key LIMIT ?`,
    )
    .all(...w.params, limit) as Array<{ key: string | null; n: number; distinct_n: number }>
  const nick = db.sqlite.prepare(
    `SELECT user_dd_nick AS v FROM usage_records WHERE user_id = ? AND use_date BETWEEN ? AND ? ORDER BY use_date DESC, id DESC LIMIT 1`,
  )
  return rows.map((r) => {
    const label = r.key === null ? undefined : (nick.get(r.key, f.from, f.to) as { v: string | null } | undefined)?.v
    return { key: r.key ?? '', label: label ?? r.key ?? '（未知）', n: r.n, distinct: r.distinct_n }
  })
}

/** Most active group chats (by group name; 单聊 records have none). */
export function topGroups(db: Db, f: UsageStatsFilter, limit: number): TopEntry[] {
  const w = where(f)
  return db.sqlite
    .prepare(
      `SELECT key, n, count(*) OVER () AS distinct_n FROM (
         SELECT dd_group_name AS key, count(*) AS n
         FROM usage_records ${w.sql} AND dd_group_name IS NOT NULL AND dd_group_name <> '' GROUP BY 1)
       ORDER BY n DESC, key LIMIT ?`,
    )
    .all(...w.params, limit)
    .map((r) => {
      const o = r as { key: string; n: number; distinct_n: number }
      return { key: o.key, label: o.key, n: o.n, distinct: o.distinct_n }
    })
}

/** Latencies above this many rows are percentiled from a systematic sample (every k-th id). */
export const LATENCY_SAMPLE_ABOVE = 50_000

/**
 * Median and 95th percentile (nearest rank) of the reply latency from one scan: a histogram of the
 * distinct millisecond values (a few thousand), walked cumulatively — no sort of the rows themselves.
 * Exact up to LATENCY_SAMPLE_ABOVE rows in range; beyond, rows whose id is a multiple of
 * k = ceil(rows / LATENCY_SAMPLE_ABOVE) are used (≥ 25,000 samples: the standard error of the p95's
 * rank is about 0.15%), so the sorter takes 1/k of the rows. `approximate` says which.
 */
export function latencyPercentiles(db: Db, f: UsageStatsFilter, rowsInRange = 0): { n: number; p50?: number; p95?: number; approximate: boolean } {
  const w = where(f)
  const step = rowsInRange > LATENCY_SAMPLE_ABOVE ? Math.ceil(rowsInRange / LATENCY_SAMPLE_ABOVE) : 1
  const hist = db.sqlite
    .prepare(`SELECT latency_ms AS v, count(*) AS n FROM usage_records ${w.sql} AND latency_ms IS NOT NULL ${step > 1 ? 'AND id % ? = 0' : ''} GROUP BY latency_ms ORDER BY latency_ms`)
    .all(...w.params, ...(step > 1 ? [step] : [])) as Array<{ v: number; n: number }>
  const [p50, p95] = percentilesOf(hist, [0.5, 0.95])
  return { n: hist.reduce((s, h) => s + h.n, 0), p50, p95, approximate: step > 1 }
}

/** Nearest-rank percentiles of a sorted histogram. */
export function percentilesOf(hist: ReadonlyArray<{ v: number; n: number }>, ps: readonly number[]): Array<number | undefined> {
  const total = hist.reduce((s, h) => s + h.n, 0)
  return ps.map((p) => {
    if (total === 0) return undefined
    const rank = Math.max(1, Math.ceil(p * total))
    let seen = 0
    for (const h of hist) {
      seen += h.n
      if (seen >= rank) return h.v
    }
    return hist[hist.length - 1]?.v
  })
}

export interface ZeroResultQuestion {
  question: string
  n: number
  intent: string
  last: string
  /** How many different zero-result questions there are in all. */
  distinct: number
}

/** 内容缺口: searches that found nothing, grouped by their text, most frequent first (intent: of the latest, SQLite's bare column next to max()). */
export function zeroResultQuestions(db: Db, f: UsageStatsFilter, limit: number): ZeroResultQuestion[] {
  const w = where(f)
  return db.sqlite
    .prepare(
      `SELECT question, n, intent, last, count(*) OVER () AS distinct_n FROM (
         SELECT consult_content AS question, count(*) AS n, intent, max(use_time) AS last
         FROM usage_records ${w.sql} AND hits = 0 AND intent IN (${SEARCH_IN}) GROUP BY consult_content)
       ORDER BY n DESC, last DESC LIMIT ?`,
    )
    .all(...w.params, limit)
    .map((r) => {
      const o = r as { question: string | null; n: number; intent: string; last: string; distinct_n: number }
      return { question: o.question ?? '', n: o.n, intent: o.intent, last: o.last, distinct: o.distinct_n }
    })
}

/**
 * Nicknames and group names seen in the period that exactly equal one of `words` (to read "统计 张三" as
 * a filter). Looked up within the period only: its cost stays that of the statistics themselves.
 */
export function knownNames(db: Db, words: readonly string[], from: string, to: string): { nicks: Set<string>; groups: Set<string> } {
  const nicks = new Set<string>()
  const groups = new Set<string>()
  if (words.length === 0) return { nicks, groups }
  const ph = words.map(() => '?').join(',')
  for (const r of db.sqlite.prepare(`SELECT DISTINCT user_dd_nick AS v FROM usage_records WHERE user_dd_nick IN (${ph}) AND use_date BETWEEN ? AND ?`).all(...words, from, to) as Array<{ v: string }>) nicks.add(r.v)
  for (const r of db.sqlite.prepare(`SELECT DISTINCT dd_group_name AS v FROM usage_records WHERE dd_group_name IN (${ph}) AND use_date BETWEEN ? AND ?`).all(...words, from, to) as Array<{ v: string }>) groups.add(r.v)
  return { nicks, groups }
}

/** Columns of one usage record as exported (明细). */
export type UsageDetailRow = Omit<UsageInput, 'filters' | 'hit_ids'> & { id: number }

const DETAIL_COLUMNS =
  'id, use_time, use_date, assistant_type, assistant_name, user_dd_nick, user_id, dd_group_name, conversation_type, conversation_id, consult_content, intent, hits, latency_ms, status, error, tokens, cost_rmb, msg_id'

/**
 * Every record of the filter, oldest first, read in pages by id (no statement stays open between
 * pages, so other handlers can use the connection while a big export is written).
 */
export function* iterateUsage(db: Db, f: UsageStatsFilter, pageSize = 5000): Generator<UsageDetailRow> {
  const w = where(f)
  const stmt = db.sqlite.prepare(`SELECT ${DETAIL_COLUMNS} FROM usage_records ${w.sql} AND id > ? ORDER BY id LIMIT ?`)
  // Start at the period's first id (covering date index), so the rowid walk does not read older rows.
  const first = db.sqlite.prepare('SELECT min(id) AS id FROM usage_records WHERE use_date BETWEEN ? AND ?').get(f.from, f.to) as { id: number | null }
  if (first.id === null) return
  let after = first.id - 1
  for (;;) {
    const rows = stmt.all(...w.params, after, pageSize) as UsageDetailRow[]
    yield* rows
    if (rows.length < pageSize) return
    after = rows[rows.length - 1]!.id
  }
}

export interface LlmCostRow {
  use_date: string
  model: string
  calls: number
  failed: number
  tokens_in: number
  tokens_out: number
  cost: number
}

/** LLM calls per day and model (llm_calls), for the LLM成本 sheet. */
export function llmCostByDay(db: Db, f: { from: string; to: string; userId?: string }): LlmCostRow[] {
  const user = f.userId !== undefined ? 'AND user_id = ?' : ''
  return db.sqlite
    .prepare(
      `SELECT use_date, model, count(*) AS calls, sum(status <> 'ok') AS failed, sum(tokens_in) AS tokens_in, sum(tokens_out) AS tokens_out, sum(cost_rmb) AS cost
       FROM llm_calls WHERE use_date BETWEEN ? AND ? ${user} GROUP BY use_date, model ORDER BY use_date, model`,
    )
    .all(f.from, f.to, ...(f.userId !== undefined ? [f.userId] : [])) as LlmCostRow[]
}

const INSERT_COLUMNS = [
  'assistant_type', 'assistant_name', 'dd_group_name', 'user_dd_nick', 'consult_content', 'conversation_type', 'use_time',
  'use_date', 'user_id', 'conversation_id', 'msg_id', 'intent', 'hits', 'filters', 'hit_ids', 'latency_ms', 'status',
  'error', 'tokens', 'cost_rmb',
] as const

/** Bulk insert in one transaction with one prepared statement (bench, tests, demo data). */
export function insertUsageMany(db: Db, rows: Iterable<UsageInput>): number {
  const stmt = db.sqlite.prepare(`INSERT INTO usage_records (${INSERT_COLUMNS.join(',')}) VALUES (${INSERT_COLUMNS.map(() => '?').join(',')})`)
  let n = 0
  db.sqlite.transaction(() => {
    for (const u of rows) {
      stmt.run(...INSERT_COLUMNS.map((c) => (c === 'tokens' || c === 'cost_rmb' ? (u[c] ?? 0) : (u[c] ?? null))))
      n++
    }
  })()
  return n
}
