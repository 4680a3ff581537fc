import type { FastifyReply, FastifyRequest } from 'fastify'
import { storesOf } from '../db/stores/index.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../services/metrics.js'
import { checkAuth, signValue } from './auth.js'
import type { TrustedChannel } from './channel.js'
import type { Endpoint, EndpointDeps, EndpointResult } from './endpoint.js'
import { ApiError, badRequest, buildEnvelope, type Envelope, envelopeBody } from './envelope.js'
import { idempotencyKeyOf, STALE_CLAIM_MS } from './idempotency.js'
import { parseParams, type RawParams } from './params.js'

/**
 * One seed API call: merge the parameters (query + form/JSON body), find the action, check app_key and
 * sign, validate the parameters, run the endpoint, answer in the seed's envelope. The HTTP status mirrors
 * `ret` (200, 4xx, 501, 5xx); server faults are logged with the request id, which the msg repeats.
 */

export interface ApiDeps extends EndpointDeps {
  readonly logger: Logger
  readonly metrics: Metrics
  /** Requests through the DingTalk stream (AI 助理) skip app_key/sign: the stream is the credential. */
  readonly channel?: TrustedChannel
}

const JSON_TYPE = 'application/json; charset=utf-8'

export type ApiHandler = (action: string | undefined, request: FastifyRequest, reply: FastifyReply) => Promise<void>

/** Query and body parameters as one object. Repeated or conflicting parameters are a 400. */
export function mergeParams(request: FastifyRequest): RawParams {
  const out: RawParams = {}
  for (const [k, v] of Object.entries((request.query ?? {}) as RawParams)) {
    if (Array.isArray(v)) throw badRequest(`参数 ${k} 在 URL 中出现了 ${v.length} 次：每个参数只能给一次`)
    out[k] = v
  }
  const body = request.body
  if (body === undefined || body === null || body === '') return out
  if (typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw badRequest('请求体必须是 JSON 对象（{"参数名":"值"}）或表单（application/x-www-form-urlencoded）')
  }
  const form = String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
  for (const [k, v] of Object.entries(body as RawParams)) {
    if (form && Array.isArray(v)) throw badRequest(`参数 ${k} 在表单中出现了 ${v.length} 次：每个参数只能给一次`)
    if (k in out && signValue(out[k]) !== signValue(v))
      throw badRequest(`参数 ${k} 同时出现在 URL 和请求体中且取值不同：请只传一处`)
    out[k] = v
  }
  return out
}

/** `Namespace.Class.Action` (or just `Action`) → `Action`. */
export function actionFromService(s: unknown): string | undefined {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+){0,2}$/.test(s.trim())) return undefined
  return s.trim().split('.').pop()
}

export function httpStatusOf(ret: number): number {
  return Number.isInteger(ret) && ret >= 200 && ret <= 599 ? ret : 500
}

function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
}

/** One call's state, for the access line and the answer. */
interface Call {
  label: string
  returnData: boolean
  ret: number
  uuid?: string
  ep?: Endpoint
  /** The idempotency claim this call holds (`action:key`). */
  scope?: string
}

export function createApiHandler(deps: ApiDeps, endpoints: readonly Endpoint[]): ApiHandler {
  const exact = new Map(endpoints.map((e) => [e.action, e]))
  const folded = new Map(endpoints.map((e) => [e.action.toLowerCase(), e]))
  const list = endpoints.map((e) => e.action).join('、')

  function find(action: string | undefined): Endpoint {
    if (!action) {
      throw badRequest(
        '缺少接口名：请用 /api/<命名空间>/<类名>/<接口名>、/api/<接口名>，或旧式 /?s=<命名空间>.<类名>.<接口名>，如 /?s=SVIP.Andy_MyApi.ANrkhCaseDetail',
      )
    }
    const ep = exact.get(action) ?? folded.get(action.toLowerCase())
    if (!ep) throw new ApiError(404, `接口 ${action.slice(0, 60)} 不存在。可用接口：${list}`)
    return ep
  }

  return async function handle(action, request, reply) {
    const started = performance.now()
    const log = request.log as unknown as Logger
    const call: Call = { label: 'unknown', returnData: false, ret: 200 }
    const viaStream = deps.channel?.isTrusted(request) ?? false
    try {
      const params = mergeParams(request)
      call.returnData = String(params.return_data ?? '') === '1'
      const ep = find(action ?? actionFromService(params.s))
      call.ep = ep
      call.label = ep.action
      if (!viaStream) checkAuth(params, deps.config.http)
      // uuid identifies the calling member: recorded on the access line. The token is a credential: never logged.
      if (typeof params.uuid === 'string' && params.uuid) call.uuid = params.uuid.slice(0, 100)
      const { values, extra } = parseParams(ep.params, params, { passthrough: ep.passthrough })
      const idempotencyKey = idempotencyKeyOf(request)
      if (ep.idempotent && idempotencyKey && (await replayed(deps, call, idempotencyKey, log, reply))) return
      const result: EndpointResult = await ep.run({
        deps,
        logger: log,
        values,
        extra,
        request: { id: request.id, idempotencyKey, viaStream },
      })
      await sendResult(deps, call, result, reply)
    } catch (err) {
      await sendError(deps, call, err, request, log, reply)
    } finally {
      const ms = performance.now() - started
      deps.metrics.observeHttp(call.label, call.ret, ms)
      log.info(
        {
          action: call.label,
          ret: call.ret,
          ms: Math.round(ms * 10) / 10,
          uuid: call.uuid,
          ...(viaStream ? { via: 'stream' } : {}),
        },
        'api call',
      )
    }
  }
}

/** The envelope; markdown endpoints (AI 助理 actions) repeat the markdown, or the error, as `content`. */
function envelopeOf(deps: ApiDeps, ep: Endpoint | undefined, ret: number, data: unknown, msg: string): Envelope {
  const env = buildEnvelope(ret, data, msg, deps.now(), deps.config.http.appSecret)
  if (ep?.markdown) env.content = ret === 200 ? String((data as { content?: unknown } | null)?.content ?? '') : msg
  return env
}

/**
 * Claims the Idempotency-Key of an idempotent endpoint: a repeated request is answered with the first
 * answer (true); one still running is a 409; otherwise the call holds the claim (`call.scope`).
 */
async function replayed(deps: ApiDeps, call: Call, key: string, log: Logger, reply: FastifyReply): Promise<boolean> {
  const scope = `${call.ep!.action}:${key}`
  const claim = await storesOf(deps.app.deps).idempotency.claim(scope, deps.now(), STALE_CLAIM_MS)
  if (claim.state === 'running') throw new ApiError(409, '同一请求（Idempotency-Key 相同）正在处理中，请稍后再试')
  if (claim.state === 'done') {
    call.ret = claim.status
    log.info({ action: call.label, idempotencyKey: key }, 'repeated request answered with the first answer')
    await reply.code(claim.status).header('idempotent-replayed', 'true').type(claim.contentType).send(claim.body)
    return true
  }
  call.scope = scope
  return false
}

async function sendResult(deps: ApiDeps, call: Call, result: EndpointResult, reply: FastifyReply): Promise<void> {
  const stores = storesOf(deps.app.deps)
  if (result.kind === 'file') {
    if (call.scope) await stores.idempotency.release(call.scope)
    reply
      .code(200)
      .header('content-type', result.contentType)
      .header('content-disposition', contentDisposition(result.fileName))
    await reply.send(result.body)
    return
  }
  const body = envelopeBody(envelopeOf(deps, call.ep, 200, result.data, result.msg ?? ''), call.returnData)
  if (call.scope) await stores.idempotency.finish(call.scope, 200, JSON_TYPE, body, deps.now())
  await reply.code(200).type(JSON_TYPE).send(body)
}

async function sendError(
  deps: ApiDeps,
  call: Call,
  err: unknown,
  request: FastifyRequest,
  log: Logger,
  reply: FastifyReply,
): Promise<void> {
  let msg: string
  if (err instanceof ApiError) {
    call.ret = err.ret
    msg = err.message
  } else {
    call.ret = 500
    msg = `服务器内部错误，已记录（请求 ID：${request.id}）。请稍后重试，或把请求 ID 告诉管理员。`
    log.error({ err, action: call.label, reqId: request.id }, 'api handler failed')
  }
  const ret = call.ret
  const body = envelopeBody(envelopeOf(deps, call.ep, ret, {}, msg), false)
  // A client error is the answer to this request; a server fault is not: a retry may run again.
  if (call.scope) {
    const stores = storesOf(deps.app.deps)
    if (ret < 500) await stores.idempotency.finish(call.scope, httpStatusOf(ret), JSON_TYPE, body, deps.now())
    else await stores.idempotency.release(call.scope)
  }
  await reply.code(httpStatusOf(ret)).type(JSON_TYPE).send(body)
}
