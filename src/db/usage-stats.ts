import type { Db } from './client.js'
import { stmt } from './stmt.js'
import { INSERT_USAGE_SQL, type UsageInput, usageValues } from './usage.js'
import {
  countsByDayIntentReads,
  type DayIntentCount,
  type DayTotals,
  knownNamesReads,
  type LatencyHistogram,
  type LlmCostRow,
  latencyHistogramReads,
  llmCostByDayReads,
  type Reads,
  SQLITE,
  topGroupsReads,
  topUsersReads,
  totalsByDayReads,
  totalsByIntentReads,
  zeroResultQuestionsReads,
} from './usage-queries.js'
import { addToRollup, LATENCY_BUCKETS } from './usage-rollup.js'
import type { IntentTotals, TopEntry, UsageStatsFilter, ZeroResultQuestion } from './usage-stats-types.js'

/**
 * Read side of usage_records for `统计`, `andy stats`, the digest and the export, on SQLite (synchronous,
 * better-sqlite3). Every query is an SQL aggregate over the date range, read from the daily rollup
 * (usage-rollup.ts) where the filters allow, else from the raw records (index usage_records_use_date_idx,
 * (user_id, use_date) for a rep's own view, (intent, use_date) by assistant). The statements and their
 * post-processing are in usage-queries.ts, shared with PostgreSQL (pg/usage-read.ts); the async
 * UsageReadStore (stores/usage-types.ts) wraps these functions.
 */

/** The intents whose usage record carries a search total, and the 内容缺口 ones: from the table specs. */
export { gapIntents, searchIntents } from './gap-intents.js'
export type { LlmCostRow, Where } from './usage-queries.js'
export { where } from './usage-queries.js'
export type { IntentTotals, TopEntry, UsageStatsFilter, ZeroResultQuestion } from './usage-stats-types.js'

/** Runs a read's statements on SQLite, one after the other. */
export function runSqlite<T>(db: Db, reads: Reads<T>): T {
  let r = reads.next()
  while (!r.done) {
    const q = r.value
    const s = q.cached ? stmt(db, q.sql) : db.sqlite.prepare(q.sql)
    r = reads.next((q.arrays ? s.raw() : s).all(...q.params))
  }
  return r.value
}

/** Messages per day and intent (the chart and the per-day list), ordered by intent and day. */
export function countsByDayIntent(db: Db, f: UsageStatsFilter): DayIntentCount[] {
  return runSqlite(db, countsByDayIntentReads(SQLITE, f))
}

/**
 * Per-intent totals, most used first. On the raw path `intents` (those present, from countsByDayIntent)
 * lets SQLite walk the (intent, use_date) index intent by intent, so no sorter is needed.
 */
export function totalsByIntent(db: Db, f: UsageStatsFilter, intents: readonly string[]): IntentTotals[] {
  return runSqlite(db, totalsByIntentReads(SQLITE, f, intents))
}

/** Everything per day (the export's 按日 sheet), with the number of distinct users. */
export function totalsByDay(db: Db, f: UsageStatsFilter): DayTotals[] {
  return runSqlite(db, totalsByDayReads(SQLITE, f))
}

/** Most active users by user id; the latest nickname in the period shown ('' = records without a user). */
export function topUsers(db: Db, f: UsageStatsFilter, limit: number): TopEntry[] {
  return runSqlite(db, topUsersReads(SQLITE, f, limit))
}

/** Most active group chats (by group name; 单聊 records have none). */
export function topGroups(db: Db, f: UsageStatsFilter, limit: number): TopEntry[] {
  return runSqlite(db, topGroupsReads(SQLITE, f, limit))
}

/**
 * The reply latencies as counts per bucket of LATENCY_BUCKETS (usage-rollup.ts; the last bucket is
 * everything slower), with their number and the slowest reply.
 */
export function latencyHistogram(db: Db, f: UsageStatsFilter): LatencyHistogram {
  return runSqlite(db, latencyHistogramReads(SQLITE, f))
}

/** Median and p95 from a latency histogram (both dialects). */
export function percentilesOf(h: LatencyHistogram): { n: number; p50?: number; p95?: number; approximate: boolean } {
  const [p50, p95] = [0.5, 0.95].map((p) => bucketPercentile(h.counts, p, h.max))
  return { n: h.n, p50, p95, approximate: h.n > 0 }
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
  return percentilesOf(latencyHistogram(db, f))
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

/**
 * 内容缺口: searches that found nothing and questions Andy could not answer, grouped by their text, most
 * frequent first; `intent` is that of the latest (ties: the first intent by name), `last` its time.
 */
export function zeroResultQuestions(db: Db, f: UsageStatsFilter, limit: number): ZeroResultQuestion[] {
  return runSqlite(db, zeroResultQuestionsReads(SQLITE, f, limit))
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
  return runSqlite(db, knownNamesReads(words, from, to))
}

/** LLM calls per day and model (llm_calls), for the LLM成本 sheet. */
export function llmCostByDay(db: Db, f: { from: string; to: string; userId?: string }): LlmCostRow[] {
  return runSqlite(db, llmCostByDayReads(SQLITE, f))
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
