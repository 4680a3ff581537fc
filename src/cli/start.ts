import { defineCommand } from 'citty'
import type { App } from '../app.js'
import { missingStreamCredentials } from '../config.js'
import { DingtalkStreamTransport, type DingtalkStreamTransportOptions } from '../transport/dingtalk-stream.js'
import type { Replier } from '../transport/types.js'
import { createHttpServer, type HttpServer } from '../http/server.js'
import { createMetrics } from '../services/metrics.js'
import { DeliveryRouter, type DeliveryRouterOptions } from '../transport/delivery.js'
import { AssistantReplier } from '../transport/assistant-replier.js'
import { startDigest, type DigestHandle } from '../stats/digest.js'
import { buildApp, createDingtalkApi, openRuntime, type Runtime } from './bootstrap.js'

export interface BotHandle {
  readonly app: App
  /** The stream transport; absent when only the HTTP API runs (no DingTalk credentials). */
  readonly transport?: DingtalkStreamTransport
  /** The AI 助理's own stream connection (DINGTALK_ASSISTANT_CLIENT_ID/SECRET), when it is another app. */
  readonly assistantTransport?: DingtalkStreamTransport
  /** The HTTP API: always built (AI 助理 calls on the stream are served by it), listening only with HTTP_PORT. */
  readonly http: HttpServer
  /** Stops taking messages, lets running handlers finish (grace period), leaves the rest in the inbox. */
  stop(): Promise<void>
}

export interface StartOptions {
  /** Reply channel for stream and HTTP messages (default: the delivery router). */
  replier?: Replier
  /** Transport knobs (tests use short timeouts). */
  transport?: Partial<Omit<DingtalkStreamTransportOptions, 'config' | 'logger' | 'sink'>>
  /** Delivery router knobs (tests use short webhook timeouts and retries). */
  delivery?: Partial<Omit<DeliveryRouterOptions, 'api' | 'logger'>>
}

/**
 * What `andy start` runs: the app on the inbox, unfinished messages resumed, the DingTalk stream connected
 * (when credentials are set) and the seed-compatible HTTP API (when HTTP_PORT is set).
 */
export async function startBot(rt: Runtime, opts: StartOptions = {}): Promise<BotHandle> {
  const api = createDingtalkApi(rt)
  const metrics = createMetrics()
  const replier = opts.replier ?? new DeliveryRouter({ ...opts.delivery, api, logger: rt.logger.child({ mod: 'delivery' }) })
  // AI 助理 calls: answers come back in the response; files go out through the robot OpenAPI.
  const assistant = new AssistantReplier(api ? replier : undefined)
  const app = buildApp(rt, { stream: replier, http: replier, assistant }, { dingtalk: api, metrics })
  await app.deps.dictionary.warm?.()
  app.resumeUnfinished()
  const hasStream = missingStreamCredentials(rt.config).length === 0
  let transport: DingtalkStreamTransport | undefined
  const http = createHttpServer({
    config: rt.config,
    logger: rt.logger,
    db: rt.db,
    app,
    metrics,
    streamState: () => transport?.state() ?? 'disabled',
    dingtalkStats: api ? () => ({ ...api.stats().calls }) : undefined,
  })
  if (hasStream) transport = new DingtalkStreamTransport({ config: rt.config, logger: rt.logger, sink: app, graph: http.graph, ...opts.transport })
  const a = rt.config.dingtalk.assistant
  const assistantTransport = a ? new DingtalkStreamTransport({ config: rt.config, logger: rt.logger.child({ app: 'ai-assistant' }), graph: http.graph, credentials: a, ...opts.transport }) : undefined
  try {
    await transport?.start()
    await assistantTransport?.start()
    const url = rt.config.http.port !== undefined ? await http.start() : undefined
    if (url) rt.logger.info({ url }, 'HTTP API listening')
  } catch (err) {
    await transport?.stop()
    await assistantTransport?.stop()
    await http.close()
    throw err
  }
  if (transport) rt.logger.info({ robotCode: rt.config.dingtalk.robotCode, apiBase: rt.config.dingtalk.apiBase }, 'Andy is listening on the DingTalk stream (robot messages and AI 助理 abilities)')
  if (assistantTransport) rt.logger.info({ clientId: a?.clientId }, 'AI 助理 abilities also served on the assistant app\'s own stream connection')
  // Weekly usage digest to an admin group (ANDY_DIGEST_CRON + ANDY_DIGEST_CONVERSATION_ID; needs the OpenAPI).
  let digest: DigestHandle | undefined
  const d = rt.config.digest
  if (d.cron && d.conversationId) {
    if (api) digest = startDigest({ db: rt.db, logger: rt.logger.child({ mod: 'digest' }), clock: app.deps.clock, api, cron: d.cron, conversationId: d.conversationId, dbPath: rt.config.dbPath })
    else rt.logger.warn('ANDY_DIGEST_CRON is set but DingTalk credentials are missing: no weekly digest')
  }
  let stopped: Promise<void> | undefined
  return {
    app,
    transport,
    assistantTransport,
    http,
    stop() {
      stopped ??= (async () => {
        digest?.stop()
        await transport?.stop()
        await assistantTransport?.stop()
        await http.close()
        const finished = await app.stop(rt.config.shutdownGraceMs)
        if (!finished) rt.logger.warn('shutdown grace period over; unfinished messages stay in the inbox for the next start')
      })()
      return stopped
    },
  }
}

/** Logs what would otherwise be silent or fatal, and keeps the process up. */
export function installProcessGuards(rt: Runtime): void {
  process.on('unhandledRejection', (reason) => rt.logger.error({ err: reason }, 'unhandled promise rejection'))
  process.on('uncaughtException', (err) => rt.logger.error({ err }, 'uncaught exception'))
}

export default defineCommand({
  meta: { name: 'start', description: 'Run the DingTalk stream bot (needs DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET)' },
  args: {},
  async run() {
    const rt = openRuntime()
    const missing = missingStreamCredentials(rt.config)
    if (missing.length && rt.config.http.port === undefined) {
      rt.db.close()
      process.stderr.write(`缺少配置：${missing.join(', ')}。\n请在 .env 中设置（见 .env.example 和 README「创建钉钉应用」），或先试本地演示：npm run demo\n`)
      process.exitCode = 2
      return
    }
    if (missing.length) rt.logger.warn({ missing }, 'no DingTalk credentials: serving the HTTP API only')
    installProcessGuards(rt)
    // Listen before starting: resumed messages are handled while the stream connects, and a signal in
    // that window must still shut down cleanly. once(): a second signal ends the process at once.
    let signalled: string | undefined
    let onStopRequest: (() => void) | undefined
    const onSignal = (signal: string): void => {
      signalled ??= signal
      onStopRequest?.()
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    let bot: BotHandle
    try {
      bot = await startBot(rt)
    } catch (err) {
      rt.logger.fatal({ err }, 'could not connect to DingTalk')
      rt.db.close()
      process.stderr.write(`无法连接钉钉：${(err as Error).message}\n`)
      process.exitCode = 1
      return
    }
    await new Promise<void>((resolve) => {
      onStopRequest = resolve
      if (signalled) resolve()
    })
    rt.logger.info({ signal: signalled, graceMs: rt.config.shutdownGraceMs }, 'shutting down: no new messages; running ones may finish (signal again to force)')
    await bot.stop()
    rt.db.close()
    rt.logger.info('database closed; bye')
    rt.logger.flush()
    // A handler still running past the grace period (a hung LLM call…) must not keep the process alive;
    // its message is still unfinished in the inbox and is resumed on the next start.
    setTimeout(() => process.exit(), 1000).unref()
  },
})
