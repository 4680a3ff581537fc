import { Admission, refuseMessage, type Verdict } from './bot/admission.js'
import type { AppDeps, BotContext, HandleResult } from './bot/context.js'
import { ConversationSessions } from './bot/conversation.js'
import { deadlineFor, dispatchWithDeadline } from './bot/deadline.js'
import { holdMessage } from './bot/lease.js'
import { liveRuns } from './bot/live-runs.js'
import { assistantOf } from './bot/message.js'
import { Outbox } from './bot/outbox.js'
import { Router } from './bot/router.js'
import { KeyedScheduler } from './bot/scheduler.js'
import { localDate, localDateTime } from './core/clock.js'
import { errorMessage } from './core/errors.js'
import {
  type InboundEnvelope,
  type InboxSource,
  isGroup,
  messageText,
  parseRobotMessage,
  type RobotMessage,
  senderId,
} from './core/message.js'
import type { InboxRow } from './db/inbox.js'
import { storesOf } from './db/stores/index.js'
import type { UsageInput } from './db/usage.js'
import { registerHandlers } from './handlers/index.js'
import { isControlText } from './pipelines/control.js'
import type { AcceptResult, MessageSink } from './transport/types.js'
import { isDingtalkWebhook } from './transport/url-guard.js'

export interface App extends MessageSink {
  readonly deps: AppDeps
  readonly router: Router
  /** Stores and handles a message and waits for the result (local chat, tests, the HTTP API). */
  handleNow(envelope: InboundEnvelope): Promise<HandleResult & { inboxId: number; duplicate: boolean }>
  /** Schedules every stored message that was not finished (after a crash or shutdown). Returns how many. */
  resumeUnfinished(): Promise<number>
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
  readonly stats: { accepted: number; duplicates: number; handled: number; failed: number }
}

/** Sent when a message is given up after ANDY_MAX_ATTEMPTS interrupted attempts. */
export const GIVE_UP_APOLOGY =
  '抱歉，这条消息多次处理都没能完成（处理过程中服务中断），已记录下来。请稍后再试，或换个说法。'

export function createApp(deps: AppDeps): App {
  const router = new Router()
  const stores = storesOf(deps)
  const sessions = new ConversationSessions(stores.state)
  registerHandlers(router, deps)
  const scheduler = new KeyedScheduler(deps.config.maxConcurrency)
  const inFlight = new Map<number, Promise<HandleResult>>()
  const stats = { accepted: 0, duplicates: 0, handled: 0, failed: 0 }
  let stopping = false
  const admission = new Admission({
    allowedCorpIds: deps.config.allowedCorpIds,
    ratePerMin: deps.config.userRatePerMin,
  })

  /** Queues a stored message; access and rate are decided here, in arrival order, at its receipt time. */
  function schedule(
    inboxId: number,
    msg: RobotMessage,
    source: InboxSource,
    receivedAt: number,
    opts: { appendAfterStored?: boolean; fresh?: boolean } = {},
  ): Promise<HandleResult> {
    const existing = inFlight.get(inboxId)
    if (existing) return existing
    let resolve!: (r: HandleResult) => void
    const done = new Promise<HandleResult>((r) => (resolve = r))
    inFlight.set(inboxId, done)
    const verdict = admission.check(source, msg, receivedAt)
    const key = `${msg.conversationId ?? ''}|${senderId(msg)}`
    // 查看进度 / 取消 while this sender's generation runs: handled at once, not queued behind it (new
    // messages only: after a restart, stored messages keep their order).
    const control =
      !!opts.fresh && liveRuns(deps).running(msg.conversationId ?? '', senderId(msg)) && isControlText(messageText(msg))
    const task = async () => {
      try {
        // Shutting down: what has not started stays 'received' in the inbox for the next start.
        if (stopping)
          return resolve({
            intent: 'unknown',
            status: 'failed',
            replies: [],
            error: 'Andy is shutting down; the message stays in the inbox',
          })
        resolve(await processMessage(inboxId, msg, verdict, opts.appendAfterStored))
      } catch (err) {
        deps.logger.error({ err, msgId: msg.msgId, inboxId }, 'message processing crashed')
        const error = errorMessage(err)
        try {
          await stores.inbox.finish(inboxId, 'failed', deps.clock.now(), { error })
        } catch {
          // the database is gone (shutdown): the row stays unfinished and is resumed next start
        }
        resolve({ intent: 'unknown', status: 'failed', replies: [], error })
      } finally {
        inFlight.delete(inboxId)
      }
    }
    void (control ? scheduler.runNow(task) : scheduler.run(key, task))
    return done
  }

  async function processMessage(
    inboxId: number,
    msg: RobotMessage,
    verdict: Verdict,
    appendAfterStored = false,
  ): Promise<HandleResult> {
    const started = deps.clock.now()
    const row = await stores.inbox.get(inboxId)
    if (!row || (row.status !== 'received' && row.status !== 'processing')) {
      return { intent: row?.intent ?? 'unknown', status: 'ok', replies: [] }
    }
    // Started this often before without finishing (each time the process died): a poison message.
    if (row.attempts >= deps.config.maxAttempts) return giveUp(row, msg)
    const log = deps.logger.child({ msgId: msg.msgId, inboxId })
    const held = await holdMessage(stores, inboxId, deps.clock.now, deps.config.cluster, log)
    // Not ours now (PostgreSQL: another instance holds it, or this user's earlier message is unfinished).
    if (!held) return { intent: row.intent ?? 'unknown', status: 'ok', replies: [] }
    const ctx = await createContext(inboxId, row.robot_code, row.source as InboundEnvelope['source'], msg)
    try {
      if (appendAfterStored) await ctx.outbox.appendAfterStored()
      if (!verdict.ok) await refuseMessage(ctx.ctx, verdict)
      else {
        const timeouts = { handlerMs: deps.config.handlerTimeoutMs, pipelineMs: deps.config.pipelineTimeoutMs }
        await dispatchWithDeadline(router, ctx.ctx, ctx.outbox, (intent) => deadlineFor(intent, timeouts), ctx.abort)
      }
      // Coalesced pipeline output still pending goes out now (a failure is counted by the outbox).
      await ctx.outbox
        .flush()
        .catch((err: unknown) => ctx.ctx.logger.error({ err }, 'pending reply parts not delivered'))
      const result = ctx.ctx.result
      if (ctx.outbox.failures > 0 && result.status === 'ok') {
        result.status = 'failed'
        result.error = ctx.outbox.lastError ?? 'reply not delivered'
      }
      result.replies = ctx.outbox.sent
      const finished = deps.clock.now()
      deps.metrics?.observeMessage(result.intent, result.status, finished - started)
      const status = result.status === 'failed' ? 'failed' : verdict.ok ? 'replied' : 'skipped'
      await settleState(ctx.ctx)
      // One commit for the usage record and the final status (the hot path: bench/delivery.ts).
      await stores.inbox.finish(
        inboxId,
        status,
        finished,
        { intent: result.intent, error: result.error },
        usageOf(ctx.ctx, msg, finished - started),
      )
      stats.handled++
      if (result.status === 'failed') stats.failed++
      ctx.ctx.logger.info(
        { intent: result.intent, status: result.status, total: result.total, elapsedMs: finished - started },
        'message handled',
      )
      return result
    } finally {
      held.release()
      ctx.release()
    }
  }

  /** Marks a message failed that was started maxAttempts times without finishing, and tells the user once. */
  async function giveUp(row: InboxRow, msg: RobotMessage): Promise<HandleResult> {
    const error = `gave up after ${row.attempts} attempts: the process stopped each time while handling it`
    const ctx = await createContext(row.id, row.robot_code, row.source as InboxSource, msg)
    try {
      ctx.ctx.logger.error({ attempts: row.attempts, lastError: row.last_error }, 'poison message: giving up')
      Object.assign(ctx.ctx.result, { status: 'failed', error })
      await ctx.outbox.appendAfterStored()
      try {
        await ctx.outbox.seal(GIVE_UP_APOLOGY)
      } catch (err) {
        ctx.ctx.logger.error({ err }, 'could not deliver the give-up apology')
      }
      const now = deps.clock.now()
      await stores.inbox.finish(row.id, 'failed', now, { error }, usageOf(ctx.ctx, msg, now - row.received_at))
      stats.handled++
      stats.failed++
      return { ...ctx.ctx.result, replies: ctx.outbox.sent }
    } finally {
      ctx.release()
    }
  }

  async function createContext(
    inboxId: number,
    robotCode: string,
    source: InboundEnvelope['source'],
    msg: RobotMessage,
  ) {
    const group = isGroup(msg)
    const userId = senderId(msg)
    const logger = deps.logger.child({ msgId: msg.msgId, inboxId, conversationId: msg.conversationId })
    const replier = deps.repliers[source]
    if (!replier) throw new Error(`no replier for source ${source}`)
    // Replies are POSTed to the sessionWebhook: whatever the source (stream frame, stored message), only on DingTalk's hosts.
    let sessionWebhook = msg.sessionWebhook
    if (sessionWebhook && !isDingtalkWebhook(sessionWebhook, deps.config.dingtalk)) {
      logger.warn({ source }, 'sessionWebhook is not on a DingTalk host: not used (replies go through the OpenAPI)')
      sessionWebhook = undefined
    }
    const outbox = new Outbox({
      store: stores.outbox,
      logger,
      replier,
      inboxId,
      now: deps.clock.now,
      mentionUserId: group && msg.senderStaffId ? msg.senderStaffId : undefined,
      target: {
        msgId: msg.msgId,
        robotCode,
        conversationId: msg.conversationId ?? '',
        conversationType: msg.conversationType ?? '1',
        senderStaffId: msg.senderStaffId,
        senderNick: msg.senderNick,
        sessionWebhook,
        sessionWebhookExpiredTime: msg.sessionWebhookExpiredTime,
        preferOpenApi: msg.modelType === 'openapi',
      },
    })
    const rawText = messageText(msg)
    const abort = new AbortController()
    const { session: conversation, release } = await sessions.acquire(msg.conversationId ?? '', userId)
    const ctx: BotContext = {
      deps,
      logger,
      msg,
      inboxId,
      source,
      robotCode,
      userId,
      userNick: msg.senderNick ?? userId,
      conversationId: msg.conversationId ?? '',
      conversationTitle: msg.conversationTitle,
      isGroup: group,
      isAdmin: !!msg.senderStaffId && deps.config.adminStaffIds.includes(msg.senderStaffId),
      rawText,
      text: rawText,
      intent: 'unknown',
      notes: [],
      state: {},
      conversation,
      result: { intent: 'unknown', status: 'ok', replies: [] },
      reply: (markdown, opts) => outbox.reply(markdown, opts),
      replyFile: (file) => outbox.file(file),
      flush: () => outbox.flush(),
      now: deps.clock.now,
      signal: abort.signal,
    }
    return { ctx, outbox, abort, release }
  }

  /** Waits for the message's conversation-state writes; a failed one is logged (the reply went out). */
  async function settleState(ctx: BotContext): Promise<void> {
    try {
      await ctx.conversation.settled()
    } catch (err) {
      ctx.logger.error({ err }, 'conversation state not saved')
    }
  }

  function usageOf(
    ctx: BotContext,
    msg: RobotMessage,
    latencyMs: number,
  ): { record: UsageInput; onError: (err: unknown) => void } {
    const r = ctx.result
    const a = assistantOf(r.intent)
    const now = deps.clock.now()
    return {
      onError: (err) => ctx.logger.error({ err }, 'usage record not written'),
      record: {
        assistant_type: a.type,
        assistant_name: a.name,
        dd_group_name: ctx.isGroup ? (msg.conversationTitle ?? null) : null,
        user_dd_nick: ctx.userNick,
        consult_content: ctx.rawText.slice(0, 2000) || `[${msg.msgtype}]`,
        conversation_type: msg.conversationType ?? null,
        use_time: localDateTime(now),
        use_date: localDate(now),
        user_id: ctx.userId,
        conversation_id: ctx.conversationId,
        msg_id: msg.msgId,
        intent: r.intent,
        hits: r.total ?? null,
        filters: r.filters ? JSON.stringify(r.filters) : null,
        hit_ids: r.hits ? JSON.stringify(r.hits.map((h) => h.id)) : null,
        latency_ms: latencyMs,
        status: r.status,
        error: r.error ?? null,
        tokens: r.tokens ?? 0,
        cost_rmb: r.costRmb ?? 0,
        channel: ctx.source,
      },
    }
  }

  const app: App = {
    deps,
    router,
    stats,
    async accept(envelope) {
      if (stopping) throw new Error('Andy is shutting down')
      const receivedAt = deps.clock.now()
      const { id, duplicate } = await stores.inbox.insert(envelope, receivedAt)
      if (duplicate) {
        stats.duplicates++
        deps.logger.info(
          { msgId: envelope.message.msgId, robotCode: envelope.robotCode, inboxId: id },
          'duplicate delivery ignored',
        )
      } else {
        stats.accepted++
        void schedule(id, envelope.message, envelope.source, receivedAt, { fresh: true })
      }
      return { inboxId: id, duplicate } satisfies AcceptResult
    },
    async handleNow(envelope) {
      const { inboxId, duplicate } = await app.accept(envelope)
      if (duplicate) return { intent: 'duplicate', status: 'ok', replies: [], inboxId, duplicate }
      const result = await (inFlight.get(inboxId) ??
        schedule(inboxId, envelope.message, envelope.source, deps.clock.now()))
      return { ...result, inboxId, duplicate }
    },
    async resumeUnfinished() {
      let count = 0
      // Oldest first, page by page (a long outage can leave more than one page).
      for (
        let after = 0, rows: InboxRow[];
        (rows = await stores.inbox.unfinished(1000, after, deps.clock.now())).length > 0;
        after = rows.at(-1)!.id
      ) {
        for (const row of rows) {
          count++
          const parsed = parseRobotMessage(row.raw)
          if (parsed.ok) void schedule(row.id, parsed.message, row.source as InboxSource, row.received_at)
          else {
            await stores.inbox.finish(row.id, 'failed', deps.clock.now(), {
              error: `stored message no longer parses: ${parsed.error}`,
            })
            deps.logger.error(
              { inboxId: row.id, msgId: row.msg_id, error: parsed.error },
              'stored message no longer parses',
            )
          }
        }
      }
      if (count) deps.logger.info({ count }, 'resuming unfinished messages')
      return count
    },
    async retry(inboxId) {
      const row = await stores.inbox.get(inboxId)
      if (!row) return undefined
      const parsed = parseRobotMessage(row.raw)
      if (!parsed.ok) return { intent: 'unknown', status: 'failed', replies: [], error: parsed.error }
      const pending = await stores.inbox.resetForRetry(inboxId, deps.clock.now())
      deps.logger.info({ inboxId, msgId: row.msg_id, pendingParts: pending }, 'retrying a message')
      return schedule(inboxId, parsed.message, row.source as InboxSource, row.received_at, {
        appendAfterStored: pending === 0,
      })
    },
    idle: (timeoutMs) => scheduler.idle(timeoutMs),
    async stop(graceMs = deps.config.shutdownGraceMs) {
      stopping = true
      return scheduler.idle(graceMs)
    },
  }
  return app
}
