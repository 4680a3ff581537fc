import { randomBytes, randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { type FakeFile, parseUpload, readBody, safeJson, serveFile } from './fake-openapi-media.js'
import { HANG_MS } from './wait.js'

/** One HTTP request the fake received (any path), in arrival order. */
export interface ApiCall {
  readonly method: string
  readonly path: string
  /** Arrival time (before the body is read). */
  readonly at: number
  readonly headers: http.IncomingHttpHeaders
  /** Parsed JSON body, or undefined (multipart, GET). */
  readonly body: unknown
  status: number
}

/** A robot message sent through groupMessages/send or oToMessages/batchSend (msgParam parsed). */
export interface RecordedSend {
  readonly kind: 'group' | 'oto'
  readonly at: number
  readonly robotCode: string
  readonly openConversationId?: string
  readonly userIds?: readonly string[]
  readonly msgKey: string
  readonly msgParam: Record<string, unknown>
}

export interface RecordedUpload {
  readonly at: number
  readonly type: string
  readonly fileName: string
  readonly bytes: Buffer
  readonly mediaId: string
}

export interface RecordedCardCall {
  readonly op: 'createAndDeliver' | 'streaming' | 'update'
  readonly at: number
  readonly body: Record<string, unknown>
}

/** What to do with the next call(s) of a path: answer `status`/`body`, or (no status) delay then answer normally; `hang` never answers. */
export interface Fault {
  status?: number
  body?: unknown
  delayMs?: number
  hang?: boolean
}

/** Error answers as DingTalk sends them (dingtalk.md §4.1, §4.4). */
export const FAULTS = {
  serverError: { status: 500, body: { code: 'system.error', message: '系统繁忙' } },
  qpsLimit: {
    status: 403,
    body: { code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', message: '调用频率超过限制' },
  },
  sendTooFast: { status: 400, body: { code: 'send.too.fast', message: '发送太快' } },
  invalidAuth: { status: 400, body: { code: 'InvalidAuthentication', message: '不合法的access_token' } },
  monthlyQuota: {
    status: 403,
    body: { code: 'Forbidden.AccessDenied.ApiCountLimitForOrg', message: '企业调用次数超过限制' },
  },
  groupDisbanded: { status: 400, body: { code: 'group.disbanded', message: '群已解散' } },
} satisfies Record<string, Fault>

export const PATHS = {
  token: '/v1.0/oauth2/accessToken',
  group: '/v1.0/robot/groupMessages/send',
  oto: '/v1.0/robot/oToMessages/batchSend',
  upload: '/media/upload',
  download: '/v1.0/robot/messageFiles/download',
  cardCreate: '/v1.0/card/instances/createAndDeliver',
  cardStream: '/v1.0/card/streaming',
  cardUpdate: '/v1.0/card/instances',
} as const

export interface FakeOpenApiOptions {
  clientId?: string
  clientSecret?: string
  /** Token lifetime answered as `expireIn` (default 7200 s). */
  tokenTtlSec?: number
  /** Unknown paths are proxied here (e.g. FakeGateway.apiBase), so one DINGTALK_API_BASE serves both. */
  forwardTo?: string
}

/**
 * A loopback DingTalk OpenAPI + oapi fake (node:http): token, robot sends, media upload (multipart parsed
 * with Node's own undici FormData parser), file download via temporary URLs, AI cards, fault injection.
 * Use `base` as both DINGTALK_API_BASE and DINGTALK_OAPI_BASE. Read-only records for assertions.
 */
export class FakeOpenApi {
  readonly clientId: string
  readonly clientSecret: string
  tokenTtlSec: number
  readonly calls: ApiCall[] = []
  readonly sends: RecordedSend[] = []
  readonly uploads: RecordedUpload[] = []
  readonly cardCalls: RecordedCardCall[] = []
  /** Every token handed out (tests check none appears in logs). */
  readonly issuedTokens: string[] = []
  /** Staff ids batchSend reports in invalidStaffIdList. */
  readonly invalidStaffIds = new Set<string>()
  /** Staff id → how many more batchSends report it in flowControlledStaffIdList. */
  readonly flowControlled = new Map<string, number>()
  downloadsServed = 0
  downloadsAborted = 0
  private readonly tokens = new Map<string, number>()
  private readonly faults = new Map<string, Fault[]>()
  private readonly downloads = new Map<string, FakeFile>()
  private readonly files = new Map<string, FakeFile>()
  private readonly cards = new Set<string>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly server: http.Server

  private constructor(private readonly opts: FakeOpenApiOptions) {
    this.clientId = opts.clientId ?? 'dingfakeclientid'
    this.clientSecret = opts.clientSecret ?? 'fake-secret-do-not-log-0123456789'
    this.tokenTtlSec = opts.tokenTtlSec ?? 7200
    this.server = http.createServer((req, res) => void this.onRequest(req, res))
  }

  static async start(opts: FakeOpenApiOptions = {}): Promise<FakeOpenApi> {
    const fake = new FakeOpenApi(opts)
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve))
    return fake
  }

  /** `http://127.0.0.1:<port>`: DINGTALK_API_BASE and DINGTALK_OAPI_BASE. */
  get base(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  /** Token requests so far. */
  get tokenRequests(): number {
    return this.count(PATHS.token)
  }

  count(path: string): number {
    return this.calls.filter((c) => c.path === path).length
  }

  callsTo(path: string): ApiCall[] {
    return this.calls.filter((c) => c.path === path)
  }

  /** Answer the next `count` calls of `path` with `fault` (queued after earlier faults). */
  failNext(path: string, fault: Fault, count = 1): void {
    const q = this.faults.get(path) ?? []
    for (let i = 0; i < count; i++) q.push(fault)
    this.faults.set(path, q)
  }

  /** Delay the next `count` calls of `path` by `ms`, then answer normally. */
  delayNext(path: string, ms: number, count = 1): void {
    this.failNext(path, { delayMs: ms }, count)
  }

  /** Every issued token becomes invalid (as after expiry); the next token request gets a new one. */
  expireTokens(): void {
    this.tokens.clear()
  }

  /** Registers a file a user "sent": its downloadCode maps to a temporary URL on this server. */
  addDownload(
    code: string,
    buffer: Buffer,
    o: { contentType?: string; fileName?: string; omitLength?: boolean } = {},
  ): void {
    this.downloads.set(code, {
      buffer,
      contentType: o.contentType ?? 'application/octet-stream',
      fileName: o.fileName,
      omitLength: o.omitLength,
    })
  }

  /** Resolves once `n` sends were recorded. */
  async waitForSends(n: number, timeoutMs = HANG_MS): Promise<RecordedSend[]> {
    const deadline = Date.now() + timeoutMs
    while (this.sends.length < n) {
      if (Date.now() > deadline) throw new Error(`fake openapi: ${this.sends.length}/${n} sends after ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 5))
    }
    return [...this.sends]
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const at = Date.now()
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const known = (Object.values(PATHS) as string[]).includes(url.pathname) || url.pathname.startsWith('/files/')
    if (!known && this.opts.forwardTo) return this.forward(req, res)
    const raw = await readBody(req)
    let body: unknown
    if ((req.headers['content-type'] ?? '').includes('application/json')) body = safeJson(raw.toString('utf8'))
    const call: ApiCall = { method: req.method ?? 'GET', path: url.pathname, at, headers: req.headers, body, status: 0 }
    this.calls.push(call)
    const send = (status: number, payload: unknown): void => {
      call.status = status
      if (!res.destroyed) res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(payload))
    }
    const fault = this.faults.get(url.pathname)?.shift()
    if (fault?.hang) return
    if (fault?.delayMs) await this.sleep(fault.delayMs)
    if (fault?.status !== undefined) return send(fault.status, fault.body ?? {})
    try {
      await this.route(url, req, res, raw, body, send)
    } catch (err) {
      send(500, { code: 'fake.error', message: (err as Error).message })
    }
  }

  private async route(
    url: URL,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    raw: Buffer,
    body: unknown,
    send: (s: number, p: unknown) => void,
  ): Promise<void> {
    const b = (body ?? {}) as Record<string, unknown>
    const p = url.pathname
    if (p === PATHS.token) return this.token(b, send)
    if (p.startsWith('/files/')) {
      const file = this.files.get(p.slice('/files/'.length))
      if (!file) return void res.writeHead(404).end('NoSuchKey')
      return serveFile(file, res, (complete) => (complete ? this.downloadsServed++ : this.downloadsAborted++))
    }
    if (p === PATHS.upload) {
      if (!this.valid(url.searchParams.get('access_token')))
        return send(200, { errcode: 40014, errmsg: '不合法的access_token' })
      const parsed = await parseUpload(req.headers['content-type'] ?? '', raw)
      if (!parsed.ok) return send(200, parsed.answer)
      this.uploads.push({ at: Date.now(), ...parsed.upload })
      return send(200, {
        errcode: 0,
        errmsg: 'ok',
        media_id: parsed.upload.mediaId,
        created_at: Date.now(),
        type: parsed.upload.type,
      })
    }
    if (!this.valid(req.headers['x-acs-dingtalk-access-token'])) return send(400, FAULTS.invalidAuth.body)
    if (p === PATHS.group || p === PATHS.oto) {
      const msgParam = safeJson(String(b.msgParam ?? '')) as Record<string, unknown> | undefined
      if (!msgParam || typeof b.msgKey !== 'string' || !b.robotCode)
        return send(400, { code: 'invalidParameter.msgParam', message: 'bad msgKey/msgParam/robotCode' })
      if (p === PATHS.group) {
        if (!b.openConversationId) return send(400, { code: 'invalidParameter.openConversationId', message: 'missing' })
        this.sends.push({
          kind: 'group',
          at: Date.now(),
          robotCode: String(b.robotCode),
          openConversationId: String(b.openConversationId),
          msgKey: b.msgKey,
          msgParam,
        })
        return send(200, { processQueryKey: randomUUID() })
      }
      const ids = Array.isArray(b.userIds) ? b.userIds.map(String) : []
      const invalid = ids.filter((id) => this.invalidStaffIds.has(id))
      const limited = ids.filter((id) => (this.flowControlled.get(id) ?? 0) > 0)
      for (const id of limited) this.flowControlled.set(id, this.flowControlled.get(id)! - 1)
      const ok = ids.filter((id) => !invalid.includes(id) && !limited.includes(id))
      if (ok.length > 0)
        this.sends.push({
          kind: 'oto',
          at: Date.now(),
          robotCode: String(b.robotCode),
          userIds: ok,
          msgKey: b.msgKey,
          msgParam,
        })
      return send(200, {
        processQueryKey: randomUUID(),
        invalidStaffIdList: invalid,
        flowControlledStaffIdList: limited,
      })
    }
    if (p === PATHS.download) {
      const d = this.downloads.get(String(b.downloadCode))
      if (!d)
        return send(400, {
          code: 'invalidParameter.robotCode.downloadCode',
          message: '下载码有误或者已经过期',
          requestid: randomUUID(),
        })
      const id = randomBytes(8).toString('hex')
      this.files.set(id, d)
      return send(200, {
        downloadUrl: `${this.base}/files/${id}?Expires=${Math.floor(Date.now() / 1000) + 3600}&Signature=${randomBytes(6).toString('hex')}`,
      })
    }
    if (p === PATHS.cardCreate) {
      this.cardCalls.push({ op: 'createAndDeliver', at: Date.now(), body: b })
      this.cards.add(String(b.outTrackId))
      const spaceType = String(b.openSpaceId ?? '').includes('IM_GROUP') ? 'IM_GROUP' : 'IM_ROBOT'
      return send(200, {
        success: true,
        result: {
          outTrackId: b.outTrackId,
          deliverResults: [{ spaceType, spaceId: b.openSpaceId, success: true, carrierId: randomUUID() }],
        },
      })
    }
    if (p === PATHS.cardStream || p === PATHS.cardUpdate) {
      if (!this.cards.has(String(b.outTrackId)))
        return send(400, { code: 'param.stream.outTrackId', message: 'card is not exist' })
      if (p === PATHS.cardStream && (!b.guid || !b.key || typeof b.isFull !== 'boolean'))
        return send(400, { code: 'param.stream.guidEmpty', message: 'guid/key/isFull required' })
      this.cardCalls.push({ op: p === PATHS.cardStream ? 'streaming' : 'update', at: Date.now(), body: b })
      return send(200, { success: true, result: true })
    }
    send(404, { code: 'notFound', message: `fake openapi: no ${req.method} ${p}` })
  }

  private token(b: Record<string, unknown>, send: (s: number, p: unknown) => void): void {
    if (b.appKey !== this.clientId || b.appSecret !== this.clientSecret)
      return send(400, { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret' })
    const now = Date.now()
    // A valid token is returned again and extended (dingtalk.md §4.1).
    let token = [...this.tokens].find(([, exp]) => exp > now)?.[0]
    if (!token) {
      token = randomBytes(16).toString('hex')
      this.issuedTokens.push(token)
    }
    this.tokens.set(token, now + this.tokenTtlSec * 1000)
    send(200, { accessToken: token, expireIn: this.tokenTtlSec })
  }

  private valid(token: string | string[] | null | undefined): boolean {
    const exp = typeof token === 'string' ? this.tokens.get(token) : undefined
    return exp !== undefined && exp > Date.now()
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = new URL(req.url ?? '/', this.opts.forwardTo)
    const up = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => res.destroyed || res.writeHead(502).end())
    req.pipe(up)
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t)
        resolve()
      }, ms)
      this.timers.add(t)
    })
  }
}
