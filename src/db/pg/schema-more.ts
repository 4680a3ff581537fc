import {
  bigint,
  doublePrecision,
  index,
  integer,
  type PgColumnBuilderBase,
  pgTable,
  primaryKey,
  text,
} from 'drizzle-orm/pg-core'
import { TABLES, type TableSpec } from '../../tables/index.js'
import { BUCKET_COUNT } from '../usage-rollup.js'

/**
 * The rest of the PostgreSQL schema: the case tables (the source of truth with DATABASE_URL; every
 * instance copies them into its local SQLite file for search — src/db/pg/case-sync.ts) and the daily
 * usage rollup (the same tables as src/db/schema.ts, kept by the same upserts: usage-rollup.ts).
 */

const ms = (name: string) => bigint(name, { mode: 'number' })

function caseTable(spec: TableSpec) {
  const cols: Record<string, PgColumnBuilderBase> = {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  }
  for (const c of spec.columns)
    cols[c.name] =
      c.type === 'text' ? text(c.name) : c.type === 'int' ? bigint(c.name, { mode: 'number' }) : doublePrecision(c.name)
  cols.created_at = ms('created_at')
  cols.updated_at = ms('updated_at')
  return pgTable(spec.table, cols)
}

export const pgContentCases = caseTable(TABLES[0]!)
export const pgPitchPlans = caseTable(TABLES[1]!)
export const pgCompetitorSwitches = caseTable(TABLES[2]!)
export const pgProcurements = caseTable(TABLES[3]!)
export const pgSoftwareCases = caseTable(TABLES[4]!)

const latencyBuckets = () =>
  Object.fromEntries(Array.from({ length: BUCKET_COUNT }, (_, i) => [`h${i}`, integer(`h${i}`).notNull().default(0)]))

export const usageDaily = pgTable(
  'usage_daily',
  {
    use_date: text('use_date').notNull(),
    intent: text('intent').notNull(),
    conversation_type: text('conversation_type').notNull(),
    n: integer('n').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    zero: integer('zero').notNull().default(0),
    tokens: bigint('tokens', { mode: 'number' }).notNull().default(0),
    cost_micro: bigint('cost_micro', { mode: 'number' }).notNull().default(0),
    lat_n: integer('lat_n').notNull().default(0),
    lat_max: integer('lat_max'),
    ...latencyBuckets(),
  },
  (t) => [primaryKey({ columns: [t.use_date, t.intent, t.conversation_type] })],
)

export const usageDailyUsers = pgTable(
  'usage_daily_users',
  { user_id: text('user_id').notNull(), use_date: text('use_date').notNull(), n: integer('n').notNull().default(0) },
  (t) => [
    primaryKey({ columns: [t.user_id, t.use_date] }),
    index('usage_daily_users_date_idx').on(t.use_date, t.user_id, t.n),
  ],
)

export const usageMonthlyUsers = pgTable(
  'usage_monthly_users',
  { month: text('month').notNull(), user_id: text('user_id').notNull(), n: integer('n').notNull().default(0) },
  (t) => [primaryKey({ columns: [t.month, t.user_id] })],
)

export const usageDailyGroups = pgTable(
  'usage_daily_groups',
  {
    dd_group_name: text('dd_group_name').notNull(),
    use_date: text('use_date').notNull(),
    n: integer('n').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.dd_group_name, t.use_date] })],
)

export const usageDailyGaps = pgTable(
  'usage_daily_gaps',
  {
    use_date: text('use_date').notNull(),
    question: text('question').notNull(),
    intent: text('intent').notNull(),
    conversation_type: text('conversation_type').notNull(),
    n: integer('n').notNull().default(0),
    last: text('last').notNull(),
  },
  (t) => [primaryKey({ columns: [t.use_date, t.question, t.intent, t.conversation_type] })],
)

/**
 * DingTalk send budgets shared by every instance: one token bucket per key (the app, a conversation),
 * taken from in one statement (src/db/pg/send-budget.ts).
 */
export const sendBudgets = pgTable('send_budgets', {
  key: text('key').primaryKey(),
  tokens: doublePrecision('tokens').notNull(),
  updated_at: ms('updated_at').notNull(),
})
