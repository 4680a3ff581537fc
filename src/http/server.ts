import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import formbody from '@fastify/formbody'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify'
import type { App } from '../app.js'
import type { DictionaryProvider } from '../bot/context.js'
import type { AppConfig } from '../config.js'
import type { Db } from '../db/client.js'
import { storesOf } from '../db/stores/index.js'
import type { Logger } from '../logger.js'
import { createMetrics, type Metrics } from '../services/metrics.js'
import type { GraphHandler } from '../transport/graph-invocations.js'
import { createApiHandler } from './api.js'
import { ACTIONS_PREFIX, ALL_ACTIONS } from './assistant/actions.js'
import { registerCallback } from './callback.js'
import { TrustedChannel } from './channel.js'
import { allEndpoints } from './endpoints/index.js'
import { ApiError, buildEnvelope, envelopeBody } from './envelope.js'
import { createGraphInvoker } from './graph.js'
import { buildOpenApi } from './openapi.js'
import { registerOps } from './ops.js'

/**
 * The HTTP server (fastify; its logger is our pino instance): the seed's 15 endpoints in all three URL
 * styles, the AI 助理 actions (/v1/actions/andy/…), the DingTalk HTTP callback, /healthz, /metrics and
 * /openapi.json. Always built (AI 助理 invocations on the stream are injected into it: `graph`); it
 * listens only when HTTP_PORT is set (src/cli/start.ts).
 */

export interface HttpServerOptions {
  readonly config: AppConfig
  readonly logger: Logger
  readonly db: Db
  /** The app: messages posted over HTTP go through app.accept(), like the stream's. */
  readonly app: App
  /** Defaults to the app's. */
  readonly dictionary?: DictionaryProvider
  /** Defaults to the app's (deps.metrics), else a fresh registry. */
  readonly metrics?: Metrics
  /** The stream transport's state for /healthz ('connected' is healthy); omit when no stream runs. */
  readonly streamState?: () => string
  /** Why the stream is not connected (its last connect error), for /healthz. */
  readonly streamError?: () => string | undefined
  /** DingTalk OpenAPI call counts for /metrics. */
  readonly dingtalkStats?: () => Record<string, number>
}

export interface HttpServer {
  readonly fastify: FastifyInstance
  readonly metrics: Metrics
  /** Serves AI 助理 ability invocations from the stream by in-process injection (no socket, no app_key). */
  readonly graph: GraphHandler
  /** Listens (default: HTTP_PORT on HTTP_HOST; port 0 = any free port) and returns the base URL. */
  start(port?: number, host?: string): Promise<string>
  /** The port listened on (after start). */
  readonly port: number
  close(): Promise<void>
}

/** Fastify's own client errors (body parsing) → the seed envelope with a msg saying what to fix. */
function frameworkError(err: FastifyError, bodyLimitBytes: number, contentType: string): ApiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(
        413,
        `请求体超过上限 ${Math.round(bodyLimitBytes / 1024)} KB：请减少数据量或分批提交（服务端上限由 HTTP_BODY_LIMIT_KB 设置）`,
      )
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'JSON 请求体格式错误，无法解析：请检查引号、逗号和括号（也可以改用表单或 URL 参数）')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'Content-Type 是 application/json，但请求体为空：请发送 JSON 对象，或去掉该请求头')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        415,
        `不支持的 Content-Type「${contentType.slice(0, 80)}」：请用 application/json 或 application/x-www-form-urlencoded，或把参数放在 URL 中`,
      )
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(400, '请求头 Content-Length 与实际请求体长度不符')
  }
  if (err instanceof SyntaxError || /JSON|prototype/i.test(err.message)) {
    if ((err.statusCode ?? 500) < 500) return new ApiError(400, `JSON 请求体不合法：${err.message}`)
  }
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500) return new ApiError(status, `请求有误：${err.message}`)
  return undefined
}

/** Fastify with Andy's logger, limits and request ids, answering framework errors and 404s in the envelope. */
function baseServer(config: AppConfig, logger: Logger, metrics: Metrics, now: () => number) {
  const fastify = Fastify({
    // Our pino logger (redaction included); typed as fastify's base logger so plugins and routes stay default-typed.
    loggerInstance: logger as FastifyBaseLogger,
    // One compact line per API call is written by the handlers instead of fastify's two per request.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    bodyLimit: config.http.bodyLimitBytes,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  })
  void fastify.register(formbody)
  fastify.removeContentTypeParser('text/plain')
  fastify.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id)
    return payload
  })

  const sendEnvelopeError = (e: ApiError, reply: FastifyReply) => {
    const env = buildEnvelope(e.ret, {}, e.message, now(), config.http.appSecret)
    return reply.code(e.ret).type('application/json; charset=utf-8').send(envelopeBody(env, false))
  }

  fastify.setErrorHandler((err: FastifyError, request, reply) => {
    const mapped = frameworkError(err, config.http.bodyLimitBytes, String(request.headers['content-type'] ?? ''))
    metrics.observeHttp('invalid', mapped?.ret ?? 500, 0)
    if (mapped) {
      request.log.info({ code: err.code, ret: mapped.ret, route: request.routeOptions.url }, 'request rejected')
      return sendEnvelopeError(mapped, reply)
    }
    request.log.error({ err, reqId: request.id }, 'request failed')
    return sendEnvelopeError(new ApiError(500, `服务器内部错误，已记录（请求 ID：${request.id}）`), reply)
  })

  fastify.setNotFoundHandler((request, reply) =>
    sendEnvelopeError(
      new ApiError(
        404,
        `路径不存在：${request.method} ${request.url.split('?')[0]!.slice(0, 100)}。接口地址形如 /api/SVIP/Andy_MyApi/ANrkhCaseDetail 或 /?s=SVIP.Andy_MyApi.ANrkhCaseDetail`,
      ),
      reply,
    ),
  )
  return fastify
}

export function createHttpServer(opts: HttpServerOptions): HttpServer {
  const { config, db, app } = opts
  const logger = opts.logger.child({ component: 'http' })
  const metrics = opts.metrics ?? app.deps.metrics ?? createMetrics()
  // Shared state through the stores: with DATABASE_URL, every instance's calls and backlog in PostgreSQL.
  const backlog = () => storesOf(app.deps).inbox.backlog()
  metrics.setSources({
    llm: () => storesOf(app.deps).llm.calls.totals(),
    backlog,
    openapi: opts.dingtalkStats,
  })
  const now = () => app.deps.clock.now()
  const secret = () => config.http.appSecret

  const fastify = baseServer(config, logger, metrics, now)

  const endpoints = allEndpoints()
  const channel = new TrustedChannel()
  const apiDeps = { config, db, app, dictionary: opts.dictionary ?? app.deps.dictionary, now, logger, metrics, channel }
  const handle = createApiHandler(apiDeps, endpoints)
  const handleAction = createApiHandler(apiDeps, ALL_ACTIONS)
  fastify.route({
    method: ['GET', 'POST'],
    url: `${ACTIONS_PREFIX}/:name`,
    handler: (request, reply) => handleAction((request.params as Record<string, string>)['name'], request, reply),
  })
  fastify.route({
    method: ['GET', 'POST'],
    url: '/api/*',
    handler: (request, reply) => {
      const segments = ((request.params as Record<string, string>)['*'] ?? '').split('/').filter(Boolean)
      return handle(segments.length <= 3 ? segments.at(-1) : segments.join('/'), request, reply)
    },
  })
  fastify.route({ method: ['GET', 'POST'], url: '/', handler: (request, reply) => handle(undefined, request, reply) })

  registerCallback(fastify, { config, app, metrics, now })
  registerOps(fastify, {
    db,
    backlog,
    metrics,
    streamState: opts.streamState,
    streamError: opts.streamError,
    openapi: () => buildOpenApi(endpoints),
  })

  let port = 0
  return {
    fastify,
    metrics,
    graph: createGraphInvoker({ fastify, channel, logger: logger.child({ channel: 'graph' }), now, secret }),
    get port() {
      return port
    },
    async start(p = config.http.port ?? 0, host = config.http.host) {
      if (!config.http.appKey)
        logger.warn(
          'API_APP_KEY is not set: over HTTP the seed API endpoints answer ret 403 until it is (AI 助理 calls on the stream need no key)',
        )
      else if (!config.http.appSecret)
        logger.info('API_APP_SECRET is not set: requests are not signed and responses carry no _auth')
      await fastify.listen({ port: p, host })
      port = (fastify.server.address() as AddressInfo).port
      logger.info({ port, host }, 'HTTP server listening')
      return `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`
    },
    async close() {
      await fastify.close()
    },
  }
}
