import type { Db } from './client.js'
import { gapInSql, isGapIntent } from './gap-intents.js'
import { stmt } from './stmt.js'
import type { UsageInput } from './usage.js'

/**
 * The daily usage rollup (usage_daily, usage_daily_users, usage_daily_groups, usage_daily_gaps; migration
 * 0004_usage_daily backfills them). `addToRollup` runs in the transaction of every usage record, so the
 * rollup is exact for every day. Each statement is a plain upsert (INSERT … ON CONFLICT DO UPDATE, also
 * valid PostgreSQL); values are always bound.
 */

/**
 * Upper bounds (ms, inclusive) of the latency histogram buckets h0 … h14; h15 holds everything slower.
 * Percentiles are read from these buckets in both the rollup and the raw path (usage-stats.ts).
 */
export const LATENCY_BUCKETS = [
  100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10_000, 15_000, 30_000, 60_000,
] as const
export const BUCKET_COUNT = LATENCY_BUCKETS.length + 1

export function bucketOf(ms: number): number {
  for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (ms <= LATENCY_BUCKETS[i]!) return i
  return LATENCY_BUCKETS.length
}

/**
 * SQL for the bucket sums of raw records (`col` a column name of usage_records, never user text);
 * `truth` makes a condition summable (PostgreSQL: CASE WHEN, usage-queries.ts).
 */
export function rawBucketSums(col = 'latency_ms', truth: (cond: string) => string = (c) => c): string {
  return Array.from({ length: BUCKET_COUNT }, (_, i) => {
    const lo = i === 0 ? '' : `${col} > ${LATENCY_BUCKETS[i - 1]}`
    const hi = i < LATENCY_BUCKETS.length ? `${col} <= ${LATENCY_BUCKETS[i]}` : ''
    return `coalesce(sum(${truth([lo, hi].filter(Boolean).join(' AND '))}), 0) AS h${i}`
  }).join(', ')
}

export const ROLLUP_BUCKET_SUMS = Array.from(
  { length: BUCKET_COUNT },
  (_, i) => `coalesce(sum(h${i}), 0) AS h${i}`,
).join(', ')

const DAILY_SQL = (h: number | undefined) => `
  INSERT INTO usage_daily (use_date, intent, conversation_type, n, failed, rejected, zero, tokens, cost_micro, lat_n, lat_max${h === undefined ? '' : `, h${h}`})
  VALUES (?, ?, coalesce(?, ''), 1, ?, ?, ?, ?, ?, ?, ?${h === undefined ? '' : ', 1'})
  ON CONFLICT (use_date, intent, conversation_type) DO UPDATE SET
    n = usage_daily.n + 1, failed = usage_daily.failed + excluded.failed, rejected = usage_daily.rejected + excluded.rejected, zero = usage_daily.zero + excluded.zero,
    tokens = usage_daily.tokens + excluded.tokens, cost_micro = usage_daily.cost_micro + excluded.cost_micro, lat_n = usage_daily.lat_n + excluded.lat_n,
    lat_max = CASE WHEN excluded.lat_max IS NOT NULL AND (usage_daily.lat_max IS NULL OR excluded.lat_max > usage_daily.lat_max) THEN excluded.lat_max ELSE usage_daily.lat_max END
    ${h === undefined ? '' : `, h${h} = usage_daily.h${h} + 1`}`

const USERS_SQL = `INSERT INTO usage_daily_users (user_id, use_date, n) VALUES (coalesce(?, ''), ?, 1)
  ON CONFLICT (user_id, use_date) DO UPDATE SET n = usage_daily_users.n + 1`

const MONTHLY_USERS_SQL = `INSERT INTO usage_monthly_users (month, user_id, n) VALUES (substr(?, 1, 7), coalesce(?, ''), 1)
  ON CONFLICT (month, user_id) DO UPDATE SET n = usage_monthly_users.n + 1`

const GROUPS_SQL = `INSERT INTO usage_daily_groups (dd_group_name, use_date, n) VALUES (?, ?, 1)
  ON CONFLICT (dd_group_name, use_date) DO UPDATE SET n = usage_daily_groups.n + 1`

const GAPS_SQL = `INSERT INTO usage_daily_gaps (use_date, question, intent, conversation_type, n, last) VALUES (?, coalesce(?, ''), ?, coalesce(?, ''), 1, ?)
  ON CONFLICT (use_date, question, intent, conversation_type) DO UPDATE SET
    n = usage_daily_gaps.n + 1, last = CASE WHEN excluded.last > usage_daily_gaps.last THEN excluded.last ELSE usage_daily_gaps.last END`

/**
 * Yuan as whole micro-yuan, rounded as SQLite's round() does (half away from zero, in double arithmetic:
 * the backfill's and the raw reads' figure); PostgreSQL's round(double) would round half to even.
 */
export function microYuan(rmb: number): number {
  const x = rmb * 1_000_000
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5)
}

/** The rollup upserts for one usage record (SQL with `?` placeholders, its values): both dialects run them. */
export function rollupStatements(u: UsageInput): Array<[sql: string, values: unknown[]]> {
  const latency = u.latency_ms ?? null
  // 内容缺口: a zero-hit search of a case table, or an unanswerable question (db/gap-intents.ts).
  const gap = u.hits === 0 && isGapIntent(u.intent)
  const out: Array<[string, unknown[]]> = [
    [
      DAILY_SQL(latency === null ? undefined : bucketOf(latency)),
      [
        u.use_date,
        u.intent,
        u.conversation_type ?? null,
        u.status === 'failed' ? 1 : 0,
        u.status === 'rejected' ? 1 : 0,
        gap ? 1 : 0,
        u.tokens ?? 0,
        microYuan(u.cost_rmb ?? 0),
        latency === null ? 0 : 1,
        latency,
      ],
    ],
    [USERS_SQL, [u.user_id ?? null, u.use_date]],
    [MONTHLY_USERS_SQL, [u.use_date, u.user_id ?? null]],
  ]
  if (u.dd_group_name) out.push([GROUPS_SQL, [u.dd_group_name, u.use_date]])
  if (gap)
    out.push([GAPS_SQL, [u.use_date, u.consult_content ?? null, u.intent, u.conversation_type ?? null, u.use_time]])
  return out
}

/** Adds one usage record to the rollup. Call inside the transaction that inserts the record. */
export function addToRollup(db: Db, u: UsageInput): void {
  for (const [sql, values] of rollupStatements(u)) stmt(db, sql).run(...values)
}

/**
 * The statements that rebuild the rollup from usage_records (the backfill of migration 0004_usage_daily,
 * which carries exactly these statements; test/usage-rollup.test.ts checks both).
 */
export function backfillStatements(): string[] {
  const gapIn = gapInSql()
  const hCols = Array.from({ length: BUCKET_COUNT }, (_, i) => `h${i}`).join(', ')
  return [
    'DELETE FROM `usage_daily`',
    'DELETE FROM `usage_daily_users`',
    'DELETE FROM `usage_monthly_users`',
    'DELETE FROM `usage_daily_groups`',
    'DELETE FROM `usage_daily_gaps`',
    `INSERT INTO usage_daily (use_date, intent, conversation_type, n, failed, rejected, zero, tokens, cost_micro, lat_n, lat_max, ${hCols})
SELECT use_date, intent, coalesce(conversation_type, ''), count(*), coalesce(sum(status = 'failed'), 0), coalesce(sum(status = 'rejected'), 0), coalesce(sum(hits = 0 AND intent IN (${gapIn})), 0), sum(tokens),
       sum(CAST(round(cost_rmb * 1000000) AS INTEGER)), count(latency_ms), max(latency_ms), ${rawBucketSums().replace(/ AS h\d+/g, '')}
FROM usage_records GROUP BY 1, 2, 3`,
    `INSERT INTO usage_daily_users (user_id, use_date, n) SELECT coalesce(user_id, ''), use_date, count(*) FROM usage_records GROUP BY 1, 2`,
    `INSERT INTO usage_monthly_users (month, user_id, n) SELECT substr(use_date, 1, 7), coalesce(user_id, ''), count(*) FROM usage_records GROUP BY 1, 2`,
    `INSERT INTO usage_daily_groups (dd_group_name, use_date, n) SELECT dd_group_name, use_date, count(*) FROM usage_records WHERE dd_group_name IS NOT NULL AND dd_group_name <> '' GROUP BY 1, 2`,
    `INSERT INTO usage_daily_gaps (use_date, question, intent, conversation_type, n, last)
SELECT use_date, coalesce(consult_content, ''), intent, coalesce(conversation_type, ''), count(*), max(use_time)
FROM usage_records WHERE hits = 0 AND intent IN (${gapIn}) GROUP BY 1, 2, 3, 4`,
  ]
}

/** Rebuilds the rollup from the raw records (what the migration did; for repairs and tests). */
export function rebuildRollup(db: Db): void {
  db.sqlite.transaction(() => {
    for (const s of backfillStatements()) db.sqlite.exec(s)
  })()
}

/**
 * Splits a period of whole days into calendar months it covers completely ("2026-01" … "2026-10", for
 * usage_monthly_users) and at most two day ranges at its ends (for usage_daily_users). Empty parts are
 * ranges no date falls in, so the SQL text stays the same.
 */
export function monthSplit(
  from: string,
  to: string,
): { months: [string, string]; head: [string, string]; tail: [string, string] } {
  const none: [string, string] = ['9', '0']
  const whole: string[] = []
  const partial: Array<[string, string]> = []
  let y = Number(from.slice(0, 4))
  let m = Number(from.slice(5, 7))
  for (;;) {
    const ym = `${y}-${String(m).padStart(2, '0')}`
    if (ym > to.slice(0, 7)) break
    const first = `${ym}-01`
    const last = `${ym}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`
    const a = from > first ? from : first
    const b = to < last ? to : last
    if (a === first && b === last) whole.push(ym)
    else if (a <= b) partial.push([a, b])
    if (++m > 12) {
      m = 1
      y++
    }
  }
  return {
    months: whole.length ? [whole[0]!, whole[whole.length - 1]!] : none,
    head: partial[0] ?? none,
    tail: partial[1] ?? none,
  }
}
