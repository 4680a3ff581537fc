import { sql } from 'drizzle-orm'
import { bigint, doublePrecision, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'

/**
 * The PostgreSQL schema of the shared state (DATABASE_URL=postgres://…): the same tables and columns as
 * the SQLite schema (src/db/schema.ts), times as epoch milliseconds in bigint, plus the inbox lease that
 * lets several instances share one inbox. Migrations: drizzle/pg (drizzle-pg.config.ts).
 */

const ms = (name: string) => bigint(name, { mode: 'number' })
const nowMs = sql`(extract(epoch from clock_timestamp()) * 1000)::bigint`
const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity()

export const inboundMessages = pgTable(
  'inbound_messages',
  {
    id: id(),
    robot_code: text('robot_code').notNull(),
    msg_id: text('msg_id').notNull(),
    source: text('source').notNull(),
    conversation_id: text('conversation_id'),
    conversation_type: text('conversation_type'),
    conversation_title: text('conversation_title'),
    sender_staff_id: text('sender_staff_id'),
    sender_nick: text('sender_nick'),
    sender_corp_id: text('sender_corp_id'),
    msgtype: text('msgtype'),
    text: text('text'),
    custom_type: text('custom_type'),
    model_type: text('model_type'),
    session_webhook: text('session_webhook'),
    session_webhook_expired_time: ms('session_webhook_expired_time'),
    create_at: ms('create_at'),
    raw: text('raw').notNull(),
    status: text('status').notNull().default('received'),
    intent: text('intent'),
    attempts: integer('attempts').notNull().default(0),
    last_error: text('last_error'),
    received_at: ms('received_at').notNull(),
    updated_at: ms('updated_at').notNull(),
    finished_at: ms('finished_at'),
    /** The instance running the message, and until when its lease holds (renewed while it runs). */
    lease_owner: text('lease_owner'),
    lease_until: ms('lease_until'),
  },
  (t) => [
    uniqueIndex('inbound_messages_robot_msg_uq').on(t.robot_code, t.msg_id),
    index('inbound_messages_unfinished_idx').on(t.id).where(sql`status IN ('received', 'processing')`),
    /** Per-user order: a conversation+sender's earlier unfinished message (the claim's check, the next one to run). */
    index('inbound_messages_unfinished_user_idx')
      .on(
        t.robot_code,
        sql`coalesce(${t.conversation_id}, '')`,
        sql`coalesce(${t.sender_staff_id}, ${t.sender_nick}, '')`,
        t.id,
      )
      .where(sql`status IN ('received', 'processing')`),
  ],
)

export const outboundParts = pgTable(
  'outbound_parts',
  {
    id: id(),
    inbound_id: bigint('inbound_id', { mode: 'number' })
      .notNull()
      .references(() => inboundMessages.id, { onDelete: 'cascade' }),
    part_no: integer('part_no').notNull(),
    idempotency_key: text('idempotency_key').notNull(),
    kind: text('kind').notNull(),
    title: text('title'),
    body: text('body').notNull(),
    status: text('status').notNull().default('pending'),
    channel: text('channel'),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    created_at: ms('created_at').notNull().default(nowMs),
    sent_at: ms('sent_at'),
  },
  (t) => [
    uniqueIndex('outbound_parts_inbound_part_uq').on(t.inbound_id, t.part_no),
    uniqueIndex('outbound_parts_key_uq').on(t.idempotency_key),
  ],
)

export const conversationState = pgTable(
  'conversation_state',
  {
    id: id(),
    conversation_id: text('conversation_id').notNull(),
    user_id: text('user_id').notNull(),
    last_search: text('last_search'),
    workflow: text('workflow'),
    updated_at: ms('updated_at').notNull().default(nowMs),
  },
  (t) => [uniqueIndex('conversation_state_conv_user_uq').on(t.conversation_id, t.user_id)],
)

export const usageRecords = pgTable(
  'usage_records',
  {
    id: id(),
    assistant_type: text('assistant_type').notNull(),
    assistant_name: text('assistant_name').notNull(),
    dd_group_name: text('dd_group_name'),
    user_dd_nick: text('user_dd_nick'),
    consult_content: text('consult_content'),
    conversation_type: text('conversation_type'),
    use_time: text('use_time').notNull(),
    use_date: text('use_date').notNull(),
    user_id: text('user_id'),
    conversation_id: text('conversation_id'),
    msg_id: text('msg_id'),
    intent: text('intent').notNull(),
    hits: integer('hits'),
    filters: text('filters'),
    hit_ids: text('hit_ids'),
    latency_ms: integer('latency_ms'),
    status: text('status').notNull(),
    error: text('error'),
    tokens: integer('tokens').notNull().default(0),
    cost_rmb: doublePrecision('cost_rmb').notNull().default(0),
    channel: text('channel'),
    created_at: ms('created_at').notNull().default(nowMs),
  },
  (t) => [
    index('usage_records_use_date_idx').on(t.use_date),
    index('usage_records_user_date_idx').on(t.user_id, t.use_date),
    index('usage_records_intent_date_idx').on(t.intent, t.use_date),
  ],
)

export const scheduledRuns = pgTable(
  'scheduled_runs',
  {
    id: id(),
    job: text('job').notNull(),
    period: text('period').notNull(),
    status: text('status').notNull(),
    detail: text('detail'),
    created_at: ms('created_at').notNull().default(nowMs),
  },
  (t) => [uniqueIndex('scheduled_runs_job_period_uq').on(t.job, t.period)],
)

export const appMeta = pgTable('app_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

/**
 * One row per cases version pushed (db/pg/case-sync.ts): the case tables it changed, so an instance copies
 * only those. A version without a row (pushed by an older release) makes the next copy take every table.
 */
export const casePushes = pgTable('case_pushes', {
  version: bigint('version', { mode: 'number' }).primaryKey(),
  tables: text('tables').array().notNull(),
  pushed_at: ms('pushed_at').notNull().default(nowMs),
})

export const idempotentRequests = pgTable(
  'idempotent_requests',
  {
    scope: text('scope').primaryKey(),
    status: text('status').notNull(),
    http_status: integer('http_status'),
    content_type: text('content_type'),
    body: text('body'),
    started_at: ms('started_at').notNull(),
    finished_at: ms('finished_at'),
  },
  (t) => [index('idempotent_requests_started_idx').on(t.started_at)],
)
