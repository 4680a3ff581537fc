import type pg from 'pg'
import type { Claim } from '../idempotency.js'
import { KEEP_MS } from '../idempotency.js'
import type { ScheduledRun } from '../scheduled-runs.js'
import type { ConversationStateRow } from '../state.js'
import type { IdempotencyStore, MetaStore, ScheduledRunStore, StateStore, Stores } from '../stores/types.js'
import { CASES_CHANNEL, changeCases } from './case-sync.js'
import type { PgDb } from './client.js'
import { pgInboxStore } from './inbox-store.js'
import { pgLlmStores } from './llm-store.js'
import { pgOutboxStore } from './outbox-store.js'
import { pgPipelineRunStore, pgProcessDataStore } from './process-store.js'
import { pgUsageReadStore } from './usage-read.js'

export { CASES_CHANNEL }

/** The stores on PostgreSQL: the state every Andy instance shares (DATABASE_URL). */
export function createPgStores(db: PgDb): Stores {
  const { pool } = db
  return {
    dialect: 'postgres',
    cases: { change: (local, change) => changeCases(pool, local, change) },
    inbox: pgInboxStore(pool),
    outbox: pgOutboxStore(pool),
    state: pgStateStore(pool),
    scheduledRuns: pgScheduledRunStore(pool),
    idempotency: pgIdempotencyStore(pool),
    meta: pgMetaStore(pool),
    usage: pgUsageReadStore(pool),
    workflows: { processData: pgProcessDataStore(pool), pipelineRuns: pgPipelineRunStore(pool) },
    llm: pgLlmStores(pool),
    close: () => db.close(),
  }
}

function pgStateStore(pool: pg.Pool): StateStore {
  return {
    async get(c, u) {
      return (
        await pool.query<ConversationStateRow>(
          'SELECT last_search, workflow FROM conversation_state WHERE conversation_id = $1 AND user_id = $2',
          [c, u],
        )
      ).rows[0]
    },
    async setLastSearch(c, u, json, now) {
      await pool.query(
        `INSERT INTO conversation_state (conversation_id, user_id, last_search, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (conversation_id, user_id) DO UPDATE SET last_search = excluded.last_search, updated_at = excluded.updated_at`,
        [c, u, json, now],
      )
    },
    async setWorkflow(c, u, json, now) {
      await pool.query(
        `INSERT INTO conversation_state (conversation_id, user_id, workflow, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (conversation_id, user_id) DO UPDATE SET workflow = excluded.workflow, updated_at = excluded.updated_at`,
        [c, u, json, now],
      )
    },
  }
}

function pgScheduledRunStore(pool: pg.Pool): ScheduledRunStore {
  return {
    async claim(job, period, detail) {
      const r = await pool.query(
        `INSERT INTO scheduled_runs (job, period, status, detail) VALUES ($1, $2, 'claimed', $3) ON CONFLICT (job, period) DO NOTHING`,
        [job, period, detail],
      )
      return r.rowCount === 1
    },
    async takeOver(job, period, detail, staleBefore) {
      const r = await pool.query(
        `UPDATE scheduled_runs SET status = 'claimed', detail = $3
          WHERE job = $1 AND period = $2 AND (status = 'failed' OR (status = 'claimed' AND coalesce((detail::jsonb ->> 'claimedAt')::bigint, 0) < $4))`,
        [job, period, detail, staleBefore],
      )
      return r.rowCount === 1
    },
    async get(job, period) {
      return (
        await pool.query<ScheduledRun>('SELECT * FROM scheduled_runs WHERE job = $1 AND period = $2', [job, period])
      ).rows[0]
    },
    async update(job, period, status, detail) {
      await pool.query('UPDATE scheduled_runs SET status = $3, detail = $4 WHERE job = $1 AND period = $2', [
        job,
        period,
        status,
        detail,
      ])
    },
    async list(job) {
      return (await pool.query<ScheduledRun>('SELECT * FROM scheduled_runs WHERE job = $1 ORDER BY id', [job])).rows
    },
  }
}

function pgIdempotencyStore(pool: pg.Pool): IdempotencyStore {
  let lastPrune = 0
  const idempotency: IdempotencyStore = {
    async claim(scope, now, staleMs): Promise<Claim> {
      if (now - lastPrune >= 3_600_000) {
        lastPrune = now
        await pool.query('DELETE FROM idempotent_requests WHERE started_at < $1', [now - KEEP_MS])
      }
      // One statement decides: a new scope is inserted; a stale running one is taken over; else the row is read.
      const taken = await pool.query(
        `INSERT INTO idempotent_requests (scope, status, started_at) VALUES ($1, 'running', $2)
           ON CONFLICT (scope) DO UPDATE SET started_at = excluded.started_at
           WHERE idempotent_requests.status = 'running' AND idempotent_requests.started_at <= $3`,
        [scope, now, now - staleMs],
      )
      if (taken.rowCount === 1) return { state: 'new' }
      const row = (
        await pool.query<{
          status: string
          http_status: number | null
          content_type: string | null
          body: string | null
        }>('SELECT status, http_status, content_type, body FROM idempotent_requests WHERE scope = $1', [scope])
      ).rows[0]
      if (!row) return idempotency.claim(scope, now, staleMs)
      if (row.status === 'done')
        return {
          state: 'done',
          status: row.http_status ?? 200,
          contentType: row.content_type ?? 'application/json; charset=utf-8',
          body: row.body ?? '',
        }
      return { state: 'running' }
    },
    async finish(scope, status, contentType, body, now) {
      await pool.query(
        `UPDATE idempotent_requests SET status = 'done', http_status = $2, content_type = $3, body = $4, finished_at = $5 WHERE scope = $1`,
        [scope, status, contentType, body, now],
      )
    },
    async release(scope) {
      await pool.query('DELETE FROM idempotent_requests WHERE scope = $1', [scope])
    },
  }
  return idempotency
}

function pgMetaStore(pool: pg.Pool): MetaStore {
  const meta: MetaStore = {
    async get(key) {
      return (await pool.query<{ value: string }>('SELECT value FROM app_meta WHERE key = $1', [key])).rows[0]?.value
    },
    async set(key, value) {
      await pool.query(
        'INSERT INTO app_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        [key, value],
      )
    },
    async bumpCasesVersion() {
      const r = await pool.query<{ value: string }>(
        `INSERT INTO app_meta (key, value) VALUES ('cases_version', '1')
           ON CONFLICT (key) DO UPDATE SET value = (app_meta.value::bigint + 1)::text RETURNING value`,
      )
      await pool.query('SELECT pg_notify($1, $2)', [CASES_CHANNEL, r.rows[0]!.value])
    },
    async casesVersion() {
      return (await meta.get('cases_version')) ?? '0'
    },
  }
  return meta
}
