import { INSERT_USAGE_SQL, USAGE_COLUMNS, type UsageInput, usageValues } from '../usage.js'
import { rollupStatements } from '../usage-rollup.js'
import { dollarParams, type Query } from './tx.js'

const INSERT_USAGE = `INSERT INTO usage_records (${USAGE_COLUMNS.join(',')}) VALUES (${USAGE_COLUMNS.map((_, i) => `$${i + 1}`).join(',')})`

/** One usage record and its daily rollup (usage-rollup.ts: the same upserts as SQLite); call inside a transaction. */
export async function insertUsagePg(q: Query, u: UsageInput): Promise<void> {
  await q.query(INSERT_USAGE, usageValues(u))
  for (const [sql, values] of rollupStatements(u)) await q.query(dollarParams(sql), values)
}

/**
 * The same writes as `insertUsagePg` as data-modifying CTEs (`u0 AS (INSERT …), u1 AS (…)`) for one
 * statement with other writes: its parameters numbered from `$${first}`. One statement commits at once,
 * so the rollup's hot rows (one usage_daily row per day and intent) are locked for no round trip.
 */
export function usageCtes(u: UsageInput, first: number): { ctes: string[]; values: unknown[] } {
  const statements: Array<[string, unknown[]]> = [[INSERT_USAGE_SQL, usageValues(u)], ...rollupStatements(u)]
  const ctes: string[] = []
  const values: unknown[] = []
  for (const [i, [sql, vals]] of statements.entries()) {
    let n = first + values.length
    ctes.push(`u${i} AS (${sql.replace(/\?/g, () => `$${n++}`)})`)
    values.push(...vals)
  }
  return { ctes, values }
}
