import type { Db } from '../client.js'
import { stmt } from '../stmt.js'
import {
  nextVersion,
  type PipelineRun,
  type PipelineRunRow,
  type PipelineRunStore,
  PROCESS_TEXT_FIELDS,
  type ProcessDataStore,
  type ProcessDataValues,
  type ProcessRow,
  processColumnsOf,
  toPipelineRun,
} from './process-types.js'

/** process_data and pipeline_runs on SQLite (see process-types.ts for the row version). */

const STEP_FIELDS = new Set<string>(PROCESS_TEXT_FIELDS)

function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (err) {
    return Promise.reject(err as Error)
  }
}

function update(db: Db, id: number, values: ProcessDataValues, now: number, version?: number): number {
  const cols = processColumnsOf(values)
  const sets = [...cols.map((c) => `"${c}" = ?`), 'updated_at = max(?, updated_at + 1)']
  const where = version === undefined ? 'id = ?' : 'id = ? AND updated_at = ?'
  const args = [...cols.map((c) => values[c] ?? null), now, id, ...(version === undefined ? [] : [version])]
  return db.sqlite.prepare(`UPDATE process_data SET ${sets.join(', ')} WHERE ${where}`).run(...args).changes
}

export function sqliteProcessDataStore(db: Db): ProcessDataStore {
  return {
    insert: (values, now) =>
      settle(() => {
        const cols = processColumnsOf(values)
        const names = [...cols.map((c) => `"${c}"`), 'created_at', 'updated_at']
        const sql = `INSERT INTO process_data (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`
        return Number(db.sqlite.prepare(sql).run(...cols.map((c) => values[c] ?? null), now, now).lastInsertRowid)
      }),
    update: (id, values, now, version) => settle(() => update(db, id, values, now, version)),
    create: (user, now) =>
      settle(() =>
        Number(
          stmt(
            db,
            'INSERT INTO process_data (user_id, user_name, block_index, created_at, updated_at) VALUES (?, ?, 0, ?, ?)',
          ).run(user.user_id, user.user_name, now, now).lastInsertRowid,
        ),
      ),
    get: (id) => settle(() => stmt(db, 'SELECT * FROM process_data WHERE id = ?').get(id) as ProcessRow | undefined),
    listOfUser: (userId) =>
      settle(
        () => stmt(db, 'SELECT * FROM process_data WHERE user_id = ? ORDER BY id DESC').all(userId) as ProcessRow[],
      ),
    saveStep: (id, version, step, now) =>
      settle(() => {
        if (!STEP_FIELDS.has(step.field)) throw new Error(`not a process_data field: ${step.field}`)
        return (
          db.sqlite
            .prepare(
              `UPDATE process_data SET "${step.field}" = ?, block_index = ?, total_tokens = total_tokens + ?,
                 total_rmb = round(total_rmb + ?, 6), current_model = COALESCE(?, current_model), updated_at = ?
               WHERE id = ? AND updated_at = ?`,
            )
            .run(
              step.text,
              step.blockIndex,
              step.tokens,
              step.rmb,
              step.model ?? null,
              nextVersion(now, version),
              id,
              version,
            ).changes === 1
        )
      }),
    addSpend: (id, tokens, rmb, model, now) =>
      settle(() => {
        if (tokens <= 0 && rmb <= 0) return
        stmt(
          db,
          `UPDATE process_data SET total_tokens = total_tokens + ?, total_rmb = round(total_rmb + ?, 6),
             current_model = COALESCE(?, current_model), updated_at = max(?, updated_at + 1) WHERE id = ?`,
        ).run(tokens, rmb, model ?? null, now, id)
      }),
  }
}

const UNFINISHED = `status IN ('paused', 'running')`

function getRun(db: Db, id: number): PipelineRun | undefined {
  return toPipelineRun(stmt(db, 'SELECT * FROM pipeline_runs WHERE id = ?').get(id) as PipelineRunRow | undefined)
}

function closeRuns(db: Db, conversationId: string, userId: string, now: number): number {
  return stmt(
    db,
    `UPDATE pipeline_runs SET status = 'cancelled', updated_at = max(?, updated_at + 1)
      WHERE conversation_id = ? AND user_id = ? AND ${UNFINISHED}`,
  ).run(now, conversationId, userId).changes
}

export function sqlitePipelineRunStore(db: Db): PipelineRunStore {
  const start = db.sqlite.transaction((r: Parameters<PipelineRunStore['start']>[0], now: number) => {
    closeRuns(db, r.conversationId, r.userId, now)
    const id = stmt(
      db,
      `INSERT INTO pipeline_runs (conversation_id, user_id, msg_id, step_type, version, input, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
    ).run(r.conversationId, r.userId, r.msgId, r.stepType, r.version, r.input, now, now).lastInsertRowid
    return getRun(db, Number(id))!
  })
  return {
    start: (r, now) => settle(() => start(r, now)),
    get: (id) => settle(() => getRun(db, id)),
    ofMessage: (msgId, stepType) =>
      settle(() =>
        toPipelineRun(
          stmt(db, 'SELECT * FROM pipeline_runs WHERE msg_id = ? AND step_type = ? ORDER BY id DESC LIMIT 1').get(
            msgId,
            stepType,
          ) as PipelineRunRow | undefined,
        ),
      ),
    unfinished: (conversationId, userId) =>
      settle(() =>
        toPipelineRun(
          stmt(
            db,
            `SELECT * FROM pipeline_runs WHERE conversation_id = ? AND user_id = ? AND ${UNFINISHED} ORDER BY id DESC LIMIT 1`,
          ).get(conversationId, userId) as PipelineRunRow | undefined,
        ),
      ),
    save: (run, now) =>
      settle(() => {
        const next = nextVersion(now, run.updatedAt)
        const changed = stmt(
          db,
          `UPDATE pipeline_runs SET sections = ?, steps = ?, status = ?, tokens = ?, rmb = ?, updated_at = ?
            WHERE id = ? AND updated_at = ?`,
        ).run(
          JSON.stringify(run.sections),
          JSON.stringify(run.steps),
          run.status,
          run.tokens,
          run.rmb,
          next,
          run.id,
          run.updatedAt,
        ).changes
        if (changed === 1) run.updatedAt = next
        return changed === 1
      }),
    close: (conversationId, userId, now) => settle(() => closeRuns(db, conversationId, userId, now)),
  }
}
