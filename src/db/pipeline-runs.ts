import type { Db } from './client.js'
import { stmt } from './stmt.js'

/** Progress of a 人才发展 / 会议评审 run (table pipeline_runs, see schema.ts). */

export type PipelineRunStatus = 'running' | 'paused' | 'done' | 'cancelled'

export interface PipelineSection {
  title: string
  /** What was shown. */
  text: string
  /** The section's last step output: the next section's {{prev}}. */
  last?: string
}

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
  updatedAt: number
}

interface Row {
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

function parseList<T>(json: string): T[] {
  try {
    const v = JSON.parse(json) as unknown
    return Array.isArray(v) ? (v as T[]) : []
  } catch {
    return []
  }
}

function toRun(r: Row | undefined): PipelineRun | undefined {
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

export function createPipelineRun(
  db: Db,
  r: { conversationId: string; userId: string; msgId: string; stepType: string; version: string; input: string },
  now: number,
): PipelineRun {
  const id = Number(
    stmt(
      db,
      `INSERT INTO pipeline_runs (conversation_id, user_id, msg_id, step_type, version, input, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
    ).run(r.conversationId, r.userId, r.msgId, r.stepType, r.version, r.input, now, now).lastInsertRowid,
  )
  return getPipelineRun(db, id)!
}

export function getPipelineRun(db: Db, id: number): PipelineRun | undefined {
  return toRun(stmt(db, 'SELECT * FROM pipeline_runs WHERE id = ?').get(id) as Row | undefined)
}

/** The run a message started (to continue it when the message is handled again after a restart). */
export function pipelineRunOfMessage(db: Db, msgId: string, stepType: string): PipelineRun | undefined {
  return toRun(
    stmt(db, 'SELECT * FROM pipeline_runs WHERE msg_id = ? AND step_type = ? ORDER BY id DESC LIMIT 1').get(
      msgId,
      stepType,
    ) as Row | undefined,
  )
}

/** The user's unfinished run in a conversation (paused, or running when the process stopped), newest first. */
export function unfinishedPipelineRun(db: Db, conversationId: string, userId: string): PipelineRun | undefined {
  return toRun(
    stmt(
      db,
      `SELECT * FROM pipeline_runs WHERE conversation_id = ? AND user_id = ? AND status IN ('paused', 'running') ORDER BY id DESC LIMIT 1`,
    ).get(conversationId, userId) as Row | undefined,
  )
}

/** Saves what a run has finished so far (and its status). */
export function savePipelineRun(db: Db, run: PipelineRun, now: number): void {
  stmt(
    db,
    'UPDATE pipeline_runs SET sections = ?, steps = ?, status = ?, tokens = ?, rmb = ?, updated_at = ? WHERE id = ?',
  ).run(JSON.stringify(run.sections), JSON.stringify(run.steps), run.status, run.tokens, run.rmb, now, run.id)
  run.updatedAt = now
}

/** Ends every unfinished run of the user in the conversation (a new run supersedes them; 取消). Returns how many. */
export function closePipelineRuns(db: Db, conversationId: string, userId: string, now: number, exceptId = 0): number {
  return stmt(
    db,
    `UPDATE pipeline_runs SET status = 'cancelled', updated_at = ? WHERE conversation_id = ? AND user_id = ? AND status IN ('paused', 'running') AND id <> ?`,
  ).run(now, conversationId, userId, exceptId).changes
}
