import { errorMessage } from '../core/errors.js'
import { type InboundEnvelope, type InboxSource, messageText, type RobotMessage, senderId } from '../core/message.js'
import type { InboxRow } from '../db/inbox.js'
import type { Stores } from '../db/stores/types.js'
import { Admission, type Verdict } from './admission.js'
import type { AppDeps, HandleResult } from './context.js'
import { buildContext, type Turn } from './context-builder.js'
import { ConversationSessions } from './conversation.js'
import { LeaseKeeper } from './lease.js'
import type { AppStats } from './message-chain.js'
import { usageOf } from './message-chain.js'
import { KeyedScheduler } from './scheduler.js'

/** Sent when a message is given up after ANDY_MAX_ATTEMPTS interrupted attempts. */
export const GIVE_UP_APOLOGY =
  '抱歉，这条消息多次处理都没能完成（处理过程中服务中断），已记录下来。请稍后再试，或换个说法。'

export interface ScheduleOptions {
  /** Re-sent message whose parts all went out: its reply is numbered after the stored parts. */
  appendAfterStored?: boolean
  /** A message just received (not one resumed from the inbox). */
  fresh?: boolean
}

/**
 * Runs stored inbox messages: one queue per conversation+sender (admission decided in arrival order),
 * each message through the middleware chain once; a message that keeps killing the process is given up.
 */
export class InboxRunner {
  readonly scheduler: KeyedScheduler
  readonly inFlight = new Map<number, Promise<HandleResult>>()
  readonly leases: LeaseKeeper
  stopping = false
  /** Asked for again while in hand (announced while its first run was putting it back): run once more after. */
  private readonly again = new Set<number>()
  private readonly admission: Admission
  private readonly sessions: ConversationSessions

  constructor(
    private readonly deps: AppDeps,
    private readonly stores: Stores,
    private readonly chain: (turn: Turn) => Promise<void>,
    private readonly stats: AppStats,
    /** Whole-message control words (查看进度, 取消) that must not wait behind the sender's running generation. */
    private readonly isControlText: (text: string) => boolean,
  ) {
    this.scheduler = new KeyedScheduler(deps.config.maxConcurrency)
    this.leases = new LeaseKeeper(stores, deps.clock.now, deps.config.cluster, deps.logger, () => this.inFlight.keys())
    this.sessions = new ConversationSessions(stores.state)
    this.admission = new Admission({
      allowedCorpIds: deps.config.allowedCorpIds,
      ratePerMin: deps.config.userRatePerMin,
    })
  }

  /** Queues a stored message; access and rate are decided here, in arrival order, at its receipt time. */
  schedule(
    inboxId: number,
    msg: RobotMessage,
    source: InboxSource,
    receivedAt: number,
    opts: ScheduleOptions = {},
  ): Promise<HandleResult> {
    const existing = this.inFlight.get(inboxId)
    if (existing) {
      this.again.add(inboxId)
      return existing
    }
    let resolve!: (r: HandleResult) => void
    const done = new Promise<HandleResult>((r) => (resolve = r))
    this.inFlight.set(inboxId, done)
    this.leases.wake()
    const verdict = this.admission.check(source, msg, receivedAt)
    const key = `${msg.conversationId ?? ''}|${senderId(msg)}`
    // 查看进度 / 取消: handled at once, not queued behind this sender's running generation — here or, on
    // PostgreSQL, on another instance (new messages only: after a restart, stored messages keep their order).
    const control = !!opts.fresh && this.isControlText(messageText(msg))
    const task = async () => {
      try {
        resolve(await this.run(inboxId, msg, verdict, opts.appendAfterStored, control))
      } finally {
        this.inFlight.delete(inboxId)
        if (this.again.delete(inboxId) && !this.stopping) void this.schedule(inboxId, msg, source, receivedAt)
      }
    }
    void (control ? this.scheduler.runNow(task) : this.scheduler.run(key, task))
    return done
  }

  /** One message, never throwing: a crash is logged and the message marked failed. */
  private async run(inboxId: number, msg: RobotMessage, verdict: Verdict, appendAfterStored = false, control = false) {
    // Shutting down: what has not started stays 'received' in the inbox for the next start.
    if (this.stopping) return shuttingDown()
    try {
      return await this.process(inboxId, msg, verdict, { appendAfterStored, control })
    } catch (err) {
      this.deps.logger.error({ err, msgId: msg.msgId, inboxId }, 'message processing crashed')
      const error = errorMessage(err)
      try {
        await this.stores.inbox.finish(inboxId, 'failed', this.deps.clock.now(), { error })
      } catch {
        // the database is gone (shutdown): the row stays unfinished and is resumed next start
      }
      return { intent: 'unknown', status: 'failed', replies: [], error } satisfies HandleResult
    }
  }

  private async process(
    inboxId: number,
    msg: RobotMessage,
    verdict: Verdict,
    { appendAfterStored, control }: { appendAfterStored: boolean; control: boolean },
  ): Promise<HandleResult> {
    const started = this.deps.clock.now()
    const row = await this.stores.inbox.get(inboxId)
    if (!row || (row.status !== 'received' && row.status !== 'processing')) {
      return { intent: row?.intent ?? 'unknown', status: 'ok', replies: [] }
    }
    // Started this often before without finishing (each time the process died): a poison message.
    if (row.attempts >= this.deps.config.maxAttempts) return this.giveUp(row, msg)
    const held = await this.leases.hold(inboxId, control)
    // Not ours now (PostgreSQL: another instance holds it, or this user's earlier message is unfinished — a
    // control message is taken beside that one).
    if (!held) return { intent: row.intent ?? 'unknown', status: 'ok', replies: [] }
    const built = await this.context(row, msg)
    try {
      if (appendAfterStored) await built.outbox.appendAfterStored()
      await this.chain({ ctx: built.ctx, outbox: built.outbox, abort: built.abort, verdict, started })
      return built.ctx.result
    } finally {
      held.release()
      built.release()
    }
  }

  private context(row: InboxRow, msg: RobotMessage) {
    return buildContext(this.deps, this.stores, this.sessions, {
      inboxId: row.id,
      robotCode: row.robot_code,
      source: row.source as InboundEnvelope['source'],
      msg,
    })
  }

  /** Marks a message failed that was started maxAttempts times without finishing, and tells the user once. */
  private async giveUp(row: InboxRow, msg: RobotMessage): Promise<HandleResult> {
    const error = `gave up after ${row.attempts} attempts: the process stopped each time while handling it`
    const { ctx, outbox, release } = await this.context(row, msg)
    try {
      ctx.logger.error({ attempts: row.attempts, lastError: row.last_error }, 'poison message: giving up')
      Object.assign(ctx.result, { status: 'failed', error })
      await outbox.appendAfterStored()
      try {
        await outbox.seal(GIVE_UP_APOLOGY)
      } catch (err) {
        ctx.logger.error({ err }, 'could not deliver the give-up apology')
      }
      const now = this.deps.clock.now()
      const usage = usageOf(ctx, msg, now - row.received_at, this.deps.clock.now())
      await this.stores.inbox.finish(row.id, 'failed', now, { error }, usage)
      this.stats.handled++
      this.stats.failed++
      return { ...ctx.result, replies: outbox.sent }
    } finally {
      release()
    }
  }
}

function shuttingDown(): HandleResult {
  return {
    intent: 'unknown',
    status: 'failed',
    replies: [],
    error: 'Andy is shutting down; the message stays in the inbox',
  }
}
