/**
 * Classification of DingTalk OpenAPI answers (dingtalk.md §4). New APIs answer `{code, message, requestid}`
 * with an HTTP error status; legacy oapi endpoints answer HTTP 200 with `{errcode, errmsg}`.
 * Ref: https://open.dingtalk.com/document/development/how-to-process-api-throttling-on-the-dingtalk-server
 */

/** Our own codes (DingTalk's codes are passed through as they are). */
export const DOWNLOAD_CODE_EXPIRED = 'download_code_expired'
export const FILE_TOO_LARGE = 'file_too_large'

export class DingtalkApiError extends Error {
  constructor(
    message: string,
    /** DingTalk's `code` / `errcode`, or ours: network, timeout, http_<status>, download_code_expired, file_too_large… */
    readonly code: string,
    /** 0 when no HTTP answer was received. */
    readonly httpStatus: number,
    /** true when the same call may succeed later (network, 5xx, 429, QPS limits, send.too.fast). */
    readonly transient: boolean,
    readonly extra: {
      readonly path?: string
      readonly requestId?: string
      readonly retryAfterMs?: number
      readonly invalidToken?: boolean
      readonly cause?: unknown
    } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause })
    this.name = 'DingtalkApiError'
  }

  get path(): string | undefined {
    return this.extra.path
  }

  get invalidToken(): boolean {
    return this.extra.invalidToken === true
  }

  /** Suggested wait before a retry (QPS limit: ~1 s per the throttling doc; Retry-After on 429). */
  get retryAfterMs(): number | undefined {
    return this.extra.retryAfterMs
  }
}

/** Transient business codes (HTTP 400/500 bodies). dingtalk.md §3 "Rate limits", §4.4 "Errors". */
const TRANSIENT_CODES = new Set([
  'send.too.fast',
  'send.byToken.tooFast',
  'system.error',
  'ServiceUnavailable',
  'Throttling',
])
/** Legacy errcodes: -1 busy, 90018 per-app QPS, 90002 per-API QPS, 90006 server busy. */
const TRANSIENT_ERRCODES = new Set([-1, 90018, 90002, 90006])
/** Legacy invalid/expired token errcodes. */
const INVALID_TOKEN_ERRCODES = new Set([40014, 42001, 40001])

export interface AnswerBody {
  code?: unknown
  message?: unknown
  requestid?: unknown
  requestId?: unknown
  errcode?: unknown
  errmsg?: unknown
  status?: unknown
  wait?: unknown
}

/**
 * Turns a non-success answer into an error, or returns undefined when the answer is a success.
 * `retryAfterHeader` is the raw Retry-After header value, if any.
 */
export function classifyAnswer(
  path: string,
  httpStatus: number,
  body: AnswerBody | undefined,
  retryAfterHeader?: string | null,
  qpsWaitMs = 1000,
): DingtalkApiError | undefined {
  const b = body ?? {}
  const errcode =
    typeof b.errcode === 'number'
      ? b.errcode
      : typeof b.errcode === 'string' && /^-?\d+$/.test(b.errcode)
        ? Number(b.errcode)
        : undefined
  const requestId =
    typeof b.requestid === 'string' ? b.requestid : typeof b.requestId === 'string' ? b.requestId : undefined
  const ok = httpStatus >= 200 && httpStatus < 300
  // Per-IP throttling answers {"status":1111,"wait":5} instead of an error code (dingtalk.md §4.4 "Quotas").
  const ipThrottled = b.status === 1111
  if (ok && (errcode === undefined || errcode === 0) && !ipThrottled) return undefined

  const code =
    typeof b.code === 'string' && b.code
      ? b.code
      : errcode !== undefined
        ? String(errcode)
        : ipThrottled
          ? 'ip_throttled'
          : `http_${httpStatus}`
  const text = clip(typeof b.message === 'string' ? b.message : typeof b.errmsg === 'string' ? b.errmsg : '')
  const invalidToken =
    httpStatus === 401 ||
    code === 'InvalidAuthentication' ||
    text.includes('不合法的access_token') ||
    (errcode !== undefined && INVALID_TOKEN_ERRCODES.has(errcode))
  const qps = code.includes('QpsLimit') || errcode === 90018 || errcode === 90002
  const transient =
    !invalidToken &&
    !code.includes('ApiCountLimit') &&
    (httpStatus >= 500 ||
      httpStatus === 429 ||
      qps ||
      ipThrottled ||
      TRANSIENT_CODES.has(code) ||
      (errcode !== undefined && TRANSIENT_ERRCODES.has(errcode)))
  let retryAfterMs: number | undefined
  if (qps) retryAfterMs = qpsWaitMs
  const header = retryAfterHeader ? Number(retryAfterHeader) : NaN
  if (Number.isFinite(header) && header >= 0) retryAfterMs = Math.min(header * 1000, 60_000)
  const message = `DingTalk ${path}: HTTP ${httpStatus} ${code}${text ? ` (${text})` : ''}${requestId ? ` requestId=${requestId}` : ''}`
  return new DingtalkApiError(message, code, httpStatus, transient, { path, requestId, retryAfterMs, invalidToken })
}

/** An error raised before any answer arrived: a timeout, a refused connection, a reset. */
export function networkError(path: string, err: unknown): DingtalkApiError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  const timeout = e?.name === 'TimeoutError' || e?.name === 'AbortError'
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err)
  // The message names the path only: URLs may carry access_token (oapi) or signed query strings.
  return new DingtalkApiError(
    `DingTalk ${path}: ${timeout ? 'timed out' : `request failed (${clip(detail)})`}`,
    timeout ? 'timeout' : 'network',
    0,
    true,
    { path },
  )
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s
}

/** Exponential back-off with full jitter on the upper half: attempt 0 → [base/2, base], capped at `maxMs`. */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(baseMs * 2 ** Math.min(attempt, 20), maxMs)
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}
