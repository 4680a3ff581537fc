import { localDate, localDateTime } from '../core/clock.js'
import type { RobotMessage } from '../core/message.js'
import type { Stores } from '../db/stores/types.js'
import type { UsageInput } from '../db/usage.js'
import { refuseMessage } from './admission.js'
import type { AppDeps, BotContext } from './context.js'
import type { Turn } from './context-builder.js'
import { deadline } from './deadline.js'
import { assistantOf } from './message.js'
import { compose, type Middleware } from './middleware.js'
import type { Router } from './router.js'

/**
 * The middleware a stored message runs through, in order (createApp composes them):
 *   recordUsage → admit → deadline → recoverErrors → route
 * Each calls `next` at most once (bot/middleware.ts). Recording is outermost so a refused, failed or
 * timed-out message is recorded too; the error boundary sits inside the deadline so an apology for a
 * failure never races the timeout apology.
 */

export interface AppStats {
  accepted: number
  duplicates: number
  handled: number
  failed: number
}

/** Admission (organisation, rate; decided in arrival order when queued): a refused message stops here. */
export const admit: Middleware<Turn> = async (turn, next) => {
  if (!turn.verdict.ok) return refuseMessage(turn.ctx, turn.verdict)
  await next()
}

/** The error boundary: a thrown error becomes the user's message (the router's error table) or an apology. */
export function recoverErrors(router: Router): Middleware<Turn> {
  return async (turn, next) => {
    try {
      await next()
    } catch (err) {
      await router.recover(turn.ctx, err)
    }
  }
}

/** The router: resolves the intent (telling the deadline) and runs its handler. The end of the chain. */
export function route(router: Router): Middleware<Turn> {
  return (turn) => router.route(turn.ctx, (intent) => turn.onDecided?.(intent))
}

/**
 * Usage recording: after the rest of the chain, sends what is still pending, settles the conversation
 * state, and writes the usage record and the inbox status in one commit.
 */
export function recordUsage(deps: AppDeps, stores: Stores, stats: AppStats): Middleware<Turn> {
  return async (turn, next) => {
    await next()
    const { ctx, outbox, verdict, started } = turn
    // Coalesced pipeline output still pending goes out now (a failure is counted by the outbox).
    await outbox.flush().catch((err: unknown) => ctx.logger.error({ err }, 'pending reply parts not delivered'))
    const result = ctx.result
    if (outbox.failures > 0 && result.status === 'ok') {
      result.status = 'failed'
      result.error = outbox.lastError ?? 'reply not delivered'
    }
    result.replies = outbox.sent
    const finished = deps.clock.now()
    deps.metrics?.observeMessage(result.intent, result.status, finished - started)
    const status = result.status === 'failed' ? 'failed' : verdict.ok ? 'replied' : 'skipped'
    await settleState(ctx)
    // One commit for the usage record and the final status (the hot path: bench/delivery.ts).
    await stores.inbox.finish(
      ctx.inboxId,
      status,
      finished,
      { intent: result.intent, error: result.error },
      usageOf(ctx, ctx.msg, finished - started, deps.clock.now()),
    )
    stats.handled++
    if (result.status === 'failed') stats.failed++
    ctx.logger.info(
      { intent: result.intent, status: result.status, total: result.total, elapsedMs: finished - started },
      'message handled',
    )
  }
}

/** The whole chain for a message, in order. */
export function messageChain(
  deps: AppDeps,
  stores: Stores,
  router: Router,
  stats: AppStats,
): (turn: Turn) => Promise<void> {
  const timeouts = { handlerMs: deps.config.handlerTimeoutMs, pipelineMs: deps.config.pipelineTimeoutMs }
  return compose<Turn>([
    recordUsage(deps, stores, stats),
    admit,
    deadline(timeouts),
    recoverErrors(router),
    route(router),
  ])
}

/** Waits for the message's conversation-state writes; a failed one is logged (the reply went out). */
async function settleState(ctx: BotContext): Promise<void> {
  try {
    await ctx.conversation.settled()
  } catch (err) {
    ctx.logger.error({ err }, 'conversation state not saved')
  }
}

/** The usage record of a handled message (assistant type and name from the feature registry). */
export function usageOf(
  ctx: BotContext,
  msg: RobotMessage,
  latencyMs: number,
  now: number,
): { record: UsageInput; onError: (err: unknown) => void } {
  const r = ctx.result
  const a = assistantOf(r.intent)
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
