import { isLongRunning } from '../core/features.js'
import type { Turn } from './context-builder.js'
import type { Middleware } from './middleware.js'

/**
 * The deadline of a message once its intent is known: features of the 'long' deadline class (LLM
 * pipelines, downloads, big exports: core/features.ts) get ANDY_PIPELINE_TIMEOUT_MS.
 */
export function deadlineFor(intent: string, timeouts: { handlerMs: number; pipelineMs: number }): number {
  return isLongRunning(intent) ? Math.max(timeouts.handlerMs, timeouts.pipelineMs) : timeouts.handlerMs
}

/**
 * A per-message deadline around the router (ANDY_HANDLER_TIMEOUT_MS; ANDY_PIPELINE_TIMEOUT_MS once the
 * intent turns out to be an LLM pipeline, a file or a big export). JavaScript cannot kill a hung
 * promise, so past the deadline the message is abandoned instead: the abort signal fires (handlers
 * that pass `ctx.signal` to fetch/openai stop), the outbox is sealed so nothing the handler says later
 * reaches the user, the user gets an apology, and the caller records the failure and frees the
 * scheduler slot. Other users never wait for a hung handler.
 */

export function timeoutApology(timeoutMs: number): string {
  const secs = Math.max(1, Math.round(timeoutMs / 1000))
  return `抱歉，这条消息处理超时了（超过 ${secs} 秒），已记录下来。请稍后再试，或把问题拆小一点再问。`
}

/**
 * The deadline middleware: runs the rest of the chain (error boundary, router) against the message's
 * deadline, lengthened once the router tells (`turn.onDecided`) that the intent is of the long class.
 */
export function deadline(timeouts: { handlerMs: number; pipelineMs: number }): Middleware<Turn> {
  return async (turn, next) => {
    const { ctx, outbox, abort } = turn
    let timeoutMs = deadlineFor('unknown', timeouts)
    const started = Date.now()
    let timer: NodeJS.Timeout | undefined
    let fire!: () => void
    const expired = new Promise<'timeout'>((resolve) => {
      fire = () => resolve('timeout')
      timer = setTimeout(fire, timeoutMs)
    })
    // Once the intent is known, a long-running kind of work gets its own (longer) deadline.
    turn.onDecided = (intent) => {
      const nextMs = deadlineFor(intent, timeouts)
      if (nextMs === timeoutMs) return
      timeoutMs = nextMs
      clearTimeout(timer)
      timer = setTimeout(fire, Math.max(0, started + nextMs - Date.now()))
    }
    const run = next().then(() => 'done' as const)
    const outcome = await Promise.race([run, expired])
    clearTimeout(timer)
    if (outcome === 'done') return

    abort.abort(new Error(`handler deadline of ${timeoutMs} ms passed`))
    ctx.result.status = 'failed'
    ctx.result.error = `handler timed out after ${timeoutMs} ms`
    ctx.logger.error({ intent: ctx.intent, timeoutMs }, 'handler timed out; abandoning it and apologising')
    try {
      await outbox.seal(timeoutApology(timeoutMs))
    } catch (err) {
      ctx.logger.error({ err }, 'could not deliver the timeout apology')
    }
    // The abandoned handler may still settle later; its outcome no longer matters, but must not go unhandled.
    void run.catch(() => undefined)
  }
}
