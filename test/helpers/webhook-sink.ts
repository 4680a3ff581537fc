import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { HANG_MS } from './wait.js'

/** One POST the sink received. */
export interface SinkRequest {
  readonly path: string
  readonly headers: http.IncomingHttpHeaders
  /** Parsed JSON, or the raw text when it was not JSON. */
  readonly body: unknown
  readonly at: number
}

/** How to answer the next requests (defaults: HTTP 200, `{"errcode":0,"errmsg":"ok"}`, no delay). */
export interface SinkResponse {
  status?: number
  errcode?: number
  errmsg?: string
  /** Replaces the whole JSON body. */
  body?: unknown
  delayMs?: number
}

/**
 * A loopback stand-in for sessionWebhook / robot send endpoints: records every POST body at any path and
 * answers `{"errcode":0,"errmsg":"ok"}` (dingtalk.md §3, §8: the exact success body is assumed).
 */
export class WebhookSink {
  readonly requests: SinkRequest[] = []
  /** Decides the answer per request (e.g. by msgUuid); consulted before the `respondNext` queue. */
  respondWith: ((req: SinkRequest) => SinkResponse | undefined) | undefined
  private readonly scripted: SinkResponse[] = []
  private readonly waiters = new Set<() => void>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly server: http.Server

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => this.onRequest(req, res, Buffer.concat(chunks).toString('utf8')))
    })
  }

  static async start(): Promise<WebhookSink> {
    const sink = new WebhookSink()
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve))
    return sink
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port
  }

  /** Absolute URL on this sink, e.g. `url('/robot/sendBySession?session=abc')`. */
  url(path = '/robot/sendBySession'): string {
    return `http://127.0.0.1:${this.port}${path.startsWith('/') ? path : `/${path}`}`
  }

  /** Answer the next `count` requests with `response` (queued after earlier scripted answers). */
  respondNext(response: SinkResponse, count = 1): void {
    for (let i = 0; i < count; i++) this.scripted.push(response)
  }

  /** Resolves with all requests once at least `n` arrived; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs = HANG_MS): Promise<SinkRequest[]> {
    if (this.requests.length >= n) return Promise.resolve([...this.requests])
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.requests.length < n) return
        clearTimeout(timer)
        this.waiters.delete(check)
        resolve([...this.requests])
      }
      const timer = setTimeout(() => {
        this.waiters.delete(check)
        reject(new Error(`webhook sink: ${this.requests.length}/${n} requests after ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiters.add(check)
    })
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse, text: string): void {
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // keep the raw text
    }
    const record: SinkRequest = { path: req.url ?? '/', headers: req.headers, body, at: Date.now() }
    this.requests.push(record)
    for (const w of [...this.waiters]) w()
    const r = this.respondWith?.(record) ?? this.scripted.shift() ?? {}
    const send = (): void => {
      if (res.destroyed) return
      const payload = r.body ?? { errcode: r.errcode ?? 0, errmsg: r.errmsg ?? (r.errcode ? 'error' : 'ok') }
      res.writeHead(r.status ?? 200, { 'Content-Type': 'application/json' }).end(JSON.stringify(payload))
    }
    if (!r.delayMs) return send()
    const t = setTimeout(() => {
      this.timers.delete(t)
      send()
    }, r.delayMs)
    this.timers.add(t)
  }
}
