import { USAGE_COLUMNS, type UsageInput, usageValues } from '../usage.js'
import { rollupStatements } from '../usage-rollup.js'
import { dollarParams, type Query } from './tx.js'

const INSERT_USAGE = `INSERT INTO usage_records (${USAGE_COLUMNS.join(',')}) VALUES (${USAGE_COLUMNS.map((_, i) => `$${i + 1}`).join(',')})`

/** One usage record and its daily rollup (usage-rollup.ts: the same upserts as SQLite); call inside a transaction. */
export async function insertUsagePg(q: Query, u: UsageInput): Promise<void> {
  await q.query(INSERT_USAGE, usageValues(u))
  for (const [sql, values] of rollupStatements(u)) await q.query(dollarParams(sql), values)
}
