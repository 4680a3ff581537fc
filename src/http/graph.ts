import { STATUS_CODES } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { Logger } from '../logger.js'
import type { GraphHandler, GraphRequestMeta } from '../transport/graph-invocations.js'
import type { GraphResponse } from '../transport/stream-protocol.js'
import { CHANNEL_HEADER, type TrustedChannel } from './channel.js'
import { buildEnvelope, envelopeBody } from './envelope.js'
import { IDEMPOTENCY_HEADER } from './idempotency.js'

/**
 * AI 助理 ability invocations (dingtalk.md §9) served by the HTTP API itself: the request in the frame's
 * `data` — `{requestLine: {method, uri}, headers, body}` — is injected into the same fastify instance
 * that serves HTTP (fastify.inject, no socket), so every route, validation, envelope and error message
 * is the HTTP API's own. The answer becomes `{statusLine, headers, body}`. A frame that is not such a
 * request gets the seed envelope with ret 400, like a malformed HTTP request.
 *
 * Added to every injected request: the trusted-channel marker (src/http/channel.ts: the stream stands in
 * for app_key/sign) and, unless the request has its own, `Idempotency-Key: graph:<messageId>`, so a
 * redelivered write is not applied twice.
 */

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'])
/** Headers that describe the original transport (or are ours): never copied into the injected request. */
const DROPPED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  CHANNEL_HEADER,
])
const MAX_URI = 8192
const TEXTUAL = /^(application\/(json|xml|x-www-form-urlencoded|.*\+json|.*\+xml)|text\/)/i

export interface GraphRequest {
  readonly method: string
  readonly uri: string
  readonly headers: Record<string, string>
  readonly body: string | undefined
}

export type ParsedGraphRequest = { ok: true; request: GraphRequest } | { ok: false; error: string }

/** Validates the frame's data (never throws); the error is a Chinese message for the envelope. */
export function parseGraphRequest(data: string): ParsedGraphRequest {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return {
      ok: false,
      error:
        'AI 助理请求不是 JSON：应为 {"requestLine":{"method":"GET","uri":"/v1/actions/…"},"headers":{…},"body":"…"}',
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, error: 'AI 助理请求应为 JSON 对象（含 requestLine、headers、body）' }
  const v = value as Record<string, unknown>
  const line = v.requestLine as Record<string, unknown> | undefined
  if (typeof line !== 'object' || line === null)
    return { ok: false, error: 'AI 助理请求缺少 requestLine（method 与 uri）' }
  const method = typeof line.method === 'string' ? line.method.trim().toUpperCase() : ''
  if (!METHODS.has(method))
    return {
      ok: false,
      error: `AI 助理请求的 requestLine.method 不受支持：「${String(line.method ?? '').slice(0, 20)}」，应为 GET 或 POST`,
    }
  const uri = typeof line.uri === 'string' ? line.uri.trim() : ''
  if (!uri.startsWith('/') || uri.startsWith('//') || uri.length > MAX_URI || /[\s\u0000-\u001f]/.test(uri)) {
    return {
      ok: false,
      error: 'AI 助理请求的 requestLine.uri 应为以 / 开头的路径（可带查询参数），如 /v1/actions/andy/search?q=…',
    }
  }
  const headers: Record<string, string> = {}
  if (v.headers !== undefined && v.headers !== null) {
    if (typeof v.headers !== 'object' || Array.isArray(v.headers))
      return { ok: false, error: 'AI 助理请求的 headers 应为对象' }
    for (const [name, raw] of Object.entries(v.headers as Record<string, unknown>)) {
      const key = name.toLowerCase()
      if (DROPPED.has(key) || !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) continue
      if (typeof raw === 'string' || typeof raw === 'number') headers[key] = String(raw).replace(/[\r\n]/g, ' ')
    }
  }
  let body: string | undefined
  if (typeof v.body === 'string') body = v.body
  else if (v.body !== undefined && v.body !== null) body = JSON.stringify(v.body)
  return { ok: true, request: { method, uri, headers, body } }
}

export interface GraphInvokerDeps {
  readonly fastify: FastifyInstance
  readonly channel: TrustedChannel
  readonly logger: Logger
  now(): number
  /** API_APP_SECRET (for `_auth` on envelopes made here). */
  secret(): string | undefined
}

function envelopeResponse(code: number, msg: string, deps: GraphInvokerDeps): GraphResponse {
  const body = envelopeBody(buildEnvelope(code, {}, msg, deps.now(), deps.secret()), false)
  return {
    statusLine: { code, reasonPhrase: STATUS_CODES[code] ?? '' },
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body,
  }
}

/** The stream's Graph API handler: parse → inject → response. */
export function createGraphInvoker(deps: GraphInvokerDeps): GraphHandler {
  return async (data: string, meta: GraphRequestMeta): Promise<GraphResponse> => {
    const started = performance.now()
    const parsed = parseGraphRequest(data)
    if (!parsed.ok) {
      deps.logger.warn(
        { messageId: meta.messageId, connectionId: meta.connectionId, error: parsed.error },
        'malformed graph invocation',
      )
      return envelopeResponse(400, parsed.error, deps)
    }
    const req = parsed.request
    const headers: Record<string, string> = { ...req.headers, ...deps.channel.header() }
    headers[IDEMPOTENCY_HEADER] ??= `graph:${meta.messageId}`
    // DingTalk sends GET requests with body "{}": an empty body is no body (fastify would try to parse it).
    let payload = req.body
    if (
      payload !== undefined &&
      (payload.trim() === '' || (/^(GET|HEAD|DELETE|OPTIONS)$/.test(req.method) && /^\s*\{\s*\}\s*$/.test(payload)))
    )
      payload = undefined
    if (payload === undefined) delete headers['content-type']
    else headers['content-type'] ??= 'application/json'
    const res = await deps.fastify.inject({
      method: req.method as 'GET',
      url: req.uri,
      headers,
      ...(payload !== undefined ? { payload } : {}),
    })
    const contentType = String(res.headers['content-type'] ?? 'application/json; charset=utf-8')
    const out: Record<string, string> = { 'Content-Type': contentType }
    for (const name of ['x-request-id', 'content-disposition', 'idempotent-replayed']) {
      const value = res.headers[name]
      if (typeof value === 'string') out[name] = value
    }
    // The response body is a string: binary answers (ABuildExcel's .xlsx) travel base64-encoded.
    let body: string
    if (TEXTUAL.test(contentType) || res.rawPayload.length === 0) body = res.payload
    else {
      body = res.rawPayload.toString('base64')
      out['Content-Transfer-Encoding'] = 'base64'
    }
    deps.logger.info(
      {
        messageId: meta.messageId,
        connectionId: meta.connectionId,
        method: req.method,
        path: req.uri.split('?')[0]!.slice(0, 120),
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'graph invocation answered',
    )
    return {
      statusLine: { code: res.statusCode, reasonPhrase: STATUS_CODES[res.statusCode] ?? '' },
      headers: out,
      body,
    }
  }
}
