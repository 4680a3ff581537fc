import type { Logger } from '../logger.js'
import type { GraphRespondFn, GraphResponse, StreamFrame } from './stream-protocol.js'

/**
 * Serves Graph API invocations (AI 助理 abilities, dingtalk.md §9) arriving on the stream: each frame's
 * `data` goes to the handler (the HTTP API in-process, src/http/graph.ts) and the response goes back as
 * that frame's ack, on the socket the frame came on. Exactly one answer per frame:
 *
 * - A redelivery of a messageId still being served shares the first run (no second execution); one
 *   already answered within `cacheTtlMs` gets the same response again at once (as the Python SDK does
 *   for its acks, dingtalk.md §1.5). Writes are also idempotent in the database across restarts
 *   (Idempotency-Key = the messageId, src/http/idempotency.ts).
 * - A handler that throws (it should not) still produces a 500 answer in the seed envelope.
 */

export interface GraphRequestMeta {
  readonly messageId: string
  readonly connectionId: string
}

/** Serves one invocation's `data` (the request JSON). Should not throw. */
export type GraphHandler = (data: string, meta: GraphRequestMeta) => Promise<GraphResponse>

export interface GraphInvocationsOptions {
  readonly handler: GraphHandler
  readonly logger: Logger
  /** How long an answer is kept for redeliveries of the same messageId (default 5 min). */
  readonly cacheTtlMs?: number
  /** Most answers kept (default 1000; the oldest go first). */
  readonly cacheMax?: number
}

export interface GraphStats {
  /** Frames received (redeliveries included). */
  readonly invocations: number
  /** Invocations that ran the handler (redeliveries excluded). */
  readonly executed: number
  /** Redeliveries answered from the first run or the cache. */
  readonly replayed: number
  readonly answered: number
  /** The answer could not be written: the socket had gone (DingTalk redelivers; the cache answers). */
  readonly answerLost: number
  readonly handlerFailures: number
}

interface Entry {
  readonly response: Promise<GraphResponse>
  settledAt?: number
}

const FALLBACK_BODY = JSON.stringify({ ret: 500, data: {}, msg: '服务器内部错误，已记录。请稍后重试。' })

export class GraphInvocations {
  private readonly entries = new Map<string, Entry>()
  private readonly ttlMs: number
  private readonly max: number
  private counts = { invocations: 0, executed: 0, replayed: 0, answered: 0, answerLost: 0, handlerFailures: 0 }

  constructor(private readonly opts: GraphInvocationsOptions) {
    this.ttlMs = opts.cacheTtlMs ?? 300_000
    this.max = Math.max(1, opts.cacheMax ?? 1000)
  }

  stats(): GraphStats {
    return { ...this.counts }
  }

  /** Answers one frame (never throws, never rejects). */
  async onFrame(
    frame: StreamFrame,
    respond: GraphRespondFn,
    meta: { connectionId: string; receivedAt: number },
  ): Promise<void> {
    this.counts.invocations++
    const messageId = frame.headers.messageId
    const now = Date.now()
    this.sweep(now)
    let entry = this.entries.get(messageId)
    if (entry) {
      this.counts.replayed++
      this.opts.logger.info(
        { messageId, connectionId: meta.connectionId },
        'graph invocation redelivered: answering with the first run',
      )
    } else {
      this.counts.executed++
      entry = { response: this.run(frame.data, { messageId, connectionId: meta.connectionId }) }
      this.entries.set(messageId, entry)
      const e = entry
      void e.response.then(() => (e.settledAt = Date.now()))
    }
    const response = await entry.response
    if (respond(response)) this.counts.answered++
    else {
      this.counts.answerLost++
      this.opts.logger.warn(
        { messageId, connectionId: meta.connectionId },
        'graph answer not written: connection already closed (DingTalk will redeliver)',
      )
    }
  }

  private async run(data: string, meta: GraphRequestMeta): Promise<GraphResponse> {
    try {
      return await this.opts.handler(data, meta)
    } catch (err) {
      this.counts.handlerFailures++
      this.opts.logger.error({ err, messageId: meta.messageId }, 'graph invocation failed')
      return {
        statusLine: { code: 500, reasonPhrase: 'Internal Server Error' },
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body: FALLBACK_BODY,
      }
    }
  }

  /** Drops expired answers and, past the cap, the oldest settled ones (runs in flight are kept). */
  private sweep(now: number): void {
    for (const [id, e] of this.entries) {
      if (this.entries.size < this.max && (e.settledAt === undefined || now - e.settledAt < this.ttlMs)) break
      if (e.settledAt !== undefined) this.entries.delete(id)
    }
  }
}
