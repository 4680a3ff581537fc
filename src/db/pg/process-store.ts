import type pg from 'pg'
import {
  nextVersion,
  type PipelineRunRow,
  type PipelineRunStore,
  PROCESS_TEXT_FIELDS,
  type ProcessDataStore,
  type ProcessDataValues,
  type ProcessRow,
  processColumnsOf,
  toPipelineRun,
} from '../stores/process-types.js'
import { inTransaction, type Query } from './tx.js'

/** process_data and pipeline_runs on PostgreSQL (see stores/process-types.ts for the row version). */

const STEP_FIELDS = new Set<string>(PROCESS_TEXT_FIELDS)
/** Every write moves the version strictly forward. */
const BUMP = 'updated_at = greatest($1::bigint, updated_at + 1)'
const ROUND_RMB = (param: string) => `round((total_rmb + ${param}::float8)::numeric, 6)::float8`

async function update(pool: pg.Pool, id: number, values: ProcessDataValues, now: number, version?: number) {
  const cols = processColumnsOf(values)
  const args: unknown[] = [now, id, ...cols.map((c) => values[c] ?? null)]
  const sets = [BUMP, ...cols.map((c, i) => `"${c}" = $${i + 3}`)]
  let where = 'id = $2'
  if (version !== undefined) {
    args.push(version)
    where += ` AND updated_at = $${args.length}`
  }
  return (await pool.query(`UPDATE process_data SET ${sets.join(', ')} WHERE ${where}`, args)).rowCount ?? 0
}

export function pgProcessDataStore(pool: pg.Pool): ProcessDataStore {
  return {
    async insert(values, now) {
      const cols = processColumnsOf(values)
      const names = [...cols.map((c) => `"${c}"`), 'created_at', 'updated_at']
      const r = await pool.query<{ id: number }>(
        `INSERT INTO process_data (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
        [...cols.map((c) => values[c] ?? null), now, now],
      )
      return r.rows[0]!.id
    },
    update: (id, values, now, version) => update(pool, id, values, now, version),
    async create(user, now) {
      const r = await pool.query<{ id: number }>(
        `INSERT INTO process_data (user_id, user_name, block_index, created_at, updated_at) VALUES ($1, $2, 0, $3, $3) RETURNING id`,
        [user.user_id, user.user_name, now],
      )
      return r.rows[0]!.id
    },
    async get(id) {
      return (await pool.query<ProcessRow>('SELECT * FROM process_data WHERE id = $1', [id])).rows[0]
    },
    async listOfUser(userId) {
      return (await pool.query<ProcessRow>('SELECT * FROM process_data WHERE user_id = $1 ORDER BY id DESC', [userId]))
        .rows
    },
    async saveStep(id, version, step, now) {
      if (!STEP_FIELDS.has(step.field)) throw new Error(`not a process_data field: ${step.field}`)
      const r = await pool.query(
        `UPDATE process_data SET "${step.field}" = $3, block_index = $4, total_tokens = total_tokens + $5,
           total_rmb = ${ROUND_RMB('$6')}, current_model = COALESCE($7, current_model), updated_at = $8
         WHERE id = $1 AND updated_at = $2`,
        [id, version, step.text, step.blockIndex, step.tokens, step.rmb, step.model ?? null, nextVersion(now, version)],
      )
      return r.rowCount === 1
    },
    async addSpend(id, tokens, rmb, model, now) {
      if (tokens <= 0 && rmb <= 0) return
      await pool.query(
        `UPDATE process_data SET ${BUMP}, total_tokens = total_tokens + $3, total_rmb = ${ROUND_RMB('$4')},
           current_model = COALESCE($5, current_model) WHERE id = $2`,
        [now, id, tokens, rmb, model ?? null],
      )
    },
  }
}

const UNFINISHED = `status IN ('paused', 'running')`

async function closeRuns(q: Query, conversationId: string, userId: string, now: number): Promise<number> {
  const r = await q.query(
    `UPDATE pipeline_runs SET status = 'cancelled', ${BUMP} WHERE conversation_id = $2 AND user_id = $3 AND ${UNFINISHED}`,
    [now, conversationId, userId],
  )
  return r.rowCount ?? 0
}

async function oneRun(q: Query, sql: string, args: unknown[]) {
  return toPipelineRun((await q.query<PipelineRunRow>(sql, args)).rows[0])
}

export function pgPipelineRunStore(pool: pg.Pool): PipelineRunStore {
  return {
    start: (r, now) =>
      inTransaction(pool, async (client) => {
        await closeRuns(client, r.conversationId, r.userId, now)
        return (await oneRun(
          client,
          `INSERT INTO pipeline_runs (conversation_id, user_id, msg_id, step_type, version, input, status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $7) RETURNING *`,
          [r.conversationId, r.userId, r.msgId, r.stepType, r.version, r.input, now],
        ))!
      }),
    get: (id) => oneRun(pool, 'SELECT * FROM pipeline_runs WHERE id = $1', [id]),
    ofMessage: (msgId, stepType) =>
      oneRun(pool, 'SELECT * FROM pipeline_runs WHERE msg_id = $1 AND step_type = $2 ORDER BY id DESC LIMIT 1', [
        msgId,
        stepType,
      ]),
    unfinished: (conversationId, userId) =>
      oneRun(
        pool,
        `SELECT * FROM pipeline_runs WHERE conversation_id = $1 AND user_id = $2 AND ${UNFINISHED} ORDER BY id DESC LIMIT 1`,
        [conversationId, userId],
      ),
    async save(run, now) {
      const next = nextVersion(now, run.updatedAt)
      const r = await pool.query(
        `UPDATE pipeline_runs SET sections = $3, steps = $4, status = $5, tokens = $6, rmb = $7, updated_at = $8
          WHERE id = $1 AND updated_at = $2`,
        [
          run.id,
          run.updatedAt,
          JSON.stringify(run.sections),
          JSON.stringify(run.steps),
          run.status,
          run.tokens,
          run.rmb,
          next,
        ],
      )
      if (r.rowCount === 1) run.updatedAt = next
      return r.rowCount === 1
    },
    close: (conversationId, userId, now) => closeRuns(pool, conversationId, userId, now),
  }
}
