import { DWClient, type DWClientDownStream } from 'dingtalk-stream'
import WebSocket, { type RawData } from 'ws'
import type { Logger } from '../logger.js'
import {
  type AckFn,
  ackFrame,
  type GraphRespondFn,
  openStreamTicket,
  parseStreamFrame,
  rawToString,
  STREAM_UA,
  type StreamFrame,
  StreamOpenError,
  TOPIC_GRAPH,
  TOPIC_ROBOT,
} from './stream-protocol.js'

export {
  type AckFn,
  type GraphRespondFn,
  type GraphResponse,
  type StreamFrame,
  StreamOpenError,
  TOPIC_GRAPH,
  TOPIC_ROBOT,
} from './stream-protocol.js'

/** What a wire client reports to its manager. Implementations must not throw (calls are guarded anyway). */
export interface WireClientHooks {
  onFrame(client: StreamWireClient): void
  onRobotCallback(client: StreamWireClient, frame: StreamFrame, ack: AckFn, receivedAt: number): void
  /** A Graph API invocation (AI 助理 ability); `respond` writes the answer as the ack on this socket. */
  onGraphCallback(client: StreamWireClient, frame: StreamFrame, respond: GraphRespondFn, receivedAt: number): void
  onDisconnectFrame(client: StreamWireClient, reason: string): void
  /** The socket closed, errored or went stale after it was open. */
  onLost(client: StreamWireClient, reason: string): void
}

export interface WireClientOptions {
  readonly id: string
  readonly clientId: string
  readonly clientSecret: string
  readonly apiBase: string
  readonly endpointTimeoutMs: number
  readonly openTimeoutMs: number
  readonly closeGraceMs: number
  /** CALLBACK topics to subscribe (TOPIC_ROBOT and/or TOPIC_GRAPH). */
  readonly topics: readonly string[]
  readonly logger: Logger
  readonly hooks: WireClientHooks
}

/** The SDK's private fields we drive ourselves (declared `private` in its .d.ts). */
interface SdkInternals {
  socket?: WebSocket
  dw_url?: string
  sslopts: WebSocket.ClientOptions
}

const noop = (): void => {}

/**
 * One DingTalk stream connection: a `DWClient` used only as the wire client (its config, frame dispatch
 * and ack shape), with the SDK's lifecycle replaced. Never reconnects by itself (dingtalk.md §7 #1–#5),
 * never prints to the console (§7 #16), never throws out of a socket listener (§7 #10), and always
 * answers on its own socket (§7 #11). A new instance is made for every connection attempt.
 */
export class StreamWireClient extends DWClient {
  readonly id: string
  openedAt: number | undefined
  lastActivityAt = 0
  private readonly opts: WireClientOptions
  private readonly log: Logger
  private readonly abort = new AbortController()
  private rejectOpen: ((err: Error) => void) | undefined
  private watchdog: NodeJS.Timeout | undefined
  private disposed = false
  private frameReceivedAt = 0
  private socketClosed: Promise<void> | undefined
  private closeTimers = 0

  constructor(opts: WireClientOptions) {
    // autoReconnect and subscriptions exist in the SDK config but not in its constructor type (§7 #1, #15).
    super({
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      ua: STREAM_UA,
      keepAlive: false,
      debug: false,
      autoReconnect: false,
      subscriptions: opts.topics.map((topic) => ({ type: 'CALLBACK', topic })),
    } as ConstructorParameters<typeof DWClient>[0])
    this.opts = opts
    this.id = opts.id
    this.log = opts.logger.child({ connectionId: opts.id })
  }

  private get sdk(): SdkInternals {
    return this as unknown as SdkInternals
  }

  /** Number of live timers and open sockets held by this connection (0/0 once disposed). */
  resources(): { timers: number; sockets: number } {
    const ws = this.sdk.socket
    return {
      timers: (this.watchdog ? 1 : 0) + this.closeTimers,
      sockets: ws && ws.readyState !== WebSocket.CLOSED ? 1 : 0,
    }
  }

  /** POST connections/open (our apiBase, ua, localIp; fetch with a timeout) and keep `endpoint?ticket=…` for `_connect()`. */
  override async getEndpoint(): Promise<this> {
    const { endpoint, ticket } = await openStreamTicket({
      apiBase: this.opts.apiBase,
      clientId: this.opts.clientId,
      clientSecret: this.opts.clientSecret,
      subscriptions: this.config.subscriptions,
      timeoutMs: this.opts.endpointTimeoutMs,
      signal: this.abort.signal,
    })
    // dingtalk.md §1.1: `${endpoint}?ticket=${ticket}`, single-use, valid 90 s; URL-encoded like the Python SDK.
    this.sdk.dw_url = `${endpoint}?ticket=${encodeURIComponent(ticket)}`
    return this
  }

  /** Opens the WebSocket (no SDK console output, no SDK reconnect); resolves on 'open'. */
  override _connect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const url = this.sdk.dw_url
      if (!url || this.disposed)
        return reject(new StreamOpenError('no endpoint to connect to', this.disposed ? 'aborted' : 'bad_response'))
      let ws: WebSocket
      try {
        ws = new WebSocket(url, { ...this.sdk.sslopts, handshakeTimeout: this.opts.openTimeoutMs })
      } catch {
        // The ws error message would contain the URL, i.e. the ticket.
        return reject(new StreamOpenError('websocket: invalid endpoint URL', 'bad_response'))
      }
      this.sdk.socket = ws
      let settled = false
      const fail = (err: Error): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.rejectOpen = undefined
        void this.closeSocket(false)
        reject(err)
      }
      this.rejectOpen = fail
      const timer = setTimeout(
        () => fail(new StreamOpenError(`websocket did not open within ${this.opts.openTimeoutMs} ms`, 'timeout')),
        this.opts.openTimeoutMs,
      )
      ws.on('open', () => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.rejectOpen = undefined
        this.connected = true
        this.openedAt = this.lastActivityAt = Date.now()
        resolve()
      })
      ws.on('message', (data: RawData) => {
        try {
          this.onDownStream(rawToString(data))
        } catch (err) {
          this.log.error({ err }, 'stream frame handling failed')
        }
      })
      ws.on('pong', () => {
        this.lastActivityAt = Date.now()
      })
      ws.on('error', (err: Error) => {
        this.log.debug({ err }, 'stream socket error')
        fail(new StreamOpenError(`websocket: ${err.message}`, 'ws', undefined, { cause: err }))
      })
      ws.on('close', (code: number, reason: Buffer) => {
        try {
          this.connected = false
          if (!settled) return fail(new StreamOpenError(`websocket closed before open (code ${code})`, 'ws'))
          if (!this.disposed)
            this.opts.hooks.onLost(this, `socket closed (code ${code}${reason.length ? `, ${reason.toString()}` : ''})`)
        } catch (err) {
          this.log.error({ err }, 'stream close handling failed')
        }
      })
    })
  }

  /**
   * Liveness watchdog (dingtalk.md §7 #3/#4: replaces the SDK's leaky 8 s keepAlive): a ws ping every
   * livenessMs/3, checked every livenessMs/6; nothing at all (no frame, no pong) for livenessMs → lost.
   */
  startWatchdog(livenessMs: number): void {
    if (this.watchdog || this.disposed) return
    const tickMs = Math.max(10, Math.floor(livenessMs / 6))
    let tick = 0
    let lastTickAt = Date.now()
    this.watchdog = setInterval(() => {
      try {
        const now = Date.now()
        // A late tick means our event loop was blocked (§7 #4): frames may sit unread, so judge next tick.
        const blocked = now - lastTickAt > tickMs * 3
        lastTickAt = now
        const idleMs = now - this.lastActivityAt
        if (idleMs > livenessMs && !blocked) {
          this.log.warn({ idleMs, livenessMs }, 'stream connection silent too long; reconnecting')
          this.opts.hooks.onLost(this, 'liveness timeout')
          return
        }
        const ws = this.sdk.socket
        if ((++tick % 2 === 0 || blocked) && ws?.readyState === WebSocket.OPEN) ws.ping()
      } catch (err) {
        this.log.error({ err }, 'stream watchdog failed')
      }
    }, tickMs)
  }

  /** Malformed frames are logged and ignored, never thrown (dingtalk.md §7 #10). */
  override onDownStream(data: string): void {
    this.frameReceivedAt = performance.now()
    this.lastActivityAt = Date.now()
    this.opts.hooks.onFrame(this)
    const frame = parseStreamFrame(data)
    if (!frame) {
      this.log.warn({ bytes: data.length, head: data.slice(0, 80) }, 'ignoring malformed stream frame')
      return
    }
    const downstream = frame as unknown as DWClientDownStream
    if (frame.type === 'SYSTEM') this.onSystem(downstream)
    else if (frame.type === 'EVENT') this.onEvent(downstream)
    else if (frame.type === 'CALLBACK') this.onCallback(downstream)
    else this.log.warn({ frameType: frame.type, topic: frame.headers.topic }, 'ignoring stream frame of unknown type')
  }

  /** dingtalk.md §1.3: echo `ping` data; ack `disconnect` on this socket, then let the manager reconnect warm. */
  override onSystem(downstream: DWClientDownStream): void {
    const { topic, messageId } = downstream.headers
    if (topic === 'ping' || topic === 'disconnect') {
      this.sendFrame(ackFrame(messageId, downstream.data))
    }
    if (topic === 'disconnect') {
      let reason = ''
      try {
        reason = String((JSON.parse(downstream.data) as { reason?: unknown }).reason ?? '')
      } catch {
        // reason is diagnostic only
      }
      this.opts.hooks.onDisconnectFrame(this, reason)
    }
  }

  /** Not subscribed, but if one arrives: ack SUCCESS so it is not re-pushed. dingtalk.md §1.4. */
  override onEvent(message: DWClientDownStream): void {
    this.log.debug({ topic: message.headers.topic }, 'acking unexpected EVENT frame')
    this.sendFrame(ackFrame(message.headers.messageId, JSON.stringify({ status: 'SUCCESS', message: 'OK' })))
  }

  override onCallback(message: DWClientDownStream): void {
    const { topic, messageId } = message.headers
    if (topic === TOPIC_GRAPH && this.opts.topics.includes(TOPIC_GRAPH)) {
      let answered = false
      // dingtalk.md §9: the answer IS the ack: data = {"response": {statusLine, headers, body}}, on THIS socket (§7 #11).
      const respond: GraphRespondFn = (response) => {
        if (answered) return true
        answered = this.sendFrame(ackFrame(messageId, JSON.stringify({ response })))
        return answered
      }
      this.opts.hooks.onGraphCallback(this, message as unknown as StreamFrame, respond, this.frameReceivedAt)
      return
    }
    if (topic !== TOPIC_ROBOT || !this.opts.topics.includes(TOPIC_ROBOT)) {
      this.log.warn({ topic }, 'unexpected CALLBACK topic')
      // dingtalk.md §1.4: code 404 = topic not supported.
      this.sendFrame(ackFrame(messageId, JSON.stringify({ response: null }), 404, 'topic not supported'))
      return
    }
    let acked = false
    // dingtalk.md §1.4: robot ack data is {"response": null}; written to THIS socket (§7 #11).
    const ack: AckFn = () => {
      if (acked) return true
      acked = this.sendFrame(ackFrame(messageId, JSON.stringify({ response: null })))
      return acked
    }
    this.opts.hooks.onRobotCallback(this, message as unknown as StreamFrame, ack, this.frameReceivedAt)
  }

  /** Writes one JSON frame on this connection's socket; false when it is not open. */
  sendFrame(frame: object): boolean {
    const ws = this.sdk.socket
    if (!ws || ws.readyState !== WebSocket.OPEN) return false
    try {
      ws.send(JSON.stringify(frame), (err) => {
        if (err) this.log.warn({ err }, 'stream frame write failed')
      })
      return true
    } catch (err) {
      this.log.warn({ err }, 'stream frame write failed')
      return false
    }
  }

  /** Stops everything this connection holds: the pending open, the watchdog, the socket. Idempotent. */
  async dispose(graceful: boolean): Promise<void> {
    this.disposed = true
    this.connected = false
    if (this.watchdog) clearInterval(this.watchdog)
    this.watchdog = undefined
    try {
      if (!this.abort.signal.aborted) this.abort.abort(new StreamOpenError('stopped', 'aborted'))
      this.rejectOpen?.(new StreamOpenError('stopped', 'aborted'))
    } catch (err) {
      this.log.debug({ err }, 'stream abort failed')
    }
    await this.closeSocket(graceful)
  }

  /** Closes (or terminates) the socket, dropping our listeners first; a late 'error' hits a no-op. */
  private closeSocket(graceful: boolean): Promise<void> {
    this.socketClosed ??= this.doCloseSocket(graceful)
    return this.socketClosed
  }

  private doCloseSocket(graceful: boolean): Promise<void> {
    const ws = this.sdk.socket
    if (!ws) return Promise.resolve()
    ws.removeAllListeners()
    ws.on('error', noop)
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    this.closeTimers = 2
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(force)
        clearTimeout(giveUp)
        this.closeTimers = 0
        ws.removeAllListeners()
        ws.on('error', noop)
        resolve()
      }
      ws.once('close', done)
      const terminate = (): void => {
        try {
          ws.terminate()
        } catch {
          // already gone
        }
      }
      const force = setTimeout(terminate, graceful && ws.readyState === WebSocket.OPEN ? this.opts.closeGraceMs : 0)
      const giveUp = setTimeout(done, this.opts.closeGraceMs + 1000)
      if (graceful && ws.readyState === WebSocket.OPEN) {
        try {
          ws.close(1000, 'andy: closing')
        } catch {
          terminate()
        }
      }
    })
  }
}
