/**
 * The stores of the LLM workflows' progress: the 运营活动设计 record (process_data, seed ASaveAndyVardDtas /
 * AGetAndyVarDatas) and the 人才发展 / 会议评审 runs (pipeline_runs). SQLite: sqlite-process.ts;
 * PostgreSQL: pg/process-store.ts.
 *
 * Several instances may touch one record (a message taken over after a lease expired while its old
 * instance still runs; 取消 answered by another instance): `updated_at` doubles as the row version. Every
 * write moves it strictly forward (max(now, updated_at + 1)), and a write that advances a workflow names
 * the version it read — when the row moved on meanwhile, nothing is written and the writer is told.
 */

/** Writable columns of process_data, in the seed's order. */
export const PROCESS_DATA_COLUMNS = [
  'user_id',
  'user_name',
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
  'fansan_mothed',
  'yixiang_course',
  'activity_type',
  'block_index',
  'total_tokens',
  'total_rmb',
  'current_model',
  'activity_beijing',
  'activity_mubiao',
  'enterprise_name',
] as const

export type ProcessDataColumn = (typeof PROCESS_DATA_COLUMNS)[number]
export type ProcessTextField = Exclude<ProcessDataColumn, 'block_index' | 'total_tokens' | 'total_rmb'>
const NUMERIC_COLUMNS = new Set<ProcessDataColumn>(['block_index', 'total_tokens', 'total_rmb'])
/** The text fields (everything but the counters), e.g. for templating the workflow's prompts. */
export const PROCESS_TEXT_FIELDS = PROCESS_DATA_COLUMNS.filter((c): c is ProcessTextField => !NUMERIC_COLUMNS.has(c))
export type ProcessDataValues = Partial<Record<ProcessDataColumn, string | number | null>>

/** The given columns of `values`, in column order (the only names that ever reach SQL). */
export function processColumnsOf(values: ProcessDataValues): ProcessDataColumn[] {
  return PROCESS_DATA_COLUMNS.filter((c) => values[c] !== undefined)
}

export type ProcessRow = {
  id: number
  block_index: number
  total_tokens: number
  total_rmb: number
  created_at: number
  /** Also the row version (see above). */
  updated_at: number
} & Record<ProcessTextField, string | null>

/** One generated step of a workflow: its text, the new block index, the spend added to the totals, the model. */
export interface ProcessStep {
  field: ProcessTextField
  text: string
  blockIndex: number
  tokens: number
  rmb: number
  model?: string
}

export interface ProcessDataStore {
  /** A record with the given columns (the HTTP API's 创建); its id. */
  insert(values: ProcessDataValues, now: number): Promise<number>
  /**
   * Sets the given columns of one record; the number of rows changed (0 when the id does not exist, or
   * when `version` is given and the record is no longer at that version).
   */
  update(id: number, values: ProcessDataValues, now: number, version?: number): Promise<number>
  /** A new workflow record of a user at block 0; its id. */
  create(user: { user_id: string; user_name: string }, now: number): Promise<number>
  get(id: number): Promise<ProcessRow | undefined>
  /** A user's records, newest first. */
  listOfUser(userId: string): Promise<ProcessRow[]>
  /** Saves a generated step if the record is still at `version`; false (nothing written) when it moved on. */
  saveStep(id: number, version: number, step: ProcessStep, now: number): Promise<boolean>
  /** Adds LLM spend that is not a step of its own (reading the inputs) to the record's totals. */
  addSpend(id: number, tokens: number, rmb: number, model: string | undefined, now: number): Promise<void>
}

export type PipelineRunStatus = 'running' | 'paused' | 'done' | 'cancelled'

export interface PipelineSection {
  title: string
  /** What was shown. */
  text: string
  /** The section's last step output: the next section's {{prev}}. */
  last?: string
}

/** Progress of a 人才发展 / 会议评审 run. */
export interface PipelineRun {
  id: number
  conversationId: string
  userId: string
  msgId: string
  stepType: string
  version: string
  input: string
  /** Sections finished (and shown), in order. */
  sections: PipelineSection[]
  /** Outputs of the steps finished in the section under way. */
  steps: string[]
  status: PipelineRunStatus
  tokens: number
  rmb: number
  /** Also the row version this copy was read (or last saved) at. */
  updatedAt: number
}

export type NewPipelineRun = Pick<PipelineRun, 'conversationId' | 'userId' | 'msgId' | 'stepType' | 'version' | 'input'>

export interface PipelineRunStore {
  /** A new run (status running); the user's unfinished runs in the conversation end (cancelled) in the same transaction. */
  start(r: NewPipelineRun, now: number): Promise<PipelineRun>
  get(id: number): Promise<PipelineRun | undefined>
  /** The run a message started (to continue it when the message is handled again after a restart). */
  ofMessage(msgId: string, stepType: string): Promise<PipelineRun | undefined>
  /** The user's unfinished run in a conversation (paused, or running when its process stopped), newest first. */
  unfinished(conversationId: string, userId: string): Promise<PipelineRun | undefined>
  /**
   * Saves what the run has finished (sections, steps, status, spend) if the row is still at
   * `run.updatedAt`, and moves `run.updatedAt` to the new version. False, with nothing written, when the
   * row moved on meanwhile (another instance advanced it, or 取消 ended it).
   */
  save(run: PipelineRun, now: number): Promise<boolean>
  /** Ends every unfinished run of the user in the conversation (取消); how many. */
  close(conversationId: string, userId: string, now: number): Promise<number>
}

/** The workflows' progress: one field of `Stores`. */
export interface WorkflowStores {
  readonly processData: ProcessDataStore
  readonly pipelineRuns: PipelineRunStore
}

/** The version a write at `now` gives a row that was at `version`: strictly later, never behind the clock. */
export function nextVersion(now: number, version: number): number {
  return Math.max(now, version + 1)
}

function parseList<T>(json: string): T[] {
  try {
    const v = JSON.parse(json) as unknown
    return Array.isArray(v) ? (v as T[]) : []
  } catch {
    return []
  }
}

/** A pipeline_runs row (either engine) as a run. */
export interface PipelineRunRow {
  id: number
  conversation_id: string
  user_id: string
  msg_id: string
  step_type: string
  version: string
  input: string
  sections: string
  steps: string
  status: PipelineRunStatus
  tokens: number
  rmb: number
  updated_at: number
}

export function toPipelineRun(r: PipelineRunRow | undefined): PipelineRun | undefined {
  if (!r) return undefined
  return {
    id: r.id,
    conversationId: r.conversation_id,
    userId: r.user_id,
    msgId: r.msg_id,
    stepType: r.step_type,
    version: r.version,
    input: r.input,
    sections: parseList<PipelineSection>(r.sections),
    steps: parseList<string>(r.steps),
    status: r.status,
    tokens: r.tokens,
    rmb: r.rmb,
    updatedAt: r.updated_at,
  }
}
