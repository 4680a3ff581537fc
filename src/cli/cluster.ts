import type { App } from '../app.js'
import { liveRuns } from '../bot/live-runs.js'
import { localCopyVersion, pgCasesVersion, pullCases } from '../db/pg/case-sync.js'
import { openPg, type PgDb } from '../db/pg/client.js'
import { CANCEL_CHANNEL, INBOX_CHANNEL } from '../db/pg/inbox-store.js'
import { listenPg } from '../db/pg/listen.js'
import { pgSendBudget } from '../db/pg/send-budget.js'
import { CASES_CHANNEL, createPgStores } from '../db/pg/stores.js'
import type { Stores } from '../db/stores/types.js'
import { SlidingWindowLimiter } from '../transport/rate-limiter.js'
import { type Limiter, SharedLimiter } from '../transport/shared-limiter.js'
import type { Runtime } from './bootstrap.js'

/**
 * `andy start` with DATABASE_URL: one of several instances on one PostgreSQL. The shared state (inbox with
 * leases, outbox, conversation state, usage records and their rollup, scheduled runs, idempotency, LLM
 * calls and budgets, prompt tables, process data and pipeline runs) is in PostgreSQL; the case tables too,
 * copied into this instance's DB_PATH file for search. Every feature works on several instances.
 */
export interface Cluster {
  readonly pg: PgDb
  readonly stores: Stores
  /** DingTalk's send budgets shared by every instance: per API path (per app) and per conversation. */
  readonly limiters: { readonly api: Limiter; readonly conversations: Limiter }
}

/** DingTalk's budgets (dingtalk.md): 20 calls/s per API path per app; 20 messages/min per conversation, 5 kept for short answers. */
function sharedLimiters(pool: PgDb['pool']): Cluster['limiters'] {
  const budget = pgSendBudget(pool)
  const api = { limit: 20, windowMs: 1000 }
  const conv = { limit: 20, windowMs: 60_000, reserveHigh: 5 }
  return {
    api: new SharedLimiter(new SlidingWindowLimiter(api), budget, { scope: 'api', ...api }),
    conversations: new SharedLimiter(new SlidingWindowLimiter(conv), budget, { scope: 'conversation', ...conv }),
  }
}

/** Opens PostgreSQL (migrations applied), the stores on it, and brings the local copy of the cases up to date. */
export async function openCluster(rt: Runtime): Promise<Cluster> {
  const db = await openPg(rt.config.databaseUrl!, { migrate: true })
  try {
    const stores = createPgStores(db)
    if ((await pgCasesVersion(db.pool)) !== '0') {
      const v = await pullCases(db.pool, rt.db)
      if (v) rt.logger.info({ casesVersion: v }, 'case tables copied from PostgreSQL')
    } else
      rt.logger.warn(
        'PostgreSQL has no case data yet: import with andy import (or andy migrate from a DB_PATH that has it)',
      )
    return { pg: db, stores, limiters: sharedLimiters(db.pool) }
  } catch (err) {
    await db.close()
    throw err
  }
}

/**
 * Runs `job` now unless it runs already; then once more, `gapMs` after it ended, if it was asked again
 * meanwhile (a burst of NOTIFYs — one per finished message — costs a few scans, not one each).
 */
function coalesced(job: () => Promise<void>, gapMs: number): () => void {
  let running = false
  let again = false
  const go = (): void => {
    if (running) {
      again = true
      return
    }
    running = true
    void job().finally(() => {
      const t = setTimeout(() => {
        running = false
        if (again) {
          again = false
          go()
        }
      }, gapMs)
      t.unref()
    })
  }
  return go
}

/** 取消 announced by another instance (payload: the msgId of the message running the generation). */
function cancelHere(app: App, msgId: string | undefined, log: Runtime['logger']): void {
  const run = msgId ? liveRuns(app.deps).cancelMessage(msgId) : undefined
  if (run)
    log.info({ msgId, run: run.name, step: run.step?.label }, 'generation stopped: 取消 sent to another instance')
}

/**
 * The instance's loop on PostgreSQL: LISTEN for a user's next message announced free (its earlier one
 * finished on another instance), 取消 of a generation running here sent to another instance, and new cases versions (copy them, the search index follows), plus a poll every ANDY_CLUSTER_POLL_MS
 * for what NOTIFY cannot tell — another instance's expired leases — and for notifications missed while
 * the listening connection was down.
 */
export function runCluster(cluster: Cluster, app: App, rt: Runtime): { stop(): Promise<void> } {
  const log = rt.logger.child({ mod: 'cluster' })
  let stopped = false
  const gapMs = Math.min(200, rt.config.cluster.pollMs)
  const resume = coalesced(async () => {
    if (stopped) return
    await app.resumeUnfinished().catch((err: unknown) => log.error({ err }, 'inbox poll failed'))
  }, gapMs)
  const syncCases = coalesced(async () => {
    if (stopped) return
    try {
      if ((await pgCasesVersion(cluster.pg.pool)) === localCopyVersion(rt.db)) return
      const v = await pullCases(cluster.pg.pool, rt.db)
      if (v) {
        app.deps.dictionary.invalidate()
        log.info({ casesVersion: v }, 'case tables copied from PostgreSQL; search index rebuilt')
      }
    } catch (err) {
      log.error({ err }, 'case tables not copied from PostgreSQL')
    }
  }, gapMs)
  const listener = listenPg(cluster.pg.url, [CASES_CHANNEL, INBOX_CHANNEL, CANCEL_CHANNEL], {
    notification(channel, payload) {
      if (stopped) return
      if (channel === CASES_CHANNEL) return syncCases()
      // 取消 sent to another instance: the generation of that message stops here if it runs here.
      if (channel === CANCEL_CHANNEL) return cancelHere(app, payload, log)
      // A user's next message, free now that the earlier one finished: taken at once, not at the next poll.
      const id = Number(payload)
      if (Number.isSafeInteger(id) && id > 0)
        void app.resumeOne(id).catch((err: unknown) => log.error({ err, inboxId: id }, 'announced message not resumed'))
      else resume()
    },
    listening() {
      // Whatever was announced while not listening.
      syncCases()
      resume()
    },
    lost(err, connecting) {
      log.warn(
        { err: err.message },
        connecting ? 'LISTEN connection failed; retrying' : 'LISTEN connection lost; reconnecting',
      )
    },
  })
  const timer = setInterval(() => {
    resume()
    syncCases()
  }, rt.config.cluster.pollMs)
  timer.unref()
  return {
    async stop() {
      stopped = true
      clearInterval(timer)
      await listener.stop()
    },
  }
}
