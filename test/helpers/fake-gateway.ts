import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { type RawData, WebSocket, WebSocketServer } from 'ws'
import { HANG_MS } from './wait.js'

/** A WebSocket connection the fake gateway accepted. */
export interface GatewayConnection {
  readonly id: string
  readonly ws: WebSocket
  readonly openedAt: number
  closedAt?: number
  /** Zombie: sends nothing, ignores everything (see `goSilent`). */
  silent: boolean
  /** Got a `disconnect` frame: no new messages are routed here. */
  draining: boolean
  pingsReceived: number
}

/** An ack (response) frame the client sent back. dingtalk.md §1.4. */
export interface AckRecord {
  readonly messageId: string
  readonly connectionId: string
  readonly frame: {
    code: number
    headers: { messageId: string; contentType?: string }
    message?: string
    data?: string
  }
  readonly at: number
}

export interface OpenCall {
  readonly at: number
  readonly body: Record<string, unknown> | undefined
  readonly status: number
}

export interface SendOptions {
  messageId?: string
  /** Defaults to the newest open, non-silent, non-draining connection (waits for one to appear). */
  connection?: GatewayConnection
  /** Reject if no ack arrives within this (default 5000 ms). */
  ackTimeoutMs?: number
}

/** A Graph API request as DingTalk's AI 助理 sends it (dingtalk.md §9). */
export interface GraphRequestFrame {
  method?: string
  /** Path with query, e.g. /v1/actions/andy/search?q=… */
  uri: string
  headers?: Record<string, string>
  /** Default "{}" (what DingTalk sends for a GET). */
  body?: string
}

export interface GraphAnswer {
  readonly ack: AckRecord
  readonly response: {
    statusLine: { code: number; reasonPhrase: string }
    headers: Record<string, string>
    body: string
  }
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: any
}

export interface FakeGatewayOptions {
  clientId?: string
  clientSecret?: string
}

const OPEN_PATH = '/v1.0/gateway/connections/open'
const TICKET_TTL_MS = 90_000

/**
 * A fake DingTalk stream gateway on loopback: connections/open (single-use tickets), the WS endpoint,
 * and controls to push frames, misbehave and count what the client did. dingtalk.md §1.1–1.4.
 */
export class FakeGateway {
  readonly clientId: string
  readonly clientSecret: string
  readonly openCallLog: OpenCall[] = []
  readonly connections: GatewayConnection[] = []
  readonly acks: AckRecord[] = []
  /** Every ticket handed out (to check none is logged). */
  readonly issuedTickets: string[] = []
  rejectedUpgrades = 0
  /** Called for every accepted connection (e.g. to drop it at once). */
  onConnection: ((conn: GatewayConnection) => void) | undefined
  private readonly tickets = new Map<string, number>()
  private readonly waiters = new Map<
    string,
    { resolve: (a: AckRecord) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >()
  private readonly timers = new Set<NodeJS.Timeout>()
  private stalls = 0
  private readonly stalled = new Set<Duplex>()
  private refuse: { remaining: number; mode: 'status' | 'reset' } = { remaining: 0, mode: 'status' }
  private seq = 0
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false })
  private readonly server: http.Server

  private constructor(opts: FakeGatewayOptions) {
    this.clientId = opts.clientId ?? 'dingfakeclientid'
    this.clientSecret = opts.clientSecret ?? 'fake-secret-do-not-log-0123456789'
    this.server = http.createServer((req, res) => this.onHttp(req, res))
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const ticket = url.searchParams.get('ticket') ?? ''
      const issuedAt = this.tickets.get(ticket)
      if (url.pathname !== '/connect' || issuedAt === undefined || Date.now() - issuedAt > TICKET_TTL_MS) {
        this.rejectedUpgrades++
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        return
      }
      this.tickets.delete(ticket)
      if (this.stalls > 0) {
        // Accept TCP, never answer the handshake (tests the client's open timeout).
        this.stalls--
        this.stalled.add(socket)
        return void socket.on('close', () => this.stalled.delete(socket))
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.adopt(ws))
    })
  }

  /** Starts a gateway on 127.0.0.1 with a random port. */
  static async start(opts: FakeGatewayOptions = {}): Promise<FakeGateway> {
    const gw = new FakeGateway(opts)
    await new Promise<void>((resolve) => gw.server.listen(0, '127.0.0.1', resolve))
    return gw
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port
  }

  /** Use as DINGTALK_API_BASE. */
  get apiBase(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get openCalls(): number {
    return this.openCallLog.length
  }

  get connectionCount(): number {
    return this.connections.length
  }

  openConnections(): GatewayConnection[] {
    return this.connections.filter((c) => c.ws.readyState === WebSocket.OPEN)
  }

  /** The connection messages go to: newest open, not silent, not draining. */
  get current(): GatewayConnection | undefined {
    return this.openConnections()
      .filter((c) => !c.silent && !c.draining)
      .at(-1)
  }

  /** Make the next `n` opens fail (true: all until `refuseOpens(false)`); 'status' → HTTP 500, 'reset' → socket destroyed. */
  refuseOpens(n: number | boolean, mode: 'status' | 'reset' = 'status'): void {
    this.refuse = { remaining: n === true ? Infinity : n === false ? 0 : n, mode }
  }

  /** The next `n` WebSocket handshakes hang (no HTTP response) until the client gives up. */
  stallUpgrades(n: number): void {
    this.stalls = n
  }

  /** Sends a frame and resolves with its ack. */
  async sendFrame(
    frame: { type: string; headers: Record<string, unknown>; data: string },
    opts: SendOptions = {},
  ): Promise<AckRecord> {
    const ackTimeoutMs = opts.ackTimeoutMs ?? HANG_MS
    const conn = opts.connection ?? (await this.waitForConnection((c) => c === this.current, ackTimeoutMs))
    const messageId = String(frame.headers['messageId'])
    const ack = new Promise<AckRecord>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(messageId)
        reject(new Error(`fake gateway: no ack for ${messageId} within ${ackTimeoutMs} ms`))
      }, ackTimeoutMs)
      this.waiters.set(messageId, { resolve, reject, timer })
    })
    conn.ws.send(
      JSON.stringify({
        specVersion: '1.0',
        ...frame,
        headers: {
          contentType: 'application/json',
          time: String(Date.now()),
          appId: 'fake-app',
          connectionId: conn.id,
          ...frame.headers,
        },
      }),
    )
    return ack
  }

  /** Sends a robot message CALLBACK frame; `data` is the JSON string of `payload`. dingtalk.md §1.2, §2. */
  sendRobotMessage(payload: object, opts: SendOptions = {}): Promise<AckRecord> {
    const messageId = opts.messageId ?? randomUUID()
    return this.sendFrame(
      { type: 'CALLBACK', headers: { topic: '/v1.0/im/bot/messages/get', messageId }, data: JSON.stringify(payload) },
      opts,
    )
  }

  /**
   * An AI 助理 ability invocation (CALLBACK `/v1.0/graph/api/invoke`, dingtalk.md §9): `data` is
   * `{requestLine:{method, uri}, headers, body}` (or `rawData` as-is); resolves with the ack and the
   * `response` parsed out of its data.
   */
  async sendGraphRequest(
    request: GraphRequestFrame | { rawData: string },
    opts: SendOptions = {},
  ): Promise<GraphAnswer> {
    const messageId = opts.messageId ?? randomUUID()
    const data =
      'rawData' in request
        ? request.rawData
        : JSON.stringify({
            requestLine: { method: request.method ?? 'GET', uri: request.uri },
            headers: request.headers ?? { 'content-type': 'application/json' },
            body: request.body ?? '{}',
          })
    const ack = await this.sendFrame(
      { type: 'CALLBACK', headers: { topic: '/v1.0/graph/api/invoke', messageId }, data },
      opts,
    )
    const parsed = JSON.parse(ack.frame.data ?? '{}') as { response?: GraphAnswer['response'] }
    if (!parsed.response) throw new Error(`fake gateway: graph ack without response: ${ack.frame.data}`)
    const body = parsed.response.body
    let json: unknown
    try {
      json = JSON.parse(body)
    } catch {
      json = undefined
    }
    return { ack, response: parsed.response, json }
  }

  /** SYSTEM ping with `{"opaque": uuid}`; resolves with the echo. dingtalk.md §1.3. */
  sendPing(opts: SendOptions = {}): Promise<AckRecord> {
    const messageId = opts.messageId ?? randomUUID()
    return this.sendFrame(
      { type: 'SYSTEM', headers: { topic: 'ping', messageId }, data: JSON.stringify({ opaque: randomUUID() }) },
      opts,
    )
  }

  /** SYSTEM disconnect; the connection gets no new messages and is closed after `closeAfterMs` (~10 s in reality). */
  async sendDisconnect(opts: SendOptions & { closeAfterMs?: number } = {}): Promise<AckRecord> {
    const conn = opts.connection ?? this.current
    if (!conn) throw new Error('fake gateway: no connection')
    const messageId = opts.messageId ?? randomUUID()
    const ack = this.sendFrame(
      {
        type: 'SYSTEM',
        headers: { topic: 'disconnect', messageId },
        data: JSON.stringify({ reason: 'persistent connection is timeout' }),
      },
      { ...opts, connection: conn },
    )
    conn.draining = true
    this.later(() => conn.ws.close(1000, 'disconnect'), opts.closeAfterMs ?? 10_000)
    return ack
  }

  /** Writes any text as-is. */
  sendRaw(text: string, connection?: GatewayConnection): void {
    const conn = connection ?? this.current
    if (!conn) throw new Error('fake gateway: no connection')
    conn.ws.send(text)
  }

  /** Abrupt loss (TCP reset, no close frame). */
  dropConnection(connection?: GatewayConnection): void {
    ;(connection ?? this.current)?.ws.terminate()
  }

  /** Zombie: keep the TCP connection but never send, answer or pong again. */
  goSilent(connection?: GatewayConnection): void {
    const conn = connection ?? this.current
    if (conn) conn.silent = true
  }

  /** Resolves with the first connection (existing or new) matching `predicate`. */
  async waitForConnection(
    predicate: (c: GatewayConnection) => boolean,
    timeoutMs = HANG_MS,
  ): Promise<GatewayConnection> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.connections.find((c) => c.ws.readyState === WebSocket.OPEN && predicate(c))
      if (found) return found
      if (Date.now() > deadline) throw new Error(`fake gateway: no matching connection within ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 5))
    }
  }

  /** Closes everything; pending ack promises are left unsettled. */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    for (const w of this.waiters.values()) clearTimeout(w.timer)
    this.timers.clear()
    this.waiters.clear()
    for (const c of this.connections) c.ws.terminate()
    for (const sock of this.stalled) sock.destroy()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  private adopt(ws: WebSocket): void {
    const conn: GatewayConnection = {
      id: `g${++this.seq}`,
      ws,
      openedAt: Date.now(),
      silent: false,
      draining: false,
      pingsReceived: 0,
    }
    this.connections.push(conn)
    ws.on('error', () => {})
    ws.on('close', () => {
      conn.closedAt = Date.now()
    })
    ws.on('ping', (data) => {
      conn.pingsReceived++
      if (!conn.silent) ws.pong(data)
    })
    ws.on('message', (data: RawData) => {
      if (conn.silent) return
      let frame: AckRecord['frame']
      try {
        frame = JSON.parse(data.toString()) as AckRecord['frame']
      } catch {
        return
      }
      const messageId = frame?.headers?.messageId
      if (typeof frame?.code !== 'number' || typeof messageId !== 'string') return
      const record: AckRecord = { messageId, connectionId: conn.id, frame, at: Date.now() }
      this.acks.push(record)
      const waiter = this.waiters.get(messageId)
      if (waiter) {
        clearTimeout(waiter.timer)
        this.waiters.delete(messageId)
        waiter.resolve(record)
      }
    })
    this.onConnection?.(conn)
  }

  private onHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const reply = (status: number, body: object): void => {
        this.openCallLog.push({ at: Date.now(), body: parsed, status })
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
      }
      let parsed: Record<string, unknown> | undefined
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
      } catch {
        parsed = undefined
      }
      if (req.method !== 'POST' || req.url !== OPEN_PATH) return void res.writeHead(404).end()
      if (this.refuse.remaining > 0) {
        this.refuse.remaining--
        if (this.refuse.mode === 'reset') {
          this.openCallLog.push({ at: Date.now(), body: parsed, status: 0 })
          return void req.socket.destroy()
        }
        return reply(500, { code: 'ServiceUnavailable', message: 'fake gateway refuses', requestId: randomUUID() })
      }
      if (!String(req.headers.accept ?? '').includes('application/json'))
        return reply(406, { code: 'notAcceptable', message: 'Accept: application/json required' })
      if (parsed?.['clientId'] !== this.clientId || parsed?.['clientSecret'] !== this.clientSecret) {
        return reply(400, {
          code: 'invalidParameter',
          message: 'clientId or clientSecret is invalid',
          requestId: randomUUID(),
        })
      }
      if (!Array.isArray(parsed['subscriptions']) || parsed['subscriptions'].length === 0)
        return reply(400, { code: 'invalidParameter', message: 'subscriptions required' })
      const ticket = randomUUID()
      this.tickets.set(ticket, Date.now())
      this.issuedTickets.push(ticket)
      reply(200, { endpoint: `ws://127.0.0.1:${this.port}/connect`, ticket })
    })
  }
}

export interface RobotTextPayloadOptions {
  text: string
  msgId?: string
  conversationType?: '1' | '2'
  senderStaffId?: string
  senderNick?: string
  conversationId?: string
  conversationTitle?: string
  robotCode?: string
  sessionWebhook?: string
  sessionWebhookExpiredTime?: number
  createAt?: number
}

/** A realistic `msgtype: text` robot payload (dingtalk.md §2.1, §2.3: content keeps the leading space). */
export function robotTextPayload(o: RobotTextPayloadOptions): Record<string, unknown> {
  const createAt = o.createAt ?? Date.now()
  const group = (o.conversationType ?? '2') === '2'
  const chatbotUserId = '$:LWCP_v1:$fakeChatbotUserId0000000000000'
  const senderStaffId = o.senderStaffId ?? 'manager1234'
  return {
    msgtype: 'text',
    text: { content: ` ${o.text}` },
    msgId: o.msgId ?? `msg${randomUUID().replace(/-/g, '').slice(0, 22)}==`,
    createAt,
    conversationType: group ? '2' : '1',
    conversationId: o.conversationId ?? (group ? 'cidFakeGroup0000000000000000==' : 'cidFakeSingle000000000000000=='),
    ...(group
      ? {
          conversationTitle: o.conversationTitle ?? '销售支持群',
          isInAtList: true,
          atUsers: [{ dingtalkId: chatbotUserId }],
        }
      : {}),
    senderId: '$:LWCP_v1:$fakeSenderId00000000000000000000',
    senderNick: o.senderNick ?? '张三',
    senderCorpId: 'dingfakecorp0000000000000000000',
    senderStaffId,
    chatbotCorpId: 'dingfakecorp0000000000000000000',
    chatbotUserId,
    robotCode: o.robotCode ?? 'dingfakeclientid',
    isAdmin: false,
    senderPlatform: 'Mac',
    sessionWebhook:
      o.sessionWebhook ?? `https://oapi.dingtalk.com/robot/sendBySession?session=${randomUUID().replace(/-/g, '')}`,
    sessionWebhookExpiredTime: o.sessionWebhookExpiredTime ?? createAt + 5_400_000,
  }
}
