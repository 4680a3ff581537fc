import { errorMessage, isUserError, RunCancelled } from '../core/errors.js'
import type { BotContext, HandlerFn } from './context.js'

/**
 * Intent resolution and dispatch (design.md §Intents). Resolvers run stage by stage in the order of
 * STAGES; the first that returns a decision wins. Then the handler registered for that intent runs
 * inside an error boundary: a UserError becomes its message as the reply, anything else is logged with
 * the msgId and the user gets an apology.
 */

export const STAGES = ['explicit', 'control', 'workflow', 'msgtype', 'prefix', 'keyword', 'llm', 'fallback'] as const
export type Stage = (typeof STAGES)[number]

export interface Decision {
  intent: string
  /** Replaces ctx.text (e.g. the text after a command prefix). */
  text?: string
}

export type ResolveFn = (ctx: BotContext) => Decision | undefined | Promise<Decision | undefined>

export const APOLOGY = '抱歉，处理这条消息时出了点问题，已记录下来。请稍后再试，或换个说法。'

export class Router {
  private readonly resolvers = new Map<Stage, ResolveFn[]>()
  private readonly handlers = new Map<string, HandlerFn>()

  /** Adds a resolver to a stage (resolvers of one stage run in the order added). */
  resolve(stage: Stage, fn: ResolveFn): this {
    const list = this.resolvers.get(stage) ?? []
    list.push(fn)
    this.resolvers.set(stage, list)
    return this
  }

  handle(intent: string, fn: HandlerFn): this {
    this.handlers.set(intent, fn)
    return this
  }

  has(intent: string): boolean {
    return this.handlers.has(intent)
  }

  async decide(ctx: BotContext): Promise<Decision> {
    for (const stage of STAGES) {
      for (const fn of this.resolvers.get(stage) ?? []) {
        const d = await fn(ctx)
        if (d) return d
      }
    }
    return { intent: 'help' }
  }

  /** Resolves the intent and runs its handler. Never throws. `onDecided` learns the intent before the handler runs. */
  async dispatch(ctx: BotContext, onDecided?: (intent: string) => void): Promise<void> {
    try {
      const decision = await this.decide(ctx)
      ctx.intent = decision.intent
      onDecided?.(decision.intent)
      if (decision.text !== undefined) ctx.text = decision.text
      ctx.result.intent = decision.intent
      const handler = this.handlers.get(decision.intent) ?? this.handlers.get('unavailable')
      if (!handler) throw new Error(`no handler for intent ${decision.intent}`)
      ctx.logger.debug({ intent: decision.intent }, 'intent resolved')
      await handler(ctx)
    } catch (err) {
      if (err instanceof RunCancelled) {
        ctx.result.error = 'cancelled by the user'
        ctx.logger.info({ intent: ctx.intent }, 'generation cancelled by the user')
        return
      }
      if (isUserError(err)) {
        ctx.result.status = ctx.result.status === 'ok' ? 'rejected' : ctx.result.status
        ctx.result.error = err.code
        await safeReply(ctx, err.message)
        return
      }
      ctx.result.status = 'failed'
      ctx.result.error = errorMessage(err)
      ctx.logger.error({ err, intent: ctx.intent }, 'handler failed')
      await safeReply(ctx, APOLOGY)
    }
  }
}

async function safeReply(ctx: BotContext, text: string): Promise<void> {
  try {
    await ctx.reply(text)
  } catch (err) {
    ctx.logger.error({ err }, 'could not deliver the error reply')
  }
}
