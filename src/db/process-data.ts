import type { Db } from './client.js'

/**
 * The activity-design workflow record (seed ASaveAndyVardDtas / AGetAndyVarDatas): one row per
 * workflow, saved after every step with block_index, total_tokens, total_rmb and current_model.
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

function known(values: ProcessDataValues): ProcessDataColumn[] {
  return PROCESS_DATA_COLUMNS.filter((c) => values[c] !== undefined)
}

export function insertProcessData(db: Db, values: ProcessDataValues, now: number): number {
  const cols = known(values)
  const names = [...cols.map((c) => `"${c}"`), 'created_at', 'updated_at']
  const res = db.sqlite
    .prepare(`INSERT INTO process_data (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`)
    .run(...cols.map((c) => values[c] ?? null), now, now)
  return Number(res.lastInsertRowid)
}

/** Updates the given columns of one row; returns the number of rows changed (0 when the id does not exist). */
export function updateProcessData(db: Db, id: number, values: ProcessDataValues, now: number): number {
  const cols = known(values)
  const sets = [...cols.map((c) => `"${c}" = ?`), 'updated_at = ?']
  return db.sqlite
    .prepare(`UPDATE process_data SET ${sets.join(', ')} WHERE id = ?`)
    .run(...cols.map((c) => values[c] ?? null), now, id).changes
}

export function processDataExists(db: Db, id: number): boolean {
  return db.sqlite.prepare('SELECT 1 FROM process_data WHERE id = ?').get(id) !== undefined
}

/** Every process_data row of a user, in block order. */
export function processDataOfUser(db: Db, userId: string): Array<Record<string, unknown>> {
  const cols = ['id', ...PROCESS_DATA_COLUMNS, 'created_at', 'updated_at'].map((c) => `"${c}"`).join(', ')
  return db.sqlite
    .prepare(`SELECT ${cols} FROM process_data WHERE user_id = ? ORDER BY block_index ASC, id ASC`)
    .all(userId) as Array<Record<string, unknown>>
}

export type ProcessRow = {
  id: number
  block_index: number
  total_tokens: number
  total_rmb: number
  created_at: number
  updated_at: number
} & Record<ProcessTextField, string | null>

export type ProcessPatch = Partial<Record<ProcessTextField, string | null>> & { block_index?: number }

const ALLOWED = new Set<string>([...PROCESS_TEXT_FIELDS, 'block_index'])

export function createProcess(db: Db, user: { user_id: string; user_name: string }, now: number): number {
  return Number(
    db.sqlite
      .prepare(
        'INSERT INTO process_data (user_id, user_name, block_index, created_at, updated_at) VALUES (?, ?, 0, ?, ?)',
      )
      .run(user.user_id, user.user_name, now, now).lastInsertRowid,
  )
}

export function getProcess(db: Db, id: number): ProcessRow | undefined {
  return db.sqlite.prepare('SELECT * FROM process_data WHERE id = ?').get(id) as ProcessRow | undefined
}

/** A user's workflow records, newest first (seed AGetAndyVarDatas). */
export function processesOfUser(db: Db, userId: string): ProcessRow[] {
  return db.sqlite.prepare('SELECT * FROM process_data WHERE user_id = ? ORDER BY id DESC').all(userId) as ProcessRow[]
}

/** Sets fields (only process_data's own columns; names are checked, values bound). */
export function updateProcess(db: Db, id: number, patch: ProcessPatch, now: number): void {
  updateProcessData(db, id, patch, now)
}

/** Saves one generated step: its text, the new block index, the spend added to the totals, the model. */
export function saveStepResult(
  db: Db,
  id: number,
  step: { field: ProcessTextField; text: string; blockIndex: number; tokens: number; rmb: number; model?: string },
  now: number,
): void {
  if (!ALLOWED.has(step.field)) throw new Error(`not a process_data field: ${step.field}`)
  db.sqlite
    .prepare(
      `UPDATE process_data SET ${step.field} = ?, block_index = ?, total_tokens = total_tokens + ?,
         total_rmb = round(total_rmb + ?, 6), current_model = COALESCE(?, current_model), updated_at = ? WHERE id = ?`,
    )
    .run(step.text, step.blockIndex, step.tokens, step.rmb, step.model ?? null, now, id)
}

/** Adds LLM spend that is not a step of its own (reading the inputs) to the record's totals. */
export function addProcessSpend(
  db: Db,
  id: number,
  tokens: number,
  rmb: number,
  model: string | undefined,
  now: number,
): void {
  if (tokens <= 0 && rmb <= 0) return
  db.sqlite
    .prepare(
      'UPDATE process_data SET total_tokens = total_tokens + ?, total_rmb = round(total_rmb + ?, 6), current_model = COALESCE(?, current_model), updated_at = ? WHERE id = ?',
    )
    .run(tokens, rmb, model ?? null, now, id)
}
