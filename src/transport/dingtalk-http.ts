import { type Clock, systemClock } from '../core/clock.js'
import type { Logger } from '../logger.js'
import { classifyAnswer, DingtalkApiError, networkError, retryDelay } from './dingtalk-api-error.js'
import { SlidingWindowLimiter } from './rate-limiter.js'
import type { Limiter } from './shared-limiter.js'

export interface DingtalkApiOptions {
  readonly clientId: string
  readonly clientSecret: string
  /** Default robotCode for sends, downloads and cards (config: DINGTALK_ROBOT_CODE, default the client id). */
  readonly robotCode?: string
  readonly apiBase?: string
  readonly oapiBase?: string
  readonly logger: Logger
  /** Token expiry is judged by this clock. */
  readonly clock?: Clock
  readonly fetch?: typeof fetch
  /** Max calls per API path per `limiterWindowMs` (default 20 per 1000 ms: DingTalk's per-app per-API QPS). */
  readonly qpsPerPath?: number
  readonly limiterWindowMs?: number
  /** Share one limiter between several clients of the same app. */
  readonly limiter?: Limiter
  /** Attempts for transient failures (default 3), back-off base/cap (500 ms / 4000 ms), wait after a QPS 403 (1000 ms). */
  readonly retry?: {
    readonly attempts?: number
    readonly baseMs?: number
    readonly maxMs?: number
    readonly qpsWaitMs?: number
  }
  /** Per-request timeout (default 15 s; uploads and downloads 60 s). */
  readonly timeoutMs?: number
  readonly transferTimeoutMs?: number
  /** Refresh the token this long before it expires (default 5 min). */
  readonly tokenRefreshMarginMs?: number
  readonly random?: () => number
}

export interface CallSpec {
  readonly method: 'GET' | 'POST' | 'PUT'
  readonly base: 'api' | 'oapi'
  readonly path: string
  /** 'header': x-acs-dingtalk-access-token; 'query': ?access_token= (legacy oapi). */
  readonly auth: 'header' | 'query' | 'none'
  /** Built per attempt (card streaming needs a new guid each time). */
  readonly json?: () => unknown
  readonly form?: () => FormData
  readonly check?: (json: unknown) => DingtalkApiError | undefined
  readonly timeoutMs?: number
}

export interface DingtalkApiStats {
  readonly tokenFetches: number
  /** HTTP requests made, by API path (retries included: each one counts against DingTalk's quotas). */
  readonly calls: Readonly<Record<string, number>>
  readonly errors: Readonly<Record<string, number>>
  readonly errorCodes: Readonly<Record<string, number>>
  readonly retries: number
  readonly limiterWaits: number
}

const TOKEN_PATH = '/v1.0/oauth2/accessToken'

/**
 * The HTTP core of {@link DingtalkApi}: cached single-flight access token (dingtalk.md §4.1), one per-path
 * limiter, error classification, transient retries with back-off and jitter, and call counters for
 * /metrics. Nothing secret is logged: log lines name the API path only.
 */
export class DingtalkHttp {
  readonly robotCode: string
  private readonly apiBase: string
  private readonly oapiBase: string
  protected readonly log: Logger
  private readonly clock: Clock
  protected readonly fetchFn: typeof fetch
  private readonly limiter: Limiter
  protected readonly retry: { attempts: number; baseMs: number; maxMs: number; qpsWaitMs: number }
  private token: { value: string; expiresAt: number; refreshAt: number } | undefined
  private inflight: Promise<string> | undefined
  /** Errors that already went through their retries (never retried again by an outer call). */
  private readonly exhausted = new WeakSet<Error>()
  private readonly counts = {
    tokenFetches: 0,
    retries: 0,
    calls: {} as Record<string, number>,
    errors: {} as Record<string, number>,
    errorCodes: {} as Record<string, number>,
  }

  constructor(protected readonly opts: DingtalkApiOptions) {
    if (!opts.clientId || !opts.clientSecret) throw new Error('DingtalkApi: clientId and clientSecret are required')
    this.robotCode = opts.robotCode ?? opts.clientId
    this.apiBase = (opts.apiBase ?? 'https://api.dingtalk.com').replace(/\/+$/, '')
    this.oapiBase = (opts.oapiBase ?? 'https://oapi.dingtalk.com').replace(/\/+$/, '')
    this.log = opts.logger
    this.clock = opts.clock ?? systemClock
    this.fetchFn = opts.fetch ?? fetch
    this.limiter =
      opts.limiter ?? new SlidingWindowLimiter({ limit: opts.qpsPerPath ?? 20, windowMs: opts.limiterWindowMs ?? 1000 })
    const r = opts.retry ?? {}
    this.retry = {
      attempts: Math.max(1, r.attempts ?? 3),
      baseMs: r.baseMs ?? 500,
      maxMs: r.maxMs ?? 4000,
      qpsWaitMs: r.qpsWaitMs ?? 1000,
    }
  }

  /** A valid access token: cached, shared by concurrent callers, refreshed before it expires. dingtalk.md §4.1. */
  accessToken(): Promise<string> {
    const t = this.token
    if (t && this.clock.now() < t.refreshAt) return Promise.resolve(t.value)
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined
    })
    return this.inflight
  }

  /** Forgets the cached token (only if it is still `used`, so concurrent failures refresh once). */
  invalidateToken(used?: string): void {
    if (used === undefined || this.token?.value === used) this.token = undefined
  }

  stats(): DingtalkApiStats {
    const c = this.counts
    return {
      tokenFetches: c.tokenFetches,
      calls: { ...c.calls },
      errors: { ...c.errors },
      errorCodes: { ...c.errorCodes },
      retries: c.retries,
      limiterWaits: this.limiter.stats().waits,
    }
  }

  private async fetchToken(): Promise<string> {
    this.counts.tokenFetches++
    const res = await this.call<{ accessToken?: string; expireIn?: number }>({
      method: 'POST',
      base: 'api',
      auth: 'none',
      path: TOKEN_PATH,
      json: () => ({ appKey: this.opts.clientId, appSecret: this.opts.clientSecret }),
    })
    if (!res.accessToken)
      throw new DingtalkApiError(`${TOKEN_PATH}: answer without accessToken`, 'bad_response', 200, false, {
        path: TOKEN_PATH,
      })
    const ttlMs = Math.max(1, Number(res.expireIn) || 7200) * 1000
    const margin = Math.min(this.opts.tokenRefreshMarginMs ?? 300_000, ttlMs / 2)
    const now = this.clock.now()
    this.token = { value: res.accessToken, expiresAt: now + ttlMs, refreshAt: now + ttlMs - margin }
    this.log.info({ expiresInS: Math.round(ttlMs / 1000) }, 'dingtalk access token refreshed')
    return res.accessToken
  }

  /** One API call with the token (refreshed once on an invalid-token answer) and transient retries. */
  protected call<T>(spec: CallSpec): Promise<T> {
    let refreshed = false
    return this.withRetry(spec.path, async () => {
      for (;;) {
        const token = spec.auth === 'none' ? undefined : await this.accessToken()
        try {
          return await this.once<T>(spec, token)
        } catch (err) {
          if (!(err instanceof DingtalkApiError) || !err.invalidToken || token === undefined || refreshed) throw err
          refreshed = true
          this.log.warn({ api: spec.path, code: err.code }, 'dingtalk token rejected, refreshing once')
          this.invalidateToken(token)
        }
      }
    })
  }

  protected async withRetry<T>(label: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn()
      } catch (err) {
        const retryable = err instanceof DingtalkApiError && err.transient && !this.exhausted.has(err)
        if (!retryable || attempt + 1 >= this.retry.attempts) {
          if (err instanceof Error) this.exhausted.add(err)
          throw err
        }
        const delay = Math.max(
          retryDelay(attempt, this.retry.baseMs, this.retry.maxMs, this.opts.random),
          err.retryAfterMs ?? 0,
        )
        await this.pause(label, err.code, attempt, delay)
      }
    }
  }

  protected async pause(label: string, code: string, attempt: number, delayMs: number): Promise<void> {
    this.counts.retries++
    this.log.warn({ api: label, code, attempt: attempt + 1, delayMs }, 'dingtalk call failed, retrying')
    await new Promise((resolve) => setTimeout(resolve, delayMs))
  }

  private async once<T>(spec: CallSpec, token: string | undefined): Promise<T> {
    await this.limiter.acquire(spec.path)
    const base = spec.base === 'oapi' ? this.oapiBase : this.apiBase
    const url = `${base}${spec.path}${spec.auth === 'query' ? `?access_token=${encodeURIComponent(token ?? '')}` : ''}`
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (spec.auth === 'header' && token) headers['x-acs-dingtalk-access-token'] = token
    let body: string | FormData | undefined
    if (spec.form) body = spec.form()
    else if (spec.json) {
      body = JSON.stringify(spec.json())
      headers['Content-Type'] = 'application/json; charset=utf-8'
    }
    this.counts.calls[spec.path] = (this.counts.calls[spec.path] ?? 0) + 1
    const started = Date.now()
    let status = 0
    let text = ''
    let retryAfter: string | null = null
    try {
      const res = await this.fetchFn(url, {
        method: spec.method,
        headers,
        body,
        signal: AbortSignal.timeout(spec.timeoutMs ?? this.opts.timeoutMs ?? 15_000),
      })
      status = res.status
      retryAfter = res.headers.get('retry-after')
      text = await res.text()
    } catch (err) {
      throw this.failed(spec.path, networkError(spec.path, err))
    }
    this.log.debug({ api: spec.path, status, elapsedMs: Date.now() - started }, 'dingtalk call')
    let json: unknown
    try {
      json = text ? JSON.parse(text) : {}
    } catch {
      // An HTML error page from a proxy: judged by its status; a 2xx with garbage is not retried (it may have been sent).
      if (status >= 200 && status < 300)
        throw this.failed(
          spec.path,
          new DingtalkApiError(
            `DingTalk ${spec.path}: HTTP ${status} with a non-JSON answer`,
            'bad_response',
            status,
            false,
            { path: spec.path },
          ),
        )
      json = {}
    }
    const err =
      classifyAnswer(spec.path, status, json as Record<string, unknown>, retryAfter, this.retry.qpsWaitMs) ??
      spec.check?.(json)
    if (err) throw this.failed(spec.path, err)
    return json as T
  }

  private failed(path: string, err: DingtalkApiError): DingtalkApiError {
    this.counts.errors[path] = (this.counts.errors[path] ?? 0) + 1
    this.counts.errorCodes[err.code] = (this.counts.errorCodes[err.code] ?? 0) + 1
    return err
  }
}
