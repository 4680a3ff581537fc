import { type AppConfig, missingStreamCredentials } from '../config.js'
import { type InboundEnvelope, parseRobotMessage } from '../core/message.js'
import type { Logger } from '../logger.js'
import { type GraphHandler, GraphInvocations, type GraphStats } from './graph-invocations.js'
import {
  type AckFn,
  StreamConnectionManager,
  type StreamFrame,
  type StreamState,
  type StreamStats,
  type StreamTuning,
} from './stream-connection.js'
import type { MessageSink, Transport } from './types.js'

export interface DingtalkStreamTransportOptions {
  readonly config: AppConfig
  readonly logger: Logger
  /** Stores each message (synchronously, durably); the ack is written only after it returns. Absent: robot messages are not subscribed. */
  readonly sink?: MessageSink
  /** Serves AI 助理 ability invocations (TOPIC_GRAPH); absent: that topic is not subscribed. */
  readonly graph?: GraphHandler
  /** Another app's credentials (the AI 助理's own, DINGTALK_ASSISTANT_CLIENT_ID/SECRET) instead of DINGTALK_CLIENT_ID/SECRET. */
  readonly credentials?: { readonly clientId: string; readonly clientSecret: string }
  /** How long `start()` waits for the first connection (default 30 000 ms). */
  readonly startTimeoutMs?: number
  /** Overrides `config.livenessTimeoutMs` (tests). */
  readonly livenessTimeoutMs?: number
  /** How many recent frame-to-ack latencies to keep (default 1024). */
  readonly ackLatencyWindow?: number
  /** Connection timing knobs (tests use small values). */
  readonly tuning?: StreamTuning
  /** Observes connection state changes. */
  readonly onStateChange?: (state: StreamState, previous: StreamState) => void
}

/** Transport counters: the connection's plus message handling. */
export interface DingtalkStreamStats extends StreamStats {
  readonly accepted: number
  readonly duplicates: number
  readonly acked: number
  /** Ack could not be written (socket already gone): DingTalk will redeliver, the inbox dedupes. */
  readonly ackLost: number
  readonly acceptFailures: number
  readonly parseFailures: number
  /** AI 助理 ability invocations (Graph API). */
  readonly graph: GraphStats
}

/**
 * Receives robot messages over the DingTalk Stream gateway: store-then-ack. With `graph`, also serves
 * AI 助理 ability invocations (answered in the ack, see GraphInvocations).
 * For every robot CALLBACK frame: parse → `sink.accept()` → ack on the frame's own socket. A payload that
 * is not a robot message is logged and acked (redelivering garbage helps no one); when `accept` throws
 * the frame is NOT acked, so DingTalk redelivers it (~60 s, dingtalk.md §1.5).
 */
export class DingtalkStreamTransport implements Transport {
  private manager: StreamConnectionManager | undefined
  private starting: Promise<void> | undefined
  private readonly log: Logger
  private readonly latencies: Float64Array
  private latencyNext = 0
  private latencyCount = 0
  private counts = { accepted: 0, duplicates: 0, acked: 0, ackLost: 0, acceptFailures: 0, parseFailures: 0 }
  private readonly graph: GraphInvocations | undefined

  constructor(private readonly options: DingtalkStreamTransportOptions) {
    this.log = options.logger.child({ transport: 'stream' })
    this.latencies = new Float64Array(Math.max(1, options.ackLatencyWindow ?? 1024))
    if (options.graph)
      this.graph = new GraphInvocations({ handler: options.graph, logger: this.log.child({ topic: 'graph' }) })
  }

  /**
   * Connects and resolves once the first connection is open. Rejects — and leaves nothing running — when
   * the credentials are missing, when connections/open answers a permanent 4xx before any connection,
   * or when no connection opened within `startTimeoutMs`; the error names the gateway URL, never a secret.
   * Once started, later outages are retried forever with back-off. Calling it while running is a no-op.
   * `andy start` uses {@link begin} instead: it must not wait for (or give up on) DingTalk.
   */
  start(): Promise<void> {
    if (this.starting) return this.starting
    if (this.manager && this.manager.state() !== 'stopped') return Promise.resolve()
    this.starting = this.connect().finally(() => {
      this.starting = undefined
    })
    return this.starting
  }

  /**
   * Starts connecting in the background and returns at once: every failure — DingTalk unreachable, a
   * 4xx from connections/open — is retried with back-off until `stop()`. Throws only when the
   * credentials are missing. A no-op while running.
   */
  begin(): void {
    if (this.manager && this.manager.state() !== 'stopped') return
    this.createManager().start()
  }

  /** Resolves once a connection is open; rejects after `timeoutMs` (connecting goes on), on `stop()`, or before the first connection on a permanent 4xx. */
  waitUntilConnected(timeoutMs: number): Promise<void> {
    if (!this.manager) return Promise.reject(new Error('DingTalk stream: not started'))
    return this.manager.waitUntilConnected(timeoutMs)
  }

  private createManager(): StreamConnectionManager {
    const { config } = this.options
    const creds = this.options.credentials
    const missing = creds ? [] : missingStreamCredentials(config)
    if (missing.length > 0) throw new Error(`DingTalk stream: missing ${missing.join(', ')}`)
    const { sink, graph } = this.options
    const manager = new StreamConnectionManager({
      ...this.options.tuning,
      clientId: creds?.clientId ?? config.dingtalk.clientId ?? '',
      clientSecret: creds?.clientSecret ?? config.dingtalk.clientSecret ?? '',
      apiBase: config.dingtalk.apiBase,
      livenessTimeoutMs: this.options.livenessTimeoutMs ?? config.livenessTimeoutMs,
      logger: this.log,
      onRobotMessage: sink ? (frame, ack, meta) => void this.onRobotFrame(sink, frame, ack, meta) : undefined,
      onGraphInvoke: graph ? (frame, respond, meta) => this.graph?.onFrame(frame, respond, meta) : undefined,
      onStateChange: this.options.onStateChange,
    })
    this.manager = manager
    return manager
  }

  private async connect(): Promise<void> {
    const manager = this.createManager()
    manager.start()
    try {
      await manager.waitUntilConnected(this.options.startTimeoutMs ?? 30_000)
    } catch (err) {
      await manager.stop()
      throw err
    }
  }

  /** Closes every connection and timer. Idempotent. */
  async stop(): Promise<void> {
    await this.manager?.stop()
  }

  /** 'connecting' | 'connected' | 'backoff' | 'stopped'. */
  state(): StreamState {
    return this.manager?.state() ?? 'stopped'
  }

  /** Connection counters plus message counters (accepted, duplicates, acked, ackLost, acceptFailures, parseFailures). */
  stats(): DingtalkStreamStats {
    const base: StreamStats = this.manager?.stats() ?? {
      state: 'stopped',
      connects: 0,
      reconnects: 0,
      openAttempts: 0,
      openFailures: 0,
      framesReceived: 0,
    }
    const graph = this.graph?.stats() ?? {
      invocations: 0,
      executed: 0,
      replayed: 0,
      answered: 0,
      answerLost: 0,
      handlerFailures: 0,
    }
    return { ...base, ...this.counts, graph }
  }

  /** Live timers/sockets held by the connection (for leak checks). */
  resources(): { timers: number; sockets: number } {
    return this.manager?.resources() ?? { timers: 0, sockets: 0 }
  }

  /** The last N frame-arrival → ack-written latencies in ms, oldest first. */
  ackLatencies(): number[] {
    const n = this.latencies.length
    const out: number[] = []
    for (let i = 0; i < this.latencyCount; i++)
      out.push(this.latencies[(this.latencyNext - this.latencyCount + i + n) % n] ?? 0)
    return out
  }

  private ackAndMeasure(ack: AckFn, receivedAt: number, msgId: string | undefined, connectionId: string): void {
    if (!ack()) {
      this.counts.ackLost++
      this.log.warn({ msgId, connectionId }, 'ack not written: connection already closed (DingTalk will redeliver)')
      return
    }
    this.counts.acked++
    this.latencies[this.latencyNext] = performance.now() - receivedAt
    this.latencyNext = (this.latencyNext + 1) % this.latencies.length
    this.latencyCount = Math.min(this.latencyCount + 1, this.latencies.length)
  }

  private async onRobotFrame(
    sink: MessageSink,
    frame: StreamFrame,
    ack: AckFn,
    meta: { connectionId: string; receivedAt: number },
  ): Promise<void> {
    const { connectionId, receivedAt } = meta
    const messageId = frame.headers.messageId
    const parsed = parseRobotMessage(frame.data)
    if (!parsed.ok) {
      this.counts.parseFailures++
      this.log.warn(
        { messageId, connectionId, error: parsed.error },
        'robot callback payload is not a robot message; acking it',
      )
      this.ackAndMeasure(ack, receivedAt, undefined, connectionId)
      return
    }
    const { message } = parsed
    const { dingtalk } = this.options.config
    const envelope: InboundEnvelope = {
      source: 'stream',
      // An empty robotCode would break the dedupe scope, hence || rather than ??.
      robotCode: message.robotCode || dingtalk.robotCode || dingtalk.clientId || '',
      message,
      raw: frame.data,
    }
    let duplicate: boolean
    try {
      const result = await sink.accept(envelope)
      duplicate = result.duplicate
      this.log.debug({ msgId: message.msgId, connectionId, inboxId: result.inboxId, duplicate }, 'robot message stored')
    } catch (err) {
      this.counts.acceptFailures++
      this.log.error(
        { err, msgId: message.msgId, messageId, connectionId },
        'storing robot message failed; not acking so DingTalk redelivers it',
      )
      return
    }
    if (duplicate) this.counts.duplicates++
    else this.counts.accepted++
    this.ackAndMeasure(ack, receivedAt, message.msgId, connectionId)
  }
}
