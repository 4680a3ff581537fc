import { localDate, localDateTime } from './clock.js'
import type { AppDeps, BotContext, HandleResult } from './bot/context.js'
import { errorMessage } from './bot/errors.js'
import { assistantOf, isGroup, messageText, senderId } from './bot/message.js'
import { Outbox } from './bot/outbox.js'
import { Router } from './bot/router.js'
import { KeyedScheduler } from './bot/scheduler.js'
import { getInbound, insertInbound, markFinished, markProcessing, unfinishedInbound } from './db/inbox.js'
import { insertUsage } from './db/usage.js'
import { registerHandlers } from './handlers/index.js'
import { parseRobotMessage, type AcceptResult, type InboundEnvelope, type MessageSink, type RobotMessage } from './transport/types.js'

export interface App extends MessageSink {
  readonly deps: AppDeps
  readonly router: Router
  /** Stores and handles a message and waits for the result (local chat, tests, the HTTP API). */
  handleNow(envelope: InboundEnvelope): Promise<HandleResult & { inboxId: number; duplicate: boolean }>
  /** Schedules every stored message that was not finished (after a crash or shutdown). Returns how many. */
  resumeUnfinished(): number
  /** Waits for queued and running handlers (up to timeoutMs); false if some are still running. */
  idle(timeoutMs?: number): Promise<boolean>
  /** Stops accepting messages and waits up to graceMs for running handlers; the rest stay in the inbox. */
  stop(graceMs?: number): Promise<boolean>
  readonly stats: { accepted: number; duplicates: number; handled: number; failed: number }
}

export function createApp(deps: AppDeps): App {
  const router = new Router()
  registerHandlers(router, deps)
  const scheduler = new KeyedScheduler(deps.config.maxConcurrency)
  const inFlight = new Map<number, Promise<HandleResult>>()
  const stats = { accepted: 0, duplicates: 0, handled: 0, failed: 0 }
  let stopping = false

  function schedule(inboxId: number, msg: RobotMessage): Promise<HandleResult> {
    const existing = inFlight.get(inboxId)
    if (existing) return existing
    let resolve!: (r: HandleResult) => void
    const done = new Promise<HandleResult>((r) => (resolve = r))
    inFlight.set(inboxId, done)
    const key = `${msg.conversationId ?? ''}|${senderId(msg)}`
    void scheduler.run(key, async () => {
      try {
        resolve(await processMessage(inboxId))
      } catch (err) {
        deps.logger.error({ err, msgId: msg.msgId, inboxId }, 'message processing crashed')
        resolve({ intent: 'unknown', status: 'failed', replies: [], error: errorMessage(err) })
      } finally {
        inFlight.delete(inboxId)
      }
    })
    return done
  }

  async function processMessage(inboxId: number): Promise<HandleResult> {
    const started = deps.clock.now()
    const row = getInbound(deps.db, inboxId)
    if (!row || (row.status !== 'received' && row.status !== 'processing')) {
      return { intent: row?.intent ?? 'unknown', status: 'ok', replies: [] }
    }
    const parsed = parseRobotMessage(row.raw)
    if (!parsed.ok) {
      markFinished(deps.db, inboxId, 'failed', deps.clock.now(), { error: parsed.error })
      deps.logger.error({ inboxId, msgId: row.msg_id, error: parsed.error }, 'stored message no longer parses')
      return { intent: 'unknown', status: 'failed', replies: [], error: parsed.error }
    }
    markProcessing(deps.db, inboxId, started)
    const msg = parsed.message
    const ctx = createContext(inboxId, row.robot_code, row.source as InboundEnvelope['source'], msg)
    await router.dispatch(ctx.ctx)
    const result = ctx.ctx.result
    if (ctx.outbox.failures > 0 && result.status === 'ok') {
      result.status = 'failed'
      result.error = ctx.outbox.lastError ?? 'reply not delivered'
    }
    result.replies = ctx.outbox.sent
    const finished = deps.clock.now()
    writeUsage(ctx.ctx, msg, finished - started)
    markFinished(deps.db, inboxId, result.status === 'failed' ? 'failed' : 'replied', finished, { intent: result.intent, error: result.error })
    stats.handled++
    if (result.status === 'failed') stats.failed++
    ctx.ctx.logger.info({ intent: result.intent, status: result.status, total: result.total, elapsedMs: finished - started }, 'message handled')
    return result
  }

  function createContext(inboxId: number, robotCode: string, source: InboundEnvelope['source'], msg: RobotMessage) {
    const group = isGroup(msg)
    const userId = senderId(msg)
    const logger = deps.logger.child({ msgId: msg.msgId, inboxId, conversationId: msg.conversationId })
    const replier = deps.repliers[source]
    if (!replier) throw new Error(`no replier for source ${source}`)
    const outbox = new Outbox({
      db: deps.db,
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
        sessionWebhook: msg.sessionWebhook,
        sessionWebhookExpiredTime: msg.sessionWebhookExpiredTime,
      },
    })
    const rawText = messageText(msg)
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
      result: { intent: 'unknown', status: 'ok', replies: [] },
      reply: (markdown, opts) => outbox.reply(markdown, opts),
      now: deps.clock.now,
    }
    return { ctx, outbox }
  }

  function writeUsage(ctx: BotContext, msg: RobotMessage, latencyMs: number): void {
    const r = ctx.result
    const a = assistantOf(r.intent)
    const now = deps.clock.now()
    try {
      insertUsage(deps.db, {
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
      })
    } catch (err) {
      ctx.logger.error({ err }, 'usage record not written')
    }
  }

  const app: App = {
    deps,
    router,
    stats,
    accept(envelope) {
      if (stopping) throw new Error('Andy is shutting down')
      const { id, duplicate } = insertInbound(deps.db, envelope, deps.clock.now())
      if (duplicate) {
        stats.duplicates++
        deps.logger.info({ msgId: envelope.message.msgId, robotCode: envelope.robotCode, inboxId: id }, 'duplicate delivery ignored')
      } else {
        stats.accepted++
        void schedule(id, envelope.message)
      }
      return { inboxId: id, duplicate } satisfies AcceptResult
    },
    async handleNow(envelope) {
      const { inboxId, duplicate } = app.accept(envelope)
      if (duplicate) return { intent: 'duplicate', status: 'ok', replies: [], inboxId, duplicate }
      const result = await (inFlight.get(inboxId) ?? schedule(inboxId, envelope.message))
      return { ...result, inboxId, duplicate }
    },
    resumeUnfinished() {
      const rows = unfinishedInbound(deps.db)
      for (const row of rows) {
        const parsed = parseRobotMessage(row.raw)
        if (parsed.ok) void schedule(row.id, parsed.message)
        else markFinished(deps.db, row.id, 'failed', deps.clock.now(), { error: parsed.error })
      }
      if (rows.length) deps.logger.info({ count: rows.length }, 'resuming unfinished messages')
      return rows.length
    },
    idle: (timeoutMs) => scheduler.idle(timeoutMs),
    async stop(graceMs = deps.config.shutdownGraceMs) {
      stopping = true
      return scheduler.idle(graceMs)
    },
  }
  return app
}
