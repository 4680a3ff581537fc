import { sql } from 'drizzle-orm'
import { bigint, doublePrecision, index, integer, pgTable, text } from 'drizzle-orm/pg-core'

/**
 * The LLM features' tables on PostgreSQL: the same tables and columns as src/db/schema.ts (prompt tables,
 * the activity workflow's process data, prompt-pipeline runs, LLM calls for cost and budgets), times as
 * epoch milliseconds in bigint.
 */

const ms = (name: string) => bigint(name, { mode: 'number' })
const nowMs = sql`(extract(epoch from clock_timestamp()) * 1000)::bigint`
const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity()
const createdAt = () => ms('created_at').notNull().default(nowMs)
const updatedAt = () => ms('updated_at').notNull().default(nowMs)
const steps = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`step${i + 1}`, text(`step${i + 1}`)]))

export const pgPromptSteps = pgTable(
  'prompt_steps',
  {
    id: id(),
    version: text('version').notNull(),
    step_type: text('step_type').notNull(),
    step_name: text('step_name'),
    prompt: text('prompt'),
    ...steps(12),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [index('prompt_steps_version_type_idx').on(t.version, t.step_type)],
)

export const pgReportPrompts = pgTable(
  'report_prompts',
  {
    id: id(),
    app_catalog: text('app_catalog'),
    app_name: text('app_name'),
    app_id: text('app_id'),
    app_url: text('app_url'),
    currNodeInstanceId: text('currNodeInstanceId'),
    order_index: integer('order_index').notNull().default(0),
    prompt: text('prompt'),
    ...steps(3),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [index('report_prompts_catalog_idx').on(t.app_catalog, t.order_index)],
)

const PROCESS_TEXT = [
  'user_id',
  'user_name',
  'enterprise_name',
  'activity_beijing',
  'activity_mubiao',
  'activity_type',
  'yixiang_course',
  'fansan_mothed',
  'sys_survey_report',
  'sys_activity_need',
  'sys_content_select',
  'user_content_select',
  'sys_content_tuij',
  'sys_activity_name',
  'user_activity_name',
  'sys_activity_ideas',
  'sys_activity_plan',
  'sys_activity_enroll',
  'sys_activity_xuanc',
  'sys_incentive_plan',
  'sys_yuqi_result',
  'sys_refine_merge',
  'sys_activity_simplify',
] as const

export const pgProcessData = pgTable(
  'process_data',
  {
    id: id(),
    ...(Object.fromEntries(PROCESS_TEXT.map((c) => [c, text(c)])) as Record<
      (typeof PROCESS_TEXT)[number],
      ReturnType<typeof text>
    >),
    block_index: integer('block_index').notNull().default(0),
    total_tokens: bigint('total_tokens', { mode: 'number' }).notNull().default(0),
    total_rmb: doublePrecision('total_rmb').notNull().default(0),
    current_model: text('current_model'),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [index('process_data_user_idx').on(t.user_id)],
)

export const pgPipelineRuns = pgTable(
  'pipeline_runs',
  {
    id: id(),
    conversation_id: text('conversation_id').notNull(),
    user_id: text('user_id').notNull(),
    msg_id: text('msg_id').notNull(),
    step_type: text('step_type').notNull(),
    version: text('version').notNull(),
    input: text('input').notNull(),
    sections: text('sections').notNull().default('[]'),
    steps: text('steps').notNull().default('[]'),
    status: text('status').notNull(),
    tokens: bigint('tokens', { mode: 'number' }).notNull().default(0),
    rmb: doublePrecision('rmb').notNull().default(0),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index('pipeline_runs_conv_user_idx').on(t.conversation_id, t.user_id, t.status),
    index('pipeline_runs_msg_idx').on(t.msg_id),
  ],
)

export const pgLlmCalls = pgTable(
  'llm_calls',
  {
    id: id(),
    model: text('model').notNull(),
    intent: text('intent'),
    user_id: text('user_id'),
    msg_id: text('msg_id'),
    tokens_in: bigint('tokens_in', { mode: 'number' }).notNull().default(0),
    tokens_out: bigint('tokens_out', { mode: 'number' }).notNull().default(0),
    estimated: integer('estimated').notNull().default(0),
    cost_rmb: doublePrecision('cost_rmb').notNull().default(0),
    latency_ms: bigint('latency_ms', { mode: 'number' }).notNull().default(0),
    status: text('status').notNull().default('ok'),
    error: text('error'),
    use_date: text('use_date').notNull(),
    created_at: createdAt(),
  },
  (t) => [index('llm_calls_user_date_idx').on(t.user_id, t.use_date), index('llm_calls_date_idx').on(t.use_date)],
)

/**
 * The daily budget's reservations of LLM calls in flight, on every instance (src/db/pg/budget-reservations.ts):
 * a call's worst-case cost, held from before the call until its llm_calls row is written, or until
 * `expires_at` when its instance died meanwhile.
 */
export const pgLlmReservations = pgTable(
  'llm_reservations',
  {
    id: id(),
    user_id: text('user_id').notNull(),
    use_date: text('use_date').notNull(),
    rmb: doublePrecision('rmb').notNull(),
    msg_id: text('msg_id'),
    expires_at: ms('expires_at').notNull(),
  },
  (t) => [index('llm_reservations_user_date_idx').on(t.user_id, t.use_date)],
)
