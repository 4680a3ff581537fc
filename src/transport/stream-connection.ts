import type { Logger } from '../logger.js'
import {
  type AckFn,
  type GraphRespondFn,
  type StreamFrame,
  StreamOpenError,
  StreamWireClient,
  TOPIC_GRAPH,
  TOPIC_ROBOT,
  type WireClientHooks,
} from './stream-wire-client.js'

export {
  type AckFn,
  type GraphRespondFn,
  type GraphResponse,
  type StreamFrame,
  StreamOpenError,
  TOPIC_GRAPH,
  TOPIC_ROBOT,
} from './stream-wire-client.js'

/** Connection state for /healthz. `backoff` = waiting before the next connect attempt. */
export type StreamState = 'connecting' | 'connected' | 'backoff' | 'stopped'

/** Timing knobs; defaults follow dingtalk.md §1.6 (Python/Node-repo back-off) and §1.3 (~10 s disconnect drain). */
export interface StreamTuning {
  /** Back-off base (default 1000 ms): delay n = min(base·2^n + rand(0..jitter), cap). */
  readonly backoffBaseMs?: number
  /** Back-off cap (default 60 000 ms). */
  readonly backoffCapMs?: number
  /** Jitter upper bound (default = backoffBaseMs). */
  readonly backoffJitterMs?: number
  /** A connection open this long resets the back-off (default 60 000 ms). */
  readonly healthyResetMs?: number
  /** Max wait for the WebSocket 'open' (default 10 000 ms). */
  readonly openTimeoutMs?: number
  /** Max wait for connections/open (default 10 000 ms). */
  readonly endpointTimeoutMs?: number
  /** After a `disconnect` frame, how long the old socket may linger if the new one is not open yet (default 10 000 ms). */
  readonly drainTimeoutMs?: number
  /** Close handshake grace before a socket is terminated (default 1000 ms). */
  readonly closeGraceMs?: number
  /** Random source for the jitter (tests pin it). */
  readonly random?: () => number
}

/** Called for every robot CALLBACK frame; `ack()` writes the ack on the socket the frame came on. */
export type RobotCallbackFn = (
  frame: StreamFrame,
  ack: AckFn,
  meta: { connectionId: string; receivedAt: number },
) => void | Promise<void>

/** Called for every Graph API invocation (AI 助理 ability); `respond()` answers it on the socket it came on. */
export type GraphCallbackFn = (
  frame: StreamFrame,
  respond: GraphRespondFn,
  meta: { connectionId: string; receivedAt: number },
) => void | Promise<void>

export interface StreamConnectionOptions extends StreamTuning {
  readonly clientId: string
  readonly clientSecret: string
  /** e.g. https://api.dingtalk.com, or http://127.0.0.1:port for the fake gateway. */
  readonly apiBase: string
  /** No frame and no pong for this long → terminate and reconnect. */
  readonly livenessTimeoutMs: number
  readonly logger: Logger
  /** Robot messages; absent: the robot topic is not subscribed (an AI 助理-only connection). */
  readonly onRobotMessage?: RobotCallbackFn
  /** Graph API invocations; present: TOPIC_GRAPH is subscribed too. */
  readonly onGraphInvoke?: GraphCallbackFn
  readonly onStateChange?: (state: StreamState, previous: StreamState) => void
}

/** Counters for health and tests. */
export interface StreamStats {
  readonly state: StreamState
  readonly connects: number
  readonly reconnects: number
  readonly openAttempts: number
  readonly openFailures: number
  readonly framesReceived: number
  readonly lastFrameAt?: number
  readonly connectedSince?: number
  readonly lastError?: string
}

/** The back-off delay before attempt n (0-based). dingtalk.md §1.6. */
export function backoffDelay(
  n: number,
  baseMs: number,
  capMs: number,
  jitterMs: number,
  random: () => number = Math.random,
): number {
  return Math.min(baseMs * 2 ** Math.min(n, 30) + random() * jitterMs, capMs)
}

/**
 * Owns the DingTalk stream connection lifecycle: single-flight connect with exponential back-off and
 * jitter, warm reconnect on `disconnect`, a liveness watchdog, and a clean stop. One
 * {@link StreamWireClient} per connection; the SDK's own reconnect/keepalive is never used (dingtalk.md §7).
 * Single use: after `stop()` make a new instance.
 */
export class StreamConnectionManager {
  private st: StreamState = 'stopped'
  private started = false
  private stopped = false
  private current: StreamWireClient | undefined
  private pending: StreamWireClient | undefined
  private readonly draining = new Map<StreamWireClient, NodeJS.Timeout>()
  private readonly closing = new Set<StreamWireClient>()
  private connectTimer: NodeJS.Timeout | undefined
  private healthyTimer: NodeJS.Timeout | undefined
  private readonly waiters = new Set<{ resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>()
  private failures = 0
  private seq = 0
  private counters = { connects: 0, reconnects: 0, openAttempts: 0, openFailures: 0, framesReceived: 0 }
  private lastFrameAt: number | undefined
  private lastError: string | undefined
  private readonly tuning: Required<StreamTuning>
  private readonly log: Logger
  private readonly hooks: WireClientHooks

  constructor(private readonly opts: StreamConnectionOptions) {
    if (!opts.clientId || !opts.clientSecret) throw new Error('DingTalk stream: clientId and clientSecret are required')
    if (!opts.onRobotMessage && !opts.onGraphInvoke)
      throw new Error('DingTalk stream: nothing to subscribe (no robot or Graph API handler)')
    const base = opts.backoffBaseMs ?? 1000
    this.tuning = {
      backoffBaseMs: base,
      backoffCapMs: opts.backoffCapMs ?? 60_000,
      backoffJitterMs: opts.backoffJitterMs ?? base,
      healthyResetMs: opts.healthyResetMs ?? 60_000,
      openTimeoutMs: opts.openTimeoutMs ?? 10_000,
      endpointTimeoutMs: opts.endpointTimeoutMs ?? 10_000,
      drainTimeoutMs: opts.drainTimeoutMs ?? 10_000,
      closeGraceMs: opts.closeGraceMs ?? 1000,
      random: opts.random ?? Math.random,
    }
    this.log = opts.logger
    this.hooks = {
      onFrame: () => {
        this.counters.framesReceived++
        this.lastFrameAt = Date.now()
      },
      onRobotCallback: (client, frame, ack, receivedAt) =>
        this.dispatch(client, frame, () =>
          this.opts.onRobotMessage?.(frame, ack, { connectionId: client.id, receivedAt }),
        ),
      onGraphCallback: (client, frame, respond, receivedAt) =>
        this.dispatch(client, frame, () =>
          this.opts.onGraphInvoke?.(frame, respond, { connectionId: client.id, receivedAt }),
        ),
      onDisconnectFrame: (client, reason) => this.guard('disconnect', () => this.onDisconnectFrame(client, reason)),
      onLost: (client, reason) => this.guard('lost', () => this.onLost(client, reason)),
    }
  }

  /** The gateway URL (no secrets) for messages. */
  get gatewayUrl(): string {
    return `${this.opts.apiBase}/v1.0/gateway/connections/open`
  }

  state(): StreamState {
    return this.st
  }

  stats(): StreamStats {
    return {
      state: this.st,
      ...this.counters,
      lastFrameAt: this.lastFrameAt,
      connectedSince: this.current?.openedAt,
      lastError: this.lastError,
    }
  }

  /** Live timers and sockets owned by this manager and its connections (both 0 after `stop()`). */
  resources(): { timers: number; sockets: number } {
    let timers = this.draining.size + this.waiters.size + (this.connectTimer ? 1 : 0) + (this.healthyTimer ? 1 : 0)
    let sockets = 0
    for (const c of this.clients()) {
      const r = c.resources()
      timers += r.timers
      sockets += r.sockets
    }
    return { timers, sockets }
  }

  /** Begins connecting (in the background). */
  start(): void {
    if (this.started) throw new Error('StreamConnectionManager is single-use: create a new one after stop()')
    this.started = true
    this.scheduleConnect(0)
  }

  /**
   * Resolves when a connection is open. Rejects after `timeoutMs`, on `stop()`, or — before the first
   * connection — at once on a permanent connections/open error (HTTP 4xx: bad credentials, app not in stream mode).
   */
  waitUntilConnected(timeoutMs: number): Promise<void> {
    if (this.st === 'connected') return Promise.resolve()
    if (this.stopped) return Promise.reject(new Error('DingTalk stream: stopped'))
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter)
          const last = this.lastError ? ` (last error: ${this.lastError})` : ''
          reject(new Error(`DingTalk stream: no connection via ${this.gatewayUrl} within ${timeoutMs} ms${last}`))
        }, timeoutMs),
      }
      this.waiters.add(waiter)
    })
  }

  /** Opens a new connection now and retires the current one once the new one is open (warm). */
  reconnectNow(reason: string): void {
    if (this.current) this.onDisconnectFrame(this.current, reason)
  }

  /** Closes every socket, clears every timer, cancels any connect in flight. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.connectTimer)
    clearTimeout(this.healthyTimer)
    this.connectTimer = this.healthyTimer = undefined
    for (const timer of this.draining.values()) clearTimeout(timer)
    const all = [...this.clients()]
    this.current = this.pending = undefined
    this.draining.clear()
    this.setState('stopped')
    this.settleWaiters(new Error('DingTalk stream: stopped'))
    await Promise.all(all.map((c) => c.dispose(true)))
    this.closing.clear()
    this.log.info('stream stopped')
  }

  private *clients(): Iterable<StreamWireClient> {
    if (this.current) yield this.current
    if (this.pending) yield this.pending
    yield* this.draining.keys()
    yield* this.closing
  }

  private backoff(n: number): number {
    const t = this.tuning
    return backoffDelay(n, t.backoffBaseMs, t.backoffCapMs, t.backoffJitterMs, t.random)
  }

  private setState(next: StreamState): void {
    const previous = this.st
    if (previous === next) return
    this.st = next
    this.guard('onStateChange', () => this.opts.onStateChange?.(next, previous))
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.log.error({ err, what }, 'stream hook failed')
    }
  }

  private settleWaiters(err?: Error): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer)
      if (err) w.reject(err)
      else w.resolve()
    }
    this.waiters.clear()
  }

  /** The CALLBACK topics this manager's connections subscribe. */
  get topics(): string[] {
    return [...(this.opts.onRobotMessage ? [TOPIC_ROBOT] : []), ...(this.opts.onGraphInvoke ? [TOPIC_GRAPH] : [])]
  }

  private dispatch(client: StreamWireClient, frame: StreamFrame, run: () => void | Promise<void>): void {
    const what = frame.headers.topic === TOPIC_GRAPH ? 'graph invocation' : 'robot message'
    try {
      const result = run()
      if (result instanceof Promise)
        result.catch((err: unknown) =>
          this.log.error(
            { err, messageId: frame.headers.messageId, connectionId: client.id },
            `${what} handler failed`,
          ),
        )
    } catch (err) {
      this.log.error({ err, messageId: frame.headers.messageId, connectionId: client.id }, `${what} handler failed`)
    }
  }

  /** Retires a connection in the background; it is counted in resources() until its socket is closed. */
  private retire(client: StreamWireClient, graceful: boolean): void {
    const drainTimer = this.draining.get(client)
    if (drainTimer) clearTimeout(drainTimer)
    this.draining.delete(client)
    this.closing.add(client)
    client.dispose(graceful).then(
      () => this.closing.delete(client),
      (err: unknown) => {
        this.closing.delete(client)
        this.log.warn({ err, connectionId: client.id }, 'closing stream connection failed')
      },
    )
  }

  /** Single-flight: does nothing while an attempt is scheduled or in flight. */
  private scheduleConnect(delayMs: number): void {
    if (this.stopped || this.connectTimer || this.pending) return
    if (!this.current) this.setState(delayMs > 0 ? 'backoff' : 'connecting')
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined
      void this.attemptConnect()
    }, delayMs)
  }

  private async attemptConnect(): Promise<void> {
    try {
      await this.connectOnce()
    } catch (err) {
      this.log.error({ err }, 'stream connect loop failed')
    }
  }

  private async connectOnce(): Promise<void> {
    if (this.stopped || this.pending) return
    const client = new StreamWireClient({
      id: `c${++this.seq}`,
      clientId: this.opts.clientId,
      clientSecret: this.opts.clientSecret,
      apiBase: this.opts.apiBase,
      endpointTimeoutMs: this.tuning.endpointTimeoutMs,
      openTimeoutMs: this.tuning.openTimeoutMs,
      closeGraceMs: this.tuning.closeGraceMs,
      topics: this.topics,
      logger: this.log,
      hooks: this.hooks,
    })
    this.pending = client
    if (!this.current) this.setState('connecting')
    this.counters.openAttempts++
    try {
      await client.getEndpoint()
      await client._connect()
      if (this.stopped) return
      this.pending = undefined
      this.adopt(client)
    } catch (err) {
      if (this.pending === client) this.pending = undefined
      if (this.stopped) return
      this.retire(client, false)
      this.counters.openFailures++
      this.lastError = (err as Error).message
      const delayMs = this.backoff(this.failures++)
      this.log.warn(
        { connectionId: client.id, err, failures: this.failures, delayMs: Math.round(delayMs) },
        'stream connect failed; backing off',
      )
      if (err instanceof StreamOpenError && err.permanent && this.counters.connects === 0) this.settleWaiters(err)
      this.scheduleConnect(delayMs)
    }
  }

  private adopt(client: StreamWireClient): void {
    this.current = client
    this.counters.connects++
    if (this.counters.connects > 1) this.counters.reconnects++
    this.lastError = undefined
    client.startWatchdog(this.opts.livenessTimeoutMs)
    clearTimeout(this.healthyTimer)
    this.healthyTimer = setTimeout(() => {
      this.healthyTimer = undefined
      if (this.current === client) this.failures = 0
    }, this.tuning.healthyResetMs)
    for (const old of [...this.draining.keys()]) this.retire(old, true)
    this.log.info({ connectionId: client.id, connects: this.counters.connects }, 'stream connected')
    this.setState('connected')
    this.settleWaiters()
  }

  private onLost(client: StreamWireClient, reason: string): void {
    if (client !== this.current) {
      // A draining or already-replaced connection went away: just make sure it is closed.
      if (this.draining.has(client)) this.retire(client, false)
      return
    }
    this.current = undefined
    clearTimeout(this.healthyTimer)
    this.healthyTimer = undefined
    this.retire(client, false)
    if (this.stopped) return
    this.lastError = reason
    const delayMs = this.backoff(this.failures++)
    this.log.warn(
      { connectionId: client.id, reason, delayMs: Math.round(delayMs) },
      'stream connection lost; reconnecting',
    )
    if (this.pending) this.setState('connecting')
    this.scheduleConnect(delayMs)
  }

  /** dingtalk.md §1.3 / §7 #7: the server will stop delivering here and close in ~10 s — reconnect now, warm. */
  private onDisconnectFrame(client: StreamWireClient, reason: string): void {
    if (client !== this.current || this.stopped) return
    this.log.info({ connectionId: client.id, reason }, 'stream disconnect requested by DingTalk; reconnecting')
    this.current = undefined
    clearTimeout(this.healthyTimer)
    this.healthyTimer = undefined
    this.draining.set(
      client,
      setTimeout(() => this.guard('drain', () => this.retire(client, true)), this.tuning.drainTimeoutMs),
    )
    // Immediately, unless connections keep failing (then a `disconnect` right after connect must not loop).
    const n = this.failures++
    this.scheduleConnect(n === 0 ? 0 : this.backoff(n - 1))
  }
}
