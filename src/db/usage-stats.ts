import type { Db } from './client.js'
import { gapInSql } from './gap-intents.js'
import { INSERT_USAGE_SQL, type UsageInput, usageValues } from './usage.js'
import {
  addToRollup,
  BUCKET_COUNT,
  LATENCY_BUCKETS,
  monthSplit,
  ROLLUP_BUCKET_SUMS,
  rawBucketSums,
} from './usage-rollup.js'

/**
 * Read side of usage_records for `统计`, `andy stats`, the digest and the export. Every query is an SQL
 * aggregate over the date range, read from the daily rollup (usage-rollup.ts) where the filters allow,
 * else from the raw records (index usage_records_use_date_idx, (user_id, use_date) for a rep's own
 * view, (intent, use_date) by assistant). Values are always bound; only placeholders are assembled here.
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
  /** Read the raw records even where the rollup could answer (tests compare both). */
  raw?: boolean
}

/** The intents whose usage record carries a search total, and the 内容缺口 ones: from the table specs. */
export { gapIntents, searchIntents } from './gap-intents.js'

export interface Where {
  sql: string
  params: unknown[]
}

export function where(f: UsageStatsFilter): Where {
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

/**
 * The rollup (usage-rollup.ts) answers every filter but a person, a group or a text: those read the raw
 * records (a rep's own view uses the (user_id, use_date) index). `raw` forces the raw records (the
 * equality test). Both paths give the same numbers: same grain, same aggregates, same bucket percentiles.
 */
function fromRollup(f: UsageStatsFilter): boolean {
  return (
    !f.raw &&
    f.userId === undefined &&
    f.userNick === undefined &&
    f.consultContent === undefined &&
    f.groupName === undefined
  )
}

/** WHERE of a rollup table: the period, and intents / 会话类型 where the table has them. */
function rollupWhere(f: UsageStatsFilter, dims: boolean): Where {
  const clauses = ['use_date BETWEEN ? AND ?']
  const params: unknown[] = [f.from, f.to]
  if (dims && f.intents?.length) {
    clauses.push(`intent IN (${f.intents.map(() => '?').join(',')})`)
    params.push(...f.intents)
  }
  if (dims && f.conversationType !== undefined) {
    clauses.push('conversation_type = ?')
    params.push(f.conversationType)
  }
  return { sql: `WHERE ${clauses.join(' AND ')}`, params }
}

/** Messages per day and intent (the chart and the per-day list), ordered by intent and day. */
export function countsByDayIntent(db: Db, f: UsageStatsFilter): Array<{ use_date: string; intent: string; n: number }> {
  const w = fromRollup(f) ? rollupWhere(f, true) : where(f)
  const sql = fromRollup(f)
    ? `SELECT use_date, intent, sum(n) AS n FROM usage_daily ${w.sql} GROUP BY intent, use_date ORDER BY intent, use_date`
    : `SELECT use_date, intent, count(*) AS n FROM usage_records ${w.sql} GROUP BY intent, use_date ORDER BY intent, use_date`
  return db.sqlite.prepare(sql).all(...w.params) as Array<{ use_date: string; intent: string; n: number }>
}

export interface IntentTotals {
  intent: string
  n: number
  failed: number
  rejected: number
  /** 内容缺口: searches that found nothing and unanswerable questions. */
  zero: number
  tokens: number
  /** Yuan, summed in micro-yuan (each record rounded to 0.000001) so every path adds up the same. */
  cost: number
}

const rawTotals =
  () => `count(*) AS n, coalesce(sum(status = 'failed'), 0) AS failed, coalesce(sum(status = 'rejected'), 0) AS rejected,
  coalesce(sum(hits = 0 AND intent IN (${gapInSql()})), 0) AS zero, sum(tokens) AS tokens, sum(CAST(round(cost_rmb * 1000000) AS INTEGER)) AS cost`
const ROLLUP_TOTALS = `sum(n) AS n, sum(failed) AS failed, sum(rejected) AS rejected,
  sum(zero) AS zero, sum(tokens) AS tokens, sum(cost_micro) AS cost`

const yuan = <T extends { cost: number }>(r: T): T => ({ ...r, cost: r.cost / 1_000_000 })

/**
 * Per-intent totals, most used first. On the raw path `intents` (those present, from countsByDayIntent)
 * lets SQLite walk the (intent, use_date) index intent by intent, so no sorter is needed.
 */
export function totalsByIntent(db: Db, f: UsageStatsFilter, intents: readonly string[]): IntentTotals[] {
  if (intents.length === 0) return []
  const rollup = fromRollup(f)
  const narrowed = { ...f, intents: f.intents?.length ? f.intents.filter((i) => intents.includes(i)) : intents }
  const w = rollup ? rollupWhere(narrowed, true) : where(narrowed)
  return (
    db.sqlite
      .prepare(
        `SELECT intent, ${rollup ? ROLLUP_TOTALS : rawTotals()} FROM ${rollup ? 'usage_daily' : 'usage_records'} ${w.sql} GROUP BY intent ORDER BY n DESC, intent`,
      )
      .all(...w.params) as IntentTotals[]
  ).map(yuan)
}

/** Everything per day (the export's 按日 sheet), with the number of distinct users. */
export function totalsByDay(db: Db, f: UsageStatsFilter): Array<IntentTotals & { use_date: string; users: number }> {
  if (fromRollup(f) && !f.intents?.length && f.conversationType === undefined) {
    const w = rollupWhere(f, false)
    const users = new Map(
      (
        db.sqlite
          .prepare(`SELECT use_date, count(*) AS users FROM usage_daily_users ${w.sql} GROUP BY use_date`)
          .all(...w.params) as Array<{ use_date: string; users: number }>
      ).map((r) => [r.use_date, r.users]),
    )
    return (
      db.sqlite
        .prepare(
          `SELECT use_date, '' AS intent, ${ROLLUP_TOTALS} FROM usage_daily ${w.sql} GROUP BY use_date ORDER BY use_date`,
        )
        .all(...w.params) as Array<IntentTotals & { use_date: string }>
    ).map((r) => ({ ...yuan(r), users: users.get(r.use_date) ?? 0 }))
  }
  const w = where({ ...f, raw: true })
  return (
    db.sqlite
      .prepare(
        `SELECT use_date, '' AS intent, ${rawTotals()}, count(DISTINCT coalesce(user_id, '')) AS users FROM usage_records ${w.sql} GROUP BY use_date ORDER BY use_date`,
      )
      .all(...w.params) as Array<IntentTotals & { use_date: string; users: number }>
  ).map(yuan)
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
  return (
    f.userId === undefined &&
    !f.intents?.length &&
    f.userNick === undefined &&
    f.consultContent === undefined &&
    f.conversationType === undefined &&
    f.groupName === undefined
  )
}

/** Top keys of a period: from the per-day rollup tables (period only) or the raw records. */
function topKeys(
  db: Db,
  f: UsageStatsFilter,
  limit: number,
  kind: 'users' | 'groups',
): Array<{ key: string; n: number; distinct_n: number }> {
  let sql: string
  let params: unknown[]
  if (fromRollup(f) && periodOnly(f) && kind === 'users') {
    // Whole calendar months from usage_monthly_users, the days at either end from usage_daily_users.
    const { months, head, tail } = monthSplit(f.from, f.to)
    sql = `SELECT user_id, sum(n) FROM (SELECT user_id, n FROM usage_monthly_users WHERE month BETWEEN ? AND ?
        UNION ALL SELECT user_id, n FROM usage_daily_users WHERE use_date BETWEEN ? AND ?
        UNION ALL SELECT user_id, n FROM usage_daily_users WHERE use_date BETWEEN ? AND ?) GROUP BY user_id`
    params = [...months, ...head, ...tail]
  } else if (fromRollup(f) && periodOnly(f)) {
    sql = 'SELECT dd_group_name, sum(n) FROM usage_daily_groups WHERE use_date BETWEEN ? AND ? GROUP BY dd_group_name'
    params = [f.from, f.to]
  } else {
    const w = where(f)
    sql =
      kind === 'users'
        ? `SELECT coalesce(user_id, ''), count(*) FROM usage_records ${w.sql} GROUP BY 1`
        : `SELECT dd_group_name, count(*) FROM usage_records ${w.sql} AND dd_group_name IS NOT NULL AND dd_group_name <> '' GROUP BY 1`
    params = w.params
  }
  // Ranked here, by the same code for both paths (count desc, then key).
  const sums = db.sqlite
    .prepare(sql)
    .raw()
    .all(...params) as Array<[string, number]>
  const ranked = sums.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
  return ranked.slice(0, limit).map(([key, n]) => ({ key, n, distinct_n: sums.length }))
}

/** Most active users by user id; the latest nickname in the period shown ('' = records without a user). */
export function topUsers(db: Db, f: UsageStatsFilter, limit: number): TopEntry[] {
  const rows = topKeys(db, f, limit, 'users')
  const nick = db.sqlite.prepare(
    `SELECT user_dd_nick AS v FROM usage_records WHERE user_id = ? AND use_date BETWEEN ? AND ? ORDER BY use_date DESC, id DESC LIMIT 1`,
  )
  return rows.map((r) => {
    const label = r.key === '' ? undefined : (nick.get(r.key, f.from, f.to) as { v: string | null } | undefined)?.v
    return { key: r.key, label: label ?? (r.key || '（未知）'), n: r.n, distinct: r.distinct_n }
  })
}

/** Most active group chats (by group name; 单聊 records have none). */
export function topGroups(db: Db, f: UsageStatsFilter, limit: number): TopEntry[] {
  return topKeys(db, f, limit, 'groups').map((o) => ({
    key: o.key,
    label: o.key,
    n: o.n,
    distinct: o.distinct_n,
  }))
}

/**
 * The reply latencies as counts per bucket of LATENCY_BUCKETS (usage-rollup.ts; the last bucket is
 * everything slower), with their number and the slowest reply.
 */
export function latencyHistogram(db: Db, f: UsageStatsFilter): { n: number; max?: number; counts: number[] } {
  const rollup = fromRollup(f)
  const w = rollup ? rollupWhere(f, true) : where(f)
  const row = db.sqlite
    .prepare(
      rollup
        ? `SELECT coalesce(sum(lat_n), 0) AS n, max(lat_max) AS max, ${ROLLUP_BUCKET_SUMS} FROM usage_daily ${w.sql}`
        : `SELECT count(latency_ms) AS n, max(latency_ms) AS max, ${rawBucketSums()} FROM usage_records ${w.sql}`,
    )
    .get(...w.params) as Record<string, number | null>
  return {
    n: Number(row.n ?? 0),
    max: row.max ?? undefined,
    counts: Array.from({ length: BUCKET_COUNT }, (_, i) => Number(row[`h${i}`] ?? 0)),
  }
}

/**
 * Median and 95th percentile of the reply latency, read from the fixed buckets (latencyHistogram) in both
 * paths: the upper bound of the bucket holding the nearest rank, never above the slowest reply.
 * `approximate`: the figures are bucket bounds (always true when there is data).
 */
export function latencyPercentiles(
  db: Db,
  f: UsageStatsFilter,
): { n: number; p50?: number; p95?: number; approximate: boolean } {
  const h = latencyHistogram(db, f)
  const [p50, p95] = [0.5, 0.95].map((p) => bucketPercentile(h.counts, p, h.max))
  return { n: h.n, p50, p95, approximate: h.n > 0 }
}

/** Nearest-rank percentile of a bucket histogram: the bucket's upper bound, capped at the maximum. */
export function bucketPercentile(counts: readonly number[], p: number, max: number | undefined): number | undefined {
  const total = counts.reduce((s, n) => s + n, 0)
  if (total === 0 || max === undefined) return undefined
  const rank = Math.max(1, Math.ceil(p * total))
  let seen = 0
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!
    if (seen >= rank) return i < LATENCY_BUCKETS.length ? Math.min(LATENCY_BUCKETS[i]!, max) : max
  }
  return max
}

export interface ZeroResultQuestion {
  question: string
  n: number
  intent: string
  last: string
  /** How many different zero-result questions there are in all. */
  distinct: number
}

/**
 * 内容缺口: searches that found nothing and questions Andy could not answer, grouped by their text, most
 * frequent first; `intent` is that of the latest (ties: the first intent by name), `last` its time.
 */
export function zeroResultQuestions(db: Db, f: UsageStatsFilter, limit: number): ZeroResultQuestion[] {
  const rollup = fromRollup(f)
  const w = rollup ? rollupWhere(f, true) : where(f)
  const grain = rollup
    ? `SELECT question, intent, sum(n) AS n, max(last) AS last FROM usage_daily_gaps ${w.sql} GROUP BY question, intent`
    : `SELECT coalesce(consult_content, '') AS question, intent, count(*) AS n, max(use_time) AS last
       FROM usage_records ${w.sql} AND hits = 0 AND intent IN (${gapInSql()}) GROUP BY 1, 2`
  return db.sqlite
    .prepare(
      `SELECT question, total AS n, intent, latest AS last, count(*) OVER () AS distinct_n FROM (
         SELECT question, intent, sum(n) OVER (PARTITION BY question) AS total, max(last) OVER (PARTITION BY question) AS latest,
                row_number() OVER (PARTITION BY question ORDER BY last DESC, intent) AS rk
         FROM (${grain}))
       WHERE rk = 1 ORDER BY n DESC, last DESC, question LIMIT ?`,
    )
    .all(...w.params, limit)
    .map((r) => {
      const o = r as { question: string; n: number; intent: string; last: string; distinct_n: number }
      return { question: o.question, n: o.n, intent: o.intent, last: o.last, distinct: o.distinct_n }
    })
}

/**
 * Nicknames and group names seen in the period that exactly equal one of `words` (to read "统计 张三" as
 * a filter). Looked up within the period only: its cost stays that of the statistics themselves.
 */
export function knownNames(
  db: Db,
  words: readonly string[],
  from: string,
  to: string,
): { nicks: Set<string>; groups: Set<string> } {
  const nicks = new Set<string>()
  const groups = new Set<string>()
  if (words.length === 0) return { nicks, groups }
  const ph = words.map(() => '?').join(',')
  for (const r of db.sqlite
    .prepare(
      `SELECT DISTINCT user_dd_nick AS v FROM usage_records WHERE user_dd_nick IN (${ph}) AND use_date BETWEEN ? AND ?`,
    )
    .all(...words, from, to) as Array<{ v: string }>)
    nicks.add(r.v)
  for (const r of db.sqlite
    .prepare(
      `SELECT DISTINCT dd_group_name AS v FROM usage_records WHERE dd_group_name IN (${ph}) AND use_date BETWEEN ? AND ?`,
    )
    .all(...words, from, to) as Array<{ v: string }>)
    groups.add(r.v)
  return { nicks, groups }
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

/** Bulk insert (rollup included) in one transaction with one prepared statement (bench, tests, demo data). */
export function insertUsageMany(db: Db, rows: Iterable<UsageInput>): number {
  const stmt = db.sqlite.prepare(INSERT_USAGE_SQL)
  let n = 0
  db.sqlite.transaction(() => {
    for (const u of rows) {
      stmt.run(...usageValues(u))
      addToRollup(db, u)
      n++
    }
  })()
  return n
}
