import { defineCommand } from 'citty'
import type { App } from '../app.js'
import { missingStreamCredentials } from '../config.js'
import type { Replier } from '../core/delivery.js'
import { isOpen } from '../db/client.js'
import { preloadLazyHandlersSoon } from '../handlers/lazy.js'
import { CALLBACK_PATH } from '../http/callback.js'
import { createHttpServer, type HttpServer } from '../http/server.js'
import { demoWarning } from '../services/demo-data.js'
import { createMetrics } from '../services/metrics.js'
import { type DigestHandle, startDigest } from '../stats/digest.js'
import { AssistantReplier } from '../transport/assistant-replier.js'
import { DeliveryRouter, type DeliveryRouterOptions } from '../transport/delivery.js'
import { DingtalkStreamTransport, type DingtalkStreamTransportOptions } from '../transport/dingtalk-stream.js'
import type { StreamState } from '../transport/stream-connection.js'
import { buildApp, createDingtalkApi, openRuntime, type Runtime } from './bootstrap.js'
import { openCluster, runCluster } from './cluster.js'

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
  /**
   * Wait this long for the first stream connection before resolving (tests that send frames at once);
   * on failure everything is stopped and the error thrown. Default: do not wait — `andy start` serves
   * HTTP at once and connects the stream in the background, retrying for as long as it runs.
   */
  waitForStreamMs?: number
}

/**
 * What `andy start` runs: the app on the inbox, unfinished messages resumed, the seed-compatible HTTP API
 * (when HTTP_PORT is set) listening first, then the DingTalk stream connecting in the background (when
 * credentials are set and DINGTALK_RECEIVE_MODE is not `http`). DingTalk being unreachable never stops
 * the HTTP API: /healthz answers 503 with the stream's state until the stream is connected.
 */
export async function startBot(rt: Runtime, opts: StartOptions = {}): Promise<BotHandle> {
  const api = createDingtalkApi(rt)
  const metrics = createMetrics()
  const replier =
    opts.replier ??
    new DeliveryRouter({
      conversationLimiter: rt.cluster?.limiters.conversations,
      ...opts.delivery,
      api,
      logger: rt.logger.child({ mod: 'delivery' }),
    })
  // AI 助理 calls: answers come back in the response; files go out through the robot OpenAPI.
  const assistant = new AssistantReplier(api ? replier : undefined)
  const app = await buildApp(rt, { stream: replier, http: replier, assistant }, { dingtalk: api, metrics })
  const warmedAt = performance.now()
  await app.deps.dictionary.warm?.()
  // Big tables: searches run by SQL (slower) until the in-memory indexes are built; say when they are.
  void app.deps.dictionary
    .indexed?.()
    .then(() => rt.logger.info({ ms: Math.round(performance.now() - warmedAt) }, 'case indexes ready'))
    .catch((err: unknown) =>
      // Stopped before it ended (the database was closed at shutdown): not a failure.
      isOpen(rt.db)
        ? rt.logger.error({ err }, 'case index build failed')
        : rt.logger.info('case index build stopped by the shutdown'),
    )
  await app.resumeUnfinished({ ownLeases: true })
  const cluster = rt.cluster ? runCluster(rt.cluster, app, rt) : undefined
  const demo = demoWarning(rt.db, rt.config.dbPath)
  if (demo) rt.logger.warn({ dbPath: rt.config.dbPath, demoRows: demo.tables }, demo.message)
  let transport: DingtalkStreamTransport | undefined
  // Always built (AI 助理 calls on the stream are served by it); listens only with HTTP_PORT.
  const http = createHttpServer({
    config: rt.config,
    logger: rt.logger,
    db: rt.db,
    app,
    metrics,
    streamState: () => transport?.state() ?? 'disabled',
    streamError: () => transport?.stats().lastError,
    dingtalkStats: api ? () => ({ ...api.stats().calls }) : undefined,
  })
  transport = robotTransport(rt, opts, app, http)
  const assistantTransport = assistantStream(rt, opts, http)
  await listen(rt, opts, http, transport, assistantTransport)
  logReceiveModes(rt, assistantTransport)
  // After the stream connected (its start-up is not delayed): the handlers loaded on first use, loaded now.
  const preload = preloadLazyHandlersSoon(1000)
  const digest = weeklyDigest(rt, app, api ? replier : undefined)
  let stopped: Promise<void> | undefined
  return {
    app,
    transport,
    assistantTransport,
    http,
    stop() {
      stopped ??= (async () => {
        digest?.stop()
        await preload.stop()
        await transport?.stop()
        await assistantTransport?.stop()
        await http.close()
        const finished = await app.stop(rt.config.shutdownGraceMs)
        await cluster?.stop()
        if (!finished)
          rt.logger.warn('shutdown grace period over; unfinished messages stay in the inbox for the next start')
      })()
      return stopped
    },
  }
}

/** The robot's stream connection (credentials set, DINGTALK_RECEIVE_MODE=stream), not begun yet. */
function robotTransport(
  rt: Runtime,
  opts: StartOptions,
  app: App,
  http: HttpServer,
): DingtalkStreamTransport | undefined {
  if (rt.config.dingtalk.receiveMode !== 'stream' || missingStreamCredentials(rt.config).length > 0) return undefined
  const onStateChange = (state: StreamState, previous: StreamState): void => {
    opts.transport?.onStateChange?.(state, previous)
    if (state === 'connected')
      rt.logger.info(
        { robotCode: rt.config.dingtalk.robotCode, apiBase: rt.config.dingtalk.apiBase },
        'Andy is listening on the DingTalk stream (robot messages and AI 助理 abilities)',
      )
  }
  return new DingtalkStreamTransport({
    config: rt.config,
    logger: rt.logger,
    sink: app,
    graph: http.graph,
    ...opts.transport,
    onStateChange,
  })
}

/** The AI 助理's own stream connection, when it is another app (DINGTALK_ASSISTANT_CLIENT_ID/SECRET). */
function assistantStream(rt: Runtime, opts: StartOptions, http: HttpServer): DingtalkStreamTransport | undefined {
  const a = rt.config.dingtalk.assistant
  return a
    ? new DingtalkStreamTransport({
        config: rt.config,
        logger: rt.logger.child({ app: 'ai-assistant' }),
        graph: http.graph,
        credentials: a,
        ...opts.transport,
      })
    : undefined
}

/** HTTP first (it must answer, and /healthz tell the stream's state, whatever DingTalk does), then the streams. */
async function listen(
  rt: Runtime,
  opts: StartOptions,
  http: HttpServer,
  transport: DingtalkStreamTransport | undefined,
  assistantTransport: DingtalkStreamTransport | undefined,
): Promise<void> {
  try {
    const url = rt.config.http.port !== undefined ? await http.start() : undefined
    if (url) rt.logger.info({ url }, 'HTTP API listening')
  } catch (err) {
    await http.close()
    throw err
  }
  transport?.begin()
  assistantTransport?.begin()
  if (!transport || opts.waitForStreamMs === undefined) return
  try {
    await transport.waitUntilConnected(opts.waitForStreamMs)
    await assistantTransport?.waitUntilConnected(opts.waitForStreamMs)
  } catch (err) {
    await transport.stop()
    await assistantTransport?.stop()
    await http.close()
    throw err
  }
}

function logReceiveModes(rt: Runtime, assistantTransport: DingtalkStreamTransport | undefined): void {
  if (assistantTransport)
    rt.logger.info(
      { clientId: rt.config.dingtalk.assistant?.clientId },
      "AI 助理 abilities also served on the assistant app's own stream connection",
    )
  if (rt.config.dingtalk.receiveMode === 'http')
    rt.logger.info(
      { path: CALLBACK_PATH },
      'DINGTALK_RECEIVE_MODE=http: robot messages arrive as HTTP callbacks; no stream connection',
    )
}

/** Weekly usage digest to an admin group (ANDY_DIGEST_CRON + ANDY_DIGEST_CONVERSATION_ID; needs the OpenAPI). */
function weeklyDigest(rt: Runtime, app: App, replier: Replier | undefined): DigestHandle | undefined {
  const d = rt.config.digest
  if (!d.cron || !d.conversationId) return undefined
  if (!replier) {
    rt.logger.warn('ANDY_DIGEST_CRON is set but DingTalk credentials are missing: no weekly digest')
    return undefined
  }
  return startDigest({
    db: rt.db,
    // DATABASE_URL: the run is claimed once across instances, and the numbers cover every instance's usage.
    stores: rt.cluster?.stores,
    logger: rt.logger.child({ mod: 'digest' }),
    clock: app.deps.clock,
    replier,
    robotCode: rt.config.dingtalk.robotCode,
    cron: d.cron,
    conversationId: d.conversationId,
    dbPath: rt.config.dbPath,
    detailRows: rt.config.statsExportDetailRows,
  })
}

/** DATABASE_URL: opens PostgreSQL for `andy start` (rt.cluster); false (exit code set, said in Chinese) when it cannot. */
async function attachPostgres(rt: Runtime): Promise<boolean> {
  try {
    rt.cluster = await openCluster(rt)
    rt.logger.info({ instanceId: rt.config.cluster.instanceId }, 'running as one of several instances on PostgreSQL')
    return true
  } catch (err) {
    rt.logger.fatal({ err }, 'could not open PostgreSQL')
    rt.db.close()
    process.stderr.write(
      `无法连接 DATABASE_URL 的 PostgreSQL 或无法迁移：${(err as Error).message}\n请检查 DATABASE_URL（andy doctor），或运行 andy migrate。\n`,
    )
    process.exitCode = 1
    return false
  }
}

/** How long `andy start` waits before telling the terminal that the stream is not connected yet. */
const STREAM_NOTICE_MS = 30_000

/** Logs what would otherwise be silent or fatal, and keeps the process up. */
export function installProcessGuards(rt: Runtime): void {
  process.on('unhandledRejection', (reason) => rt.logger.error({ err: reason }, 'unhandled promise rejection'))
  process.on('uncaughtException', (err) => rt.logger.error({ err }, 'uncaught exception'))
}

export default defineCommand({
  meta: {
    name: 'start',
    description:
      'Run the DingTalk bot: the Stream connection (DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET) and, with HTTP_PORT, the HTTP API and callback. ' +
      'DINGTALK_RECEIVE_MODE=http receives robot messages as HTTP callbacks only (no stream)',
  },
  args: {},
  async run() {
    const rt = openRuntime()
    if (rt.config.databaseUrl && !(await attachPostgres(rt))) return
    const missing = missingStreamCredentials(rt.config)
    if (missing.length && rt.config.http.port === undefined) {
      rt.db.close()
      process.stderr.write(
        `缺少配置：${missing.join(', ')}。\n请在 .env 中设置（见 .env.example 和 README「创建钉钉应用」），或先试本地演示：npm run demo\n`,
      )
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
      rt.logger.fatal({ err }, 'could not start')
      await rt.cluster?.pg.close()
      rt.db.close()
      process.stderr.write(
        `无法启动：${(err as Error).message}\n${/EADDRINUSE/.test(String((err as Error).message)) ? `端口 ${rt.config.http.port} 已被占用：换一个 HTTP_PORT，或先停掉占用它的进程。\n` : ''}`,
      )
      process.exitCode = 1
      return
    }
    // DingTalk unreachable is not fatal: say so once in plain words, keep serving HTTP, keep reconnecting.
    bot.transport?.waitUntilConnected(STREAM_NOTICE_MS).catch((err: unknown) => {
      if (signalled) return
      process.stderr.write(
        `⚠ 钉钉 Stream 还没有连上（${(err as Error).message.slice(0, 300)}）。Andy 继续运行并在后台重试` +
          `${bot.http ? `；HTTP 接口照常服务，/healthz 显示连接状态` : ''}。请检查网络和 DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET（npm run andy -- doctor）。\n`,
      )
    })
    await new Promise<void>((resolve) => {
      onStopRequest = resolve
      if (signalled) resolve()
    })
    rt.logger.info(
      { signal: signalled, graceMs: rt.config.shutdownGraceMs },
      'shutting down: no new messages; running ones may finish (signal again to force)',
    )
    await bot.stop()
    await rt.cluster?.pg.close()
    rt.db.close()
    rt.logger.info('database closed; bye')
    rt.logger.flush()
    // A handler still running past the grace period (a hung LLM call…) must not keep the process alive;
    // its message is still unfinished in the inbox and is resumed on the next start.
    setTimeout(() => process.exit(), 1000).unref()
  },
})
