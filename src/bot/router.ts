import { errorMessage, isUserError, RunCancelled, type UserError } from '../core/errors.js'
import type { BotContext, HandlerFn } from './context.js'

/**
 * Intent resolution and dispatch (design.md §Intents). Resolvers run stage by stage in the order of
 * STAGES; the first that returns a decision wins. Then the handler registered for that intent runs
 * inside an error boundary: a UserError — thrown, or mapped from a domain error by the one error table
 * (`mapError`, filled from handlers/user-errors.ts) — becomes its message as the reply, anything else is
 * logged with the msgId and the user gets an apology.
 */

export const STAGES = ['explicit', 'control', 'workflow', 'msgtype', 'prefix', 'keyword', 'llm', 'fallback'] as const
export type Stage = (typeof STAGES)[number]

export interface Decision {
  intent: string
  /** Replaces ctx.text (e.g. the text after a command prefix). */
  text?: string
}

export type ResolveFn = (ctx: BotContext) => Decision | undefined | Promise<Decision | undefined>

/** Maps a domain error (a bad period, a file that cannot be imported…) to the user's message, or passes. */
export type ErrorMapping = (err: unknown, ctx: BotContext) => UserError | undefined

export const APOLOGY = '抱歉，处理这条消息时出了点问题，已记录下来。请稍后再试，或换个说法。'

export class Router {
  private readonly resolvers = new Map<Stage, ResolveFn[]>()
  private readonly handlers = new Map<string, HandlerFn>()
  private readonly errorMappings: ErrorMapping[] = []

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

  /** Adds entries to the table that maps domain errors to user errors (first match wins). */
  mapError(...mappings: ErrorMapping[]): this {
    this.errorMappings.push(...mappings)
    return this
  }

  /** The user's message for an error: a UserError itself, or what the error table maps it to. */
  userErrorOf(err: unknown, ctx: BotContext): UserError | undefined {
    if (isUserError(err)) return err
    for (const map of this.errorMappings) {
      const mapped = map(err, ctx)
      if (mapped) return mapped
    }
    return undefined
  }

  /** Resolves the intent and runs its handler (throws what the handler throws). `onDecided` learns the intent before the handler runs. */
  async route(ctx: BotContext, onDecided?: (intent: string) => void): Promise<void> {
    const decision = await this.decide(ctx)
    ctx.intent = decision.intent
    onDecided?.(decision.intent)
    if (decision.text !== undefined) ctx.text = decision.text
    ctx.result.intent = decision.intent
    const handler = this.handlers.get(decision.intent) ?? this.handlers.get('unavailable')
    if (!handler) throw new Error(`no handler for intent ${decision.intent}`)
    ctx.logger.debug({ intent: decision.intent }, 'intent resolved')
    await handler(ctx)
  }

  /** The error boundary: answers a failed message (never throws). */
  async recover(ctx: BotContext, err: unknown): Promise<void> {
    if (err instanceof RunCancelled) {
      ctx.result.error = 'cancelled by the user'
      ctx.logger.info({ intent: ctx.intent }, 'generation cancelled by the user')
      return
    }
    const userError = this.userErrorOf(err, ctx)
    if (userError) {
      ctx.result.status = ctx.result.status === 'ok' ? 'rejected' : ctx.result.status
      ctx.result.error = userError.code
      await safeReply(ctx, userError.message)
      return
    }
    ctx.result.status = 'failed'
    ctx.result.error = errorMessage(err)
    ctx.logger.error({ err, intent: ctx.intent }, 'handler failed')
    await safeReply(ctx, APOLOGY)
  }

  /** Resolves the intent and runs its handler inside the error boundary. Never throws. */
  async dispatch(ctx: BotContext, onDecided?: (intent: string) => void): Promise<void> {
    try {
      await this.route(ctx, onDecided)
    } catch (err) {
      await this.recover(ctx, err)
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
