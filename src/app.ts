import type { AppDeps, HandleResult } from './bot/context.js'
import { InboxRunner } from './bot/inbox-runner.js'
import { type AppStats, messageChain } from './bot/message-chain.js'
import { Router } from './bot/router.js'
import { type InboundEnvelope, type InboxSource, parseRobotMessage } from './core/message.js'
import type { InboxRow } from './db/inbox.js'
import { storesOf } from './db/stores/index.js'
import type { Stores } from './db/stores/types.js'
import { registerHandlers } from './handlers/index.js'
import { isControlText } from './pipelines/control.js'
import type { AcceptResult, MessageSink } from './transport/types.js'

export { GIVE_UP_APOLOGY } from './bot/inbox-runner.js'

export interface App extends MessageSink {
  readonly deps: AppDeps
  readonly router: Router
  /** Stores and handles a message and waits for the result (local chat, tests, the HTTP API). */
  handleNow(envelope: InboundEnvelope): Promise<HandleResult & { inboxId: number; duplicate: boolean }>
  /** Schedules every stored message that was not finished (after a crash or shutdown). Returns how many. */
  resumeUnfinished(opts?: { ownLeases?: boolean }): Promise<number>
  /** Runs one stored message now if it is unfinished (PostgreSQL: announced free by another instance). */
  resumeOne(inboxId: number): Promise<void>
  /**
   * Runs a finished (failed) message again (`andy inbox retry`): undelivered parts are re-sent with their
   * stored text; when every part had gone out (the handler itself failed), the handler runs again and its
   * reply is numbered after the parts already sent. Undefined when there is no such message.
   */
  retry(inboxId: number): Promise<HandleResult | undefined>
  /** Waits for queued and running handlers (up to timeoutMs); false if some are still running. */
  idle(timeoutMs?: number): Promise<boolean>
  /** Stops accepting messages and waits up to graceMs for running handlers; the rest stay in the inbox. */
  stop(graceMs?: number): Promise<boolean>
  readonly stats: AppStats
}

/**
 * The composition: the router with every feature's handler and the error table, the middleware chain
 * (usage recording → admission → deadline → error boundary → router: bot/message-chain.ts), and the inbox
 * runner that feeds stored messages through it (bot/inbox-runner.ts).
 */
export function createApp(deps: AppDeps): App {
  const router = new Router()
  const stores = storesOf(deps)
  registerHandlers(router, deps)
  const stats: AppStats = { accepted: 0, duplicates: 0, handled: 0, failed: 0 }
  const runner = new InboxRunner(deps, stores, messageChain(deps, stores, router, stats), stats, isControlText)

  const stored = (row: InboxRow) => scheduleStored(deps, stores, runner, row)

  const app: App = {
    deps,
    router,
    stats,
    async accept(envelope) {
      if (runner.stopping) throw new Error('Andy is shutting down')
      const receivedAt = deps.clock.now()
      const { id, duplicate } = await stores.inbox.insert(envelope, receivedAt, runner.leases.lease())
      if (duplicate) {
        stats.duplicates++
        deps.logger.info(
          { msgId: envelope.message.msgId, robotCode: envelope.robotCode, inboxId: id },
          'duplicate delivery ignored',
        )
      } else {
        stats.accepted++
        void runner.schedule(id, envelope.message, envelope.source, receivedAt, { fresh: true })
      }
      return { inboxId: id, duplicate } satisfies AcceptResult
    },
    async handleNow(envelope) {
      const { inboxId, duplicate } = await app.accept(envelope)
      if (duplicate) return { intent: 'duplicate', status: 'ok', replies: [], inboxId, duplicate }
      const result = await (runner.inFlight.get(inboxId) ??
        runner.schedule(inboxId, envelope.message, envelope.source, deps.clock.now()))
      return { ...result, inboxId, duplicate }
    },
    async resumeUnfinished(opts = {}) {
      // At start, also the messages leased under this ANDY_INSTANCE_ID before a crash (no need to wait out the lease).
      const owner = opts.ownLeases ? deps.config.cluster.instanceId : undefined
      let count = 0
      // Oldest first, page by page (a long outage can leave more than one page).
      for (
        let after = 0, rows: InboxRow[];
        (rows = await stores.inbox.unfinished(1000, after, deps.clock.now(), owner)).length > 0;
        after = rows.at(-1)!.id
      ) {
        for (const row of rows) {
          count++
          await stored(row)
        }
      }
      if (count) deps.logger.info({ count }, 'resuming unfinished messages')
      return count
    },
    async resumeOne(inboxId) {
      const row = await stores.inbox.get(inboxId)
      if (row && (row.status === 'received' || row.status === 'processing')) await stored(row)
    },
    async retry(inboxId) {
      const row = await stores.inbox.get(inboxId)
      if (!row) return undefined
      const parsed = parseRobotMessage(row.raw)
      if (!parsed.ok) return { intent: 'unknown', status: 'failed', replies: [], error: parsed.error }
      const pending = await stores.inbox.resetForRetry(inboxId, deps.clock.now())
      deps.logger.info({ inboxId, msgId: row.msg_id, pendingParts: pending }, 'retrying a message')
      return runner.schedule(inboxId, parsed.message, row.source as InboxSource, row.received_at, {
        appendAfterStored: pending === 0,
      })
    },
    idle: (timeoutMs) => runner.scheduler.idle(timeoutMs),
    async stop(graceMs = deps.config.shutdownGraceMs) {
      runner.stopping = true
      await runner.leases.letGo()
      return runner.scheduler.idle(graceMs)
    },
  }
  return app
}

/** Schedules a stored unfinished message; one that no longer parses is marked failed (logged with its msgId). */
async function scheduleStored(deps: AppDeps, stores: Stores, runner: InboxRunner, row: InboxRow): Promise<void> {
  const parsed = parseRobotMessage(row.raw)
  if (parsed.ok) {
    void runner.schedule(row.id, parsed.message, row.source as InboxSource, row.received_at)
    return
  }
  await stores.inbox.finish(row.id, 'failed', deps.clock.now(), {
    error: `stored message no longer parses: ${parsed.error}`,
  })
  deps.logger.error({ inboxId: row.id, msgId: row.msg_id, error: parsed.error }, 'stored message no longer parses')
}
