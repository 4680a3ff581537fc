import type { Db } from './client.js'

/**
 * The activity-design workflow record (seed ASaveAndyVardDtas / AGetAndyVarDatas): one row per
 * workflow, saved after every step with block_index, total_tokens, total_rmb and current_model.
 */

export const PROCESS_TEXT_FIELDS = [
  'user_id', 'user_name', 'enterprise_name', 'activity_beijing', 'activity_mubiao', 'activity_type', 'yixiang_course', 'fansan_mothed',
  'sys_survey_report', 'sys_activity_need', 'sys_content_select', 'user_content_select', 'sys_content_tuij', 'sys_activity_name',
  'user_activity_name', 'sys_activity_ideas', 'sys_activity_plan', 'sys_activity_enroll', 'sys_activity_xuanc', 'sys_incentive_plan',
  'sys_yuqi_result', 'sys_refine_merge', 'sys_activity_simplify', 'current_model',
] as const
export type ProcessTextField = (typeof PROCESS_TEXT_FIELDS)[number]

export type ProcessRow = { id: number; block_index: number; total_tokens: number; total_rmb: number; created_at: number; updated_at: number } & Record<
  ProcessTextField,
  string | null
>

export type ProcessPatch = Partial<Record<ProcessTextField, string | null>> & { block_index?: number }

const ALLOWED = new Set<string>([...PROCESS_TEXT_FIELDS, 'block_index'])

export function createProcess(db: Db, user: { user_id: string; user_name: string }, now: number): number {
  return Number(
    db.sqlite
      .prepare('INSERT INTO process_data (user_id, user_name, block_index, created_at, updated_at) VALUES (?, ?, 0, ?, ?)')
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
  const keys = Object.keys(patch).filter((k) => ALLOWED.has(k))
  if (keys.length === 0) return
  const sets = keys.map((k) => `${k} = ?`).join(', ')
  const values = keys.map((k) => (patch as Record<string, unknown>)[k] ?? null)
  db.sqlite.prepare(`UPDATE process_data SET ${sets}, updated_at = ? WHERE id = ?`).run(...values, now, id)
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
export function addProcessSpend(db: Db, id: number, tokens: number, rmb: number, model: string | undefined, now: number): void {
  if (tokens <= 0 && rmb <= 0) return
  db.sqlite
    .prepare('UPDATE process_data SET total_tokens = total_tokens + ?, total_rmb = round(total_rmb + ?, 6), current_model = COALESCE(?, current_model), updated_at = ? WHERE id = ?')
    .run(tokens, rmb, model ?? null, now, id)
}
