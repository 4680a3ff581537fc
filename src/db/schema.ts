import { sql } from 'drizzle-orm'
import {
  index,
  integer,
  primaryKey,
  real,
  type SQLiteColumnBuilderBase,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core'
import { TABLES, type TableSpec } from '../tables/index.js'

const createdAt = () => integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`)
const updatedAt = () => integer('updated_at').notNull().default(sql`(unixepoch('subsec') * 1000)`)

/**
 * Case tables carry no secondary indexes: searches run on the in-memory CaseIndex (src/search/case-index.ts)
 * plus the bigram FTS table, so bulk imports stay fast.
 */
function caseTable(spec: TableSpec) {
  const cols: Record<string, SQLiteColumnBuilderBase> = {
    id: integer('id').primaryKey({ autoIncrement: true }),
  }
  for (const c of spec.columns) {
    cols[c.name] = c.type === 'text' ? text(c.name) : c.type === 'int' ? integer(c.name) : real(c.name)
  }
  cols.created_at = createdAt()
  cols.updated_at = updatedAt()
  return sqliteTable(spec.table, cols)
}

export const contentCases = caseTable(TABLES[0]!)
export const pitchPlans = caseTable(TABLES[1]!)
export const competitorSwitches = caseTable(TABLES[2]!)
export const procurements = caseTable(TABLES[3]!)
export const softwareCases = caseTable(TABLES[4]!)

/** Every handled message (seed AAndyUseRecordStatistics fields plus Andy's own). */
export const usageRecords = sqliteTable(
  'usage_records',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
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
    cost_rmb: real('cost_rmb').notNull().default(0),
    /** Where the request came from: stream / http (robot messages), assistant (AI 助理 abilities), local. */
    channel: text('channel'),
    created_at: createdAt(),
  },
  (t) => [
    index('usage_records_use_date_idx').on(t.use_date),
    index('usage_records_user_date_idx').on(t.user_id, t.use_date),
    index('usage_records_intent_date_idx').on(t.intent, t.use_date),
  ],
)

/** The exactly-once inbox: every robot callback, stored before its ack (seed AReceiveMsg fields). */
export const inboundMessages = sqliteTable(
  'inbound_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
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
    session_webhook_expired_time: integer('session_webhook_expired_time'),
    create_at: integer('create_at'),
    raw: text('raw').notNull(),
    status: text('status').notNull().default('received'),
    intent: text('intent'),
    attempts: integer('attempts').notNull().default(0),
    last_error: text('last_error'),
    received_at: integer('received_at').notNull(),
    updated_at: integer('updated_at').notNull(),
    finished_at: integer('finished_at'),
  },
  (t) => [
    uniqueIndex('inbound_messages_robot_msg_uq').on(t.robot_code, t.msg_id),
    index('inbound_messages_status_idx').on(t.status),
  ],
)

/** Each reply part of an inbound message; idempotency_key = msgId:part. */
export const outboundParts = sqliteTable(
  'outbound_parts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    inbound_id: integer('inbound_id')
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
    created_at: createdAt(),
    sent_at: integer('sent_at'),
  },
  (t) => [
    uniqueIndex('outbound_parts_inbound_part_uq').on(t.inbound_id, t.part_no),
    uniqueIndex('outbound_parts_key_uq').on(t.idempotency_key),
  ],
)

/** Per user and conversation: the last search (for 更多/导出) and an active workflow. */
export const conversationState = sqliteTable(
  'conversation_state',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    conversation_id: text('conversation_id').notNull(),
    user_id: text('user_id').notNull(),
    last_search: text('last_search'),
    workflow: text('workflow'),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex('conversation_state_conv_user_uq').on(t.conversation_id, t.user_id)],
)

/** Seed ALieBiaoAndypromptsteps. */
export const promptSteps = sqliteTable(
  'prompt_steps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    version: text('version').notNull(),
    step_type: text('step_type').notNull(),
    step_name: text('step_name'),
    prompt: text('prompt'),
    step1: text('step1'),
    step2: text('step2'),
    step3: text('step3'),
    step4: text('step4'),
    step5: text('step5'),
    step6: text('step6'),
    step7: text('step7'),
    step8: text('step8'),
    step9: text('step9'),
    step10: text('step10'),
    step11: text('step11'),
    step12: text('step12'),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [index('prompt_steps_version_type_idx').on(t.version, t.step_type)],
)

/** Seed ALieBiaoAndyReportPromts. */
export const reportPrompts = sqliteTable(
  'report_prompts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    app_catalog: text('app_catalog'),
    app_name: text('app_name'),
    app_id: text('app_id'),
    app_url: text('app_url'),
    currNodeInstanceId: text('currNodeInstanceId'),
    order_index: integer('order_index').notNull().default(0),
    prompt: text('prompt'),
    step1: text('step1'),
    step2: text('step2'),
    step3: text('step3'),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [index('report_prompts_catalog_idx').on(t.app_catalog, t.order_index)],
)

/** Seed ASaveAndyVardDtas / AGetAndyVarDatas: the activity-design workflow record. */
export const processData = sqliteTable(
  'process_data',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    user_id: text('user_id'),
    user_name: text('user_name'),
    enterprise_name: text('enterprise_name'),
    activity_beijing: text('activity_beijing'),
    activity_mubiao: text('activity_mubiao'),
    activity_type: text('activity_type'),
    yixiang_course: text('yixiang_course'),
    fansan_mothed: text('fansan_mothed'),
    sys_survey_report: text('sys_survey_report'),
    sys_activity_need: text('sys_activity_need'),
    sys_content_select: text('sys_content_select'),
    user_content_select: text('user_content_select'),
    sys_content_tuij: text('sys_content_tuij'),
    sys_activity_name: text('sys_activity_name'),
    user_activity_name: text('user_activity_name'),
    sys_activity_ideas: text('sys_activity_ideas'),
    sys_activity_plan: text('sys_activity_plan'),
    sys_activity_enroll: text('sys_activity_enroll'),
    sys_activity_xuanc: text('sys_activity_xuanc'),
    sys_incentive_plan: text('sys_incentive_plan'),
    sys_yuqi_result: text('sys_yuqi_result'),
    sys_refine_merge: text('sys_refine_merge'),
    sys_activity_simplify: text('sys_activity_simplify'),
    block_index: integer('block_index').notNull().default(0),
    total_tokens: integer('total_tokens').notNull().default(0),
    total_rmb: real('total_rmb').notNull().default(0),
    current_model: text('current_model'),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [index('process_data_user_idx').on(t.user_id)],
)

/**
 * Progress of a 人才发展 / 会议评审 run (prompt pipelines without a process_data record): the input it works
 * on and every section and step finished, so a run stopped by the budget, a model failure or a restart
 * continues where it stopped on 继续 (or on the redelivery of the message that started it).
 */
export const pipelineRuns = sqliteTable(
  'pipeline_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    conversation_id: text('conversation_id').notNull(),
    user_id: text('user_id').notNull(),
    /** The message that started the run. */
    msg_id: text('msg_id').notNull(),
    step_type: text('step_type').notNull(),
    version: text('version').notNull(),
    input: text('input').notNull(),
    /** JSON: the finished sections, [{ title, text }]. */
    sections: text('sections').notNull().default('[]'),
    /** JSON: outputs of the steps finished in the section under way. */
    steps: text('steps').notNull().default('[]'),
    /** 'running' | 'paused' | 'done' | 'cancelled'. */
    status: text('status').notNull(),
    tokens: integer('tokens').notNull().default(0),
    rmb: real('rmb').notNull().default(0),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index('pipeline_runs_conv_user_idx').on(t.conversation_id, t.user_id, t.status),
    index('pipeline_runs_msg_idx').on(t.msg_id),
  ],
)

/** One row per LLM request, for cost accounting. */
export const llmCalls = sqliteTable(
  'llm_calls',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    model: text('model').notNull(),
    intent: text('intent'),
    user_id: text('user_id'),
    msg_id: text('msg_id'),
    tokens_in: integer('tokens_in').notNull().default(0),
    tokens_out: integer('tokens_out').notNull().default(0),
    estimated: integer('estimated').notNull().default(0),
    cost_rmb: real('cost_rmb').notNull().default(0),
    latency_ms: integer('latency_ms').notNull().default(0),
    status: text('status').notNull().default('ok'),
    error: text('error'),
    use_date: text('use_date').notNull(),
    created_at: createdAt(),
  },
  (t) => [index('llm_calls_user_date_idx').on(t.user_id, t.use_date), index('llm_calls_date_idx').on(t.use_date)],
)

/** Scheduled jobs that must run once per period (weekly digest), across restarts. */
export const scheduledRuns = sqliteTable(
  'scheduled_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    job: text('job').notNull(),
    period: text('period').notNull(),
    status: text('status').notNull(),
    detail: text('detail'),
    created_at: createdAt(),
  },
  (t) => [uniqueIndex('scheduled_runs_job_period_uq').on(t.job, t.period)],
)

/** Small key/value facts about the database (cases_version: bumped by every import, so running bots rebuild their dictionary). */
export const appMeta = sqliteTable('app_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

/** Answers of API requests sent with an Idempotency-Key (src/db/idempotency.ts); scope = action:key. */
export const idempotentRequests = sqliteTable(
  'idempotent_requests',
  {
    scope: text('scope').primaryKey(),
    status: text('status').notNull(),
    http_status: integer('http_status'),
    content_type: text('content_type'),
    body: text('body'),
    started_at: integer('started_at').notNull(),
    finished_at: integer('finished_at'),
  },
  (t) => [index('idempotent_requests_started_idx').on(t.started_at)],
)

/** Latency histogram columns of usage_daily: h0 … h15, one per bucket of LATENCY_BUCKETS (src/db/usage-rollup.ts). */
const latencyBuckets = () =>
  Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`h${i}`, integer(`h${i}`).notNull().default(0)]))

/**
 * Daily usage rollup (src/db/usage-rollup.ts), kept in the transaction of every usage record: per day,
 * intent and 会话类型 ('' when none) the counts by status, 内容缺口, tokens, cost in micro-yuan and a
 * latency histogram in fixed buckets, so `统计` over a year reads a few thousand rows instead of a
 * million. The rollup tables are WITHOUT ROWID (set in the migration): a range read is one B-tree walk.
 */
export const usageDaily = sqliteTable(
  'usage_daily',
  {
    use_date: text('use_date').notNull(),
    intent: text('intent').notNull(),
    conversation_type: text('conversation_type').notNull(),
    n: integer('n').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    zero: integer('zero').notNull().default(0),
    tokens: integer('tokens').notNull().default(0),
    cost_micro: integer('cost_micro').notNull().default(0),
    lat_n: integer('lat_n').notNull().default(0),
    lat_max: integer('lat_max'),
    ...latencyBuckets(),
  },
  (t) => [primaryKey({ columns: [t.use_date, t.intent, t.conversation_type] })],
)

/** Records per user and day (top users, users per day), walked in user order. */
export const usageDailyUsers = sqliteTable(
  'usage_daily_users',
  {
    user_id: text('user_id').notNull(),
    use_date: text('use_date').notNull(),
    n: integer('n').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.user_id, t.use_date] }),
    index('usage_daily_users_date_idx').on(t.use_date, t.user_id, t.n),
  ],
)

/** Records per user and calendar month ("2026-11"): top users over long periods read whole months here. */
export const usageMonthlyUsers = sqliteTable(
  'usage_monthly_users',
  {
    month: text('month').notNull(),
    user_id: text('user_id').notNull(),
    n: integer('n').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.month, t.user_id] })],
)

/** Records per group chat and day (top groups). */
export const usageDailyGroups = sqliteTable(
  'usage_daily_groups',
  {
    dd_group_name: text('dd_group_name').notNull(),
    use_date: text('use_date').notNull(),
    n: integer('n').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.dd_group_name, t.use_date] })],
)

/** 内容缺口 questions per day, intent and 会话类型: how often, and when last asked. */
export const usageDailyGaps = sqliteTable(
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
