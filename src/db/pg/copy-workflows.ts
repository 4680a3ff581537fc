import { getTableColumns } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type pg from 'pg'
import type { Db } from '../client.js'
import { conversationState } from './schema.js'
import { pgPipelineRuns, pgProcessData } from './schema-llm.js'
import { inTransaction } from './tx.js'

/**
 * Moving from the single file to PostgreSQL (`andy migrate`): the workflows under way come along — the
 * 运营活动设计 records (process_data), the 人才发展 / 会议评审 runs (pipeline_runs) and the conversations'
 * pointers to a design (conversation_state.workflow, with each user's last search) — so a rep continues on
 * several instances where the single one stopped.
 *
 * Idempotent: a row already copied is recognised by what identifies it in either engine (a design: its user
 * and creation time; a run: the message that started it; a conversation: its id and user), never copied
 * twice, and updated only when the file's row is newer (work continued on the file meanwhile). Ids are kept
 * when PostgreSQL does not use them yet, else a new one is taken; the pointers follow the designs' ids; the
 * identity sequences then start after the largest id.
 */

const LOCK = 'andy:copy-workflows'

export interface WorkflowCopy {
  /** process_data rows written (new or newer). */
  readonly designs: number
  /** pipeline_runs rows written. */
  readonly runs: number
  /** conversation_state rows written. */
  readonly conversations: number
}

type Row = Record<string, unknown>

interface Copied {
  readonly table: string
  readonly columns: readonly string[]
  /** The columns that recognise a row already copied (besides the id, preferred when it matches too). */
  readonly identity: readonly string[]
}

const TIME_COLUMNS = new Set(['created_at', 'updated_at'])

function spec(table: string, pgTable: PgTable, identity: readonly string[]): Copied {
  return { table, columns: Object.values(getTableColumns(pgTable)).map((c) => c.name), identity }
}

const DESIGNS = spec('process_data', pgProcessData, ['user_id', 'created_at'])
const RUNS = spec('pipeline_runs', pgPipelineRuns, ['msg_id', 'step_type', 'conversation_id', 'user_id'])

/** A file's value as PostgreSQL takes it: times as whole milliseconds (SQLite's default is fractional). */
function value(column: string, v: unknown): unknown {
  return TIME_COLUMNS.has(column) && typeof v === 'number' ? Math.round(v) : v
}

function readLocal(local: Db, table: string): Row[] {
  // Table names come from the schema above, never from input.
  return local.sqlite.prepare(`SELECT * FROM ${table} ORDER BY id`).all() as Row[]
}

/** Copies one table's rows; the file's id → PostgreSQL's id of every row (copied now or before). */
async function copyRows(
  client: pg.PoolClient,
  s: Copied,
  rows: readonly Row[],
): Promise<{ ids: Map<number, number>; written: number }> {
  const ids = new Map<number, number>()
  const claimed = new Set<number>()
  const cols = s.columns.filter((c) => c !== 'id')
  const quoted = (names: readonly string[]) => names.map((c) => `"${c}"`).join(', ')
  const params = (names: readonly string[], from = 1) => names.map((_, i) => `$${i + from}`).join(', ')
  let written = 0
  for (const row of rows) {
    const localId = Number(row.id)
    const found = await client.query<{ id: number; updated_at: number }>(
      `SELECT id, updated_at FROM ${s.table} WHERE ${s.identity.map((c, i) => `"${c}" IS NOT DISTINCT FROM $${i + 1}`).join(' AND ')} ORDER BY id`,
      s.identity.map((c) => value(c, row[c])),
    )
    const same = found.rows.filter((r) => !claimed.has(Number(r.id)))
    const match = same.find((r) => Number(r.id) === localId) ?? same[0]
    const values = cols.map((c) => value(c, row[c]))
    let pgId: number
    if (match) {
      pgId = Number(match.id)
      if (Number(match.updated_at) < Number(value('updated_at', row.updated_at))) {
        await client.query(
          `UPDATE ${s.table} SET ${cols.map((c, i) => `"${c}" = $${i + 2}`).join(', ')} WHERE id = $1`,
          [pgId, ...values],
        )
        written++
      }
    } else {
      const kept = await client.query<{ id: number }>(
        `INSERT INTO ${s.table} (id, ${quoted(cols)}) VALUES ($1, ${params(cols, 2)}) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [localId, ...values],
      )
      if (kept.rows[0]) pgId = Number(kept.rows[0].id)
      else {
        // The id is taken by a row of PostgreSQL's own: a new one, after every id used so far.
        await resetSequence(client, s.table)
        const fresh = await client.query<{ id: number }>(
          `INSERT INTO ${s.table} (${quoted(cols)}) VALUES (${params(cols)}) RETURNING id`,
          values,
        )
        pgId = Number(fresh.rows[0]!.id)
      }
      written++
    }
    claimed.add(pgId)
    ids.set(localId, pgId)
  }
  await resetSequence(client, s.table)
  return { ids, written }
}

/** The identity sequence of `table` continues after its largest id (rows were inserted with their ids). */
async function resetSequence(client: pg.PoolClient, table: string): Promise<void> {
  await client.query(
    `SELECT setval(pg_get_serial_sequence('${table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM ${table}`,
  )
}

/** A stored workflow pointer ({ kind: 'activity', processId, … }) with the design's id in PostgreSQL. */
export function remapWorkflow(workflow: unknown, designIds: ReadonlyMap<number, number>): unknown {
  if (typeof workflow !== 'string' || !workflow) return workflow
  try {
    const wf = JSON.parse(workflow) as { processId?: unknown }
    const to = typeof wf.processId === 'number' ? designIds.get(wf.processId) : undefined
    return to === undefined || to === wf.processId ? workflow : JSON.stringify({ ...wf, processId: to })
  } catch {
    return workflow
  }
}

/** The conversations' state (last search, workflow pointer): inserted, or taking the place of an older row. */
async function copyConversations(
  client: pg.PoolClient,
  rows: readonly Row[],
  designIds: ReadonlyMap<number, number>,
): Promise<number> {
  const cols = Object.values(getTableColumns(conversationState))
    .map((c) => c.name)
    .filter((c) => c !== 'id')
  let written = 0
  for (const row of rows) {
    const values = cols.map((c) => (c === 'workflow' ? remapWorkflow(row[c], designIds) : value(c, row[c])))
    const r = await client.query(
      `INSERT INTO conversation_state (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})
         ON CONFLICT (conversation_id, user_id) DO UPDATE SET last_search = excluded.last_search,
           workflow = excluded.workflow, updated_at = excluded.updated_at
         WHERE conversation_state.updated_at < excluded.updated_at`,
      values,
    )
    written += r.rowCount ?? 0
  }
  return written
}

/** Copies the file's workflows into PostgreSQL in one transaction (one copy at a time across machines). */
export async function copyWorkflowsToPg(pool: pg.Pool, local: Db): Promise<WorkflowCopy> {
  const designs = readLocal(local, DESIGNS.table)
  const runs = readLocal(local, RUNS.table)
  const conversations = readLocal(local, 'conversation_state')
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK])
    const d = await copyRows(client, DESIGNS, designs)
    const r = await copyRows(client, RUNS, runs)
    const c = await copyConversations(client, conversations, d.ids)
    return { designs: d.written, runs: r.written, conversations: c }
  })
}
