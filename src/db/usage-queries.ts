import { gapInSql } from './gap-intents.js'
import { type Dialect, fromRollup, type Q, type Reads, rollupWhere, where } from './usage-dialect.js'
import { BUCKET_COUNT, monthSplit, ROLLUP_BUCKET_SUMS, rawBucketSums } from './usage-rollup.js'
import type { IntentTotals, TopEntry, UsageStatsFilter, ZeroResultQuestion } from './usage-stats-types.js'

export { type Dialect, POSTGRES, type Q, type Reads, SQLITE, type Where, where } from './usage-dialect.js'

/**
 * The read side of 统计 written once for both dialects: each read is a generator that yields its SQL
 * statements (`?` placeholders, values bound) and gets their rows back, so the choice between the rollup
 * and the raw records, the ranking and the post-processing are the same code on SQLite (usage-stats.ts,
 * run synchronously) and PostgreSQL (pg/usage-read.ts, run on the pool). Where the dialects differ
 * (booleans are not numbers in PostgreSQL, instr/strpos, text ordering) the Dialect says how; SQLite's
 * text is exactly what it was before the split.
 */

export type DayIntentCount = { use_date: string; intent: string; n: number }

export function* countsByDayIntentReads(d: Dialect, f: UsageStatsFilter): Reads<DayIntentCount[]> {
  const w = fromRollup(f) ? rollupWhere(f, true) : where(f, d)
  const order = `ORDER BY intent${d.collate}, use_date`
  const sql = fromRollup(f)
    ? `SELECT use_date, intent, sum(n) AS n FROM usage_daily ${w.sql} GROUP BY intent, use_date ${order}`
    : `SELECT use_date, intent, count(*) AS n FROM usage_records ${w.sql} GROUP BY intent, use_date ${order}`
  return (yield { sql, params: w.params }) as DayIntentCount[]
}

const rawTotals = (d: Dialect) =>
  `count(*) AS n, coalesce(sum(${d.truth("status = 'failed'")}), 0) AS failed, coalesce(sum(${d.truth("status = 'rejected'")}), 0) AS rejected,
  coalesce(sum(${d.truth(`hits = 0 AND intent IN (${gapInSql()})`)}), 0) AS zero, sum(tokens) AS tokens, sum(${d.micro('cost_rmb')}) AS cost`
const ROLLUP_TOTALS = `sum(n) AS n, sum(failed) AS failed, sum(rejected) AS rejected,
  sum(zero) AS zero, sum(tokens) AS tokens, sum(cost_micro) AS cost`

const yuan = <T extends { cost: number }>(r: T): T => ({ ...r, cost: r.cost / 1_000_000 })

export function* totalsByIntentReads(
  d: Dialect,
  f: UsageStatsFilter,
  intents: readonly string[],
): Reads<IntentTotals[]> {
  if (intents.length === 0) return []
  const rollup = fromRollup(f)
  const narrowed = { ...f, intents: f.intents?.length ? f.intents.filter((i) => intents.includes(i)) : intents }
  const w = rollup ? rollupWhere(narrowed, true) : where(narrowed, d)
  const rows = (yield {
    sql: `SELECT intent, ${rollup ? ROLLUP_TOTALS : rawTotals(d)} FROM ${rollup ? 'usage_daily' : 'usage_records'} ${w.sql} GROUP BY intent ORDER BY n DESC, intent${d.collate}`,
    params: w.params,
  }) as IntentTotals[]
  return rows.map(yuan)
}

export type DayTotals = IntentTotals & { use_date: string; users: number }

export function* totalsByDayReads(d: Dialect, f: UsageStatsFilter): Reads<DayTotals[]> {
  if (fromRollup(f) && !f.intents?.length && f.conversationType === undefined) {
    const w = rollupWhere(f, false)
    const users = new Map(
      (
        (yield {
          sql: `SELECT use_date, count(*) AS users FROM usage_daily_users ${w.sql} GROUP BY use_date`,
          params: w.params,
        }) as Array<{ use_date: string; users: number }>
      ).map((r) => [r.use_date, r.users]),
    )
    const rows = (yield {
      sql: `SELECT use_date, '' AS intent, ${ROLLUP_TOTALS} FROM usage_daily ${w.sql} GROUP BY use_date ORDER BY use_date`,
      params: w.params,
    }) as Array<IntentTotals & { use_date: string }>
    return rows.map((r) => ({ ...yuan(r), users: users.get(r.use_date) ?? 0 }))
  }
  const w = where({ ...f, raw: true }, d)
  const rows = (yield {
    sql: `SELECT use_date, '' AS intent, ${rawTotals(d)}, count(DISTINCT coalesce(user_id, '')) AS users FROM usage_records ${w.sql} GROUP BY use_date ORDER BY use_date`,
    params: w.params,
  }) as DayTotals[]
  return rows.map(yuan)
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

/** The statement of the top keys of a period: the per-day rollup tables (period only) or the raw records. */
function topKeysQuery(d: Dialect, f: UsageStatsFilter, kind: 'users' | 'groups'): Q {
  if (fromRollup(f) && periodOnly(f) && kind === 'users') {
    // Whole calendar months from usage_monthly_users, the days at either end from usage_daily_users.
    const { months, head, tail } = monthSplit(f.from, f.to)
    return {
      sql: `SELECT user_id, sum(n) FROM (SELECT user_id, n FROM usage_monthly_users WHERE month BETWEEN ? AND ?
        UNION ALL SELECT user_id, n FROM usage_daily_users WHERE use_date BETWEEN ? AND ?
        UNION ALL SELECT user_id, n FROM usage_daily_users WHERE use_date BETWEEN ? AND ?) AS u GROUP BY user_id`,
      params: [...months, ...head, ...tail],
      arrays: true,
    }
  }
  if (fromRollup(f) && periodOnly(f))
    return {
      sql: 'SELECT dd_group_name, sum(n) FROM usage_daily_groups WHERE use_date BETWEEN ? AND ? GROUP BY dd_group_name',
      params: [f.from, f.to],
      arrays: true,
    }
  const w = where(f, d)
  const sql =
    kind === 'users'
      ? `SELECT coalesce(user_id, ''), count(*) FROM usage_records ${w.sql} GROUP BY 1`
      : `SELECT dd_group_name, count(*) FROM usage_records ${w.sql} AND dd_group_name IS NOT NULL AND dd_group_name <> '' GROUP BY 1`
  return { sql, params: w.params, arrays: true }
}

function* topKeys(
  d: Dialect,
  f: UsageStatsFilter,
  limit: number,
  kind: 'users' | 'groups',
): Reads<Array<{ key: string; n: number; distinct_n: number }>> {
  const sums = (yield topKeysQuery(d, f, kind)) as Array<[string, number]>
  // Ranked here, by the same code for both dialects (count desc, then key).
  const ranked = sums.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
  return ranked.slice(0, limit).map(([key, n]) => ({ key, n, distinct_n: sums.length }))
}

const NICK_SQL = `SELECT user_dd_nick AS v FROM usage_records WHERE user_id = ? AND use_date BETWEEN ? AND ? ORDER BY use_date DESC, id DESC LIMIT 1`
/** PostgreSQL: the latest nickname of every listed user in one statement (one round trip, not one per user). */
const NICKS_PG = `SELECT DISTINCT ON (user_id) user_id AS k, user_dd_nick AS v FROM usage_records
  WHERE user_id = ANY(?) AND use_date BETWEEN ? AND ? ORDER BY user_id, use_date DESC, id DESC`

export function* topUsersReads(d: Dialect, f: UsageStatsFilter, limit: number): Reads<TopEntry[]> {
  const rows = yield* topKeys(d, f, limit, 'users')
  const keys = rows.map((r) => r.key).filter((k) => k !== '')
  const nicks = new Map<string, string | null>()
  if (d.name === 'postgres' && keys.length) {
    for (const r of (yield { sql: NICKS_PG, params: [keys, f.from, f.to] }) as Array<{ k: string; v: string | null }>)
      nicks.set(r.k, r.v)
  } else
    for (const k of keys) {
      const got = (yield { sql: NICK_SQL, params: [k, f.from, f.to], cached: true }) as Array<{ v: string | null }>
      if (got[0]) nicks.set(k, got[0].v)
    }
  return rows.map((r) => {
    const label = r.key === '' ? undefined : nicks.get(r.key)
    return { key: r.key, label: label ?? (r.key || '（未知）'), n: r.n, distinct: r.distinct_n }
  })
}

export function* topGroupsReads(d: Dialect, f: UsageStatsFilter, limit: number): Reads<TopEntry[]> {
  const rows = yield* topKeys(d, f, limit, 'groups')
  return rows.map((o) => ({ key: o.key, label: o.key, n: o.n, distinct: o.distinct_n }))
}

export interface LatencyHistogram {
  n: number
  max?: number
  counts: number[]
}

export function* latencyHistogramReads(d: Dialect, f: UsageStatsFilter): Reads<LatencyHistogram> {
  const rollup = fromRollup(f)
  const w = rollup ? rollupWhere(f, true) : where(f, d)
  const [row] = (yield {
    sql: rollup
      ? `SELECT coalesce(sum(lat_n), 0) AS n, max(lat_max) AS max, ${ROLLUP_BUCKET_SUMS} FROM usage_daily ${w.sql}`
      : `SELECT count(latency_ms) AS n, max(latency_ms) AS max, ${rawBucketSums('latency_ms', d.truth)} FROM usage_records ${w.sql}`,
    params: w.params,
  }) as Array<Record<string, number | null>>
  return {
    n: Number(row?.n ?? 0),
    max: row?.max ?? undefined,
    counts: Array.from({ length: BUCKET_COUNT }, (_, i) => Number(row?.[`h${i}`] ?? 0)),
  }
}

export function* zeroResultQuestionsReads(d: Dialect, f: UsageStatsFilter, limit: number): Reads<ZeroResultQuestion[]> {
  const rollup = fromRollup(f)
  const w = rollup ? rollupWhere(f, true) : where(f, d)
  const grain = rollup
    ? `SELECT question, intent, sum(n) AS n, max(last) AS last FROM usage_daily_gaps ${w.sql} GROUP BY question, intent`
    : `SELECT coalesce(consult_content, '') AS question, intent, count(*) AS n, max(use_time) AS last
       FROM usage_records ${w.sql} AND hits = 0 AND intent IN (${gapInSql()}) GROUP BY 1, 2`
  const rows = (yield {
    sql: `SELECT question, total AS n, intent, latest AS last, count(*) OVER () AS distinct_n FROM (
         SELECT question, intent, sum(n) OVER (PARTITION BY question) AS total, max(last) OVER (PARTITION BY question) AS latest,
                row_number() OVER (PARTITION BY question ORDER BY last${d.collate} DESC, intent${d.collate}) AS rk
         FROM (${grain}) AS g) AS r
       WHERE rk = 1 ORDER BY n DESC, latest${d.collate} DESC, question${d.collate} LIMIT ?`,
    params: [...w.params, limit],
  }) as Array<{ question: string; n: number; intent: string; last: string; distinct_n: number }>
  return rows.map((o) => ({ question: o.question, n: o.n, intent: o.intent, last: o.last, distinct: o.distinct_n }))
}

export function* knownNamesReads(
  words: readonly string[],
  from: string,
  to: string,
): Reads<{ nicks: Set<string>; groups: Set<string> }> {
  const nicks = new Set<string>()
  const groups = new Set<string>()
  if (words.length === 0) return { nicks, groups }
  const ph = words.map(() => '?').join(',')
  for (const [col, into] of [
    ['user_dd_nick', nicks],
    ['dd_group_name', groups],
  ] as const)
    for (const r of (yield {
      sql: `SELECT DISTINCT ${col} AS v FROM usage_records WHERE ${col} IN (${ph}) AND use_date BETWEEN ? AND ?`,
      params: [...words, from, to],
    }) as Array<{ v: string }>)
      into.add(r.v)
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
export function* llmCostByDayReads(d: Dialect, f: { from: string; to: string; userId?: string }): Reads<LlmCostRow[]> {
  const user = f.userId !== undefined ? 'AND user_id = ?' : ''
  return (yield {
    sql: `SELECT use_date, model, count(*) AS calls, sum(${d.truth("status <> 'ok'")}) AS failed, sum(tokens_in) AS tokens_in, sum(tokens_out) AS tokens_out, sum(cost_rmb) AS cost
       FROM llm_calls WHERE use_date BETWEEN ? AND ? ${user} GROUP BY use_date, model ORDER BY use_date, model${d.collate}`,
    params: [f.from, f.to, ...(f.userId !== undefined ? [f.userId] : [])],
  }) as LlmCostRow[]
}
