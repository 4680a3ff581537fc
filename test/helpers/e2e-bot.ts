import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BotHandle, type StartOptions, startBot } from '../../src/cli/start.js'
import { parseConfig } from '../../src/config.js'
import { type Db, openDb } from '../../src/db/client.js'
import { createLogger } from '../../src/logger.js'
import type { StreamTuning } from '../../src/transport/stream-connection.js'
import { FakeGateway } from './fake-gateway.js'
import { FakeOpenApi } from './fake-openapi.js'
import { loadFixtures } from './fixtures.js'
import { insertCases } from './test-app.js'
import { WebhookSink } from './webhook-sink.js'

/**
 * The bot as `andy start` runs it (startBot: inbox, scheduler, delivery router, the real stream client)
 * against loopback fakes: FakeGateway (stream), WebhookSink (sessionWebhook) and FakeOpenApi (token and
 * robot sends; it forwards connections/open to the gateway, so one DINGTALK_API_BASE serves both).
 */

/**
 * Small timing knobs so reconnects take milliseconds, not seconds. The open and endpoint timeouts stay wide:
 * on a busy machine a loopback handshake can take seconds, and a spurious retry changes the counts tests assert.
 */
export const FAST_TUNING: StreamTuning = {
  backoffBaseMs: 50,
  backoffCapMs: 800,
  healthyResetMs: 400,
  openTimeoutMs: 10_000,
  endpointTimeoutMs: 10_000,
  drainTimeoutMs: 1500,
  closeGraceMs: 200,
}

export interface E2eBot {
  readonly gateway: FakeGateway
  readonly sink: WebhookSink
  readonly openapi: FakeOpenApi
  readonly dbPath: string
  readonly dir: string
  /** Environment of the bot (also usable for a child process). */
  readonly env: Record<string, string>
  /** Log lines (JSON) of every bot started here. */
  readonly logs: string[]
  start(opts?: StartOptions): Promise<{ bot: BotHandle; db: Db }>
  /** Stops a started bot and closes its database (as `andy start` does on SIGTERM). */
  stop(handle: { bot: BotHandle; db: Db }): Promise<void>
  close(): Promise<void>
}

export async function e2eBot(o: { env?: Record<string, string>; seed?: (db: Db) => void } = {}): Promise<E2eBot> {
  const gateway = await FakeGateway.start()
  const sink = await WebhookSink.start()
  const openapi = await FakeOpenApi.start({
    forwardTo: gateway.apiBase,
    clientId: gateway.clientId,
    clientSecret: gateway.clientSecret,
  })
  const dir = mkdtempSync(join(tmpdir(), 'andy-e2e-'))
  const dbPath = join(dir, 'andy.db')
  const seed = openDb(dbPath)
  loadFixtures(seed)
  o.seed?.(seed)
  seed.close()
  const env: Record<string, string> = {
    DINGTALK_CLIENT_ID: gateway.clientId,
    DINGTALK_CLIENT_SECRET: gateway.clientSecret,
    DINGTALK_API_BASE: openapi.base,
    DINGTALK_OAPI_BASE: openapi.base,
    DB_PATH: dbPath,
    LOG_LEVEL: 'info',
    // A slow pong on a busy machine must not look like a zombie (test/e2e/connection-faults.test.ts sets its own).
    ANDY_LIVENESS_TIMEOUT_MS: '60000',
    ...o.env,
  }
  const config = parseConfig(env)
  const logs: string[] = []
  const logger = createLogger({ level: config.logLevel, destination: { write: (s: string) => void logs.push(s) } })
  const running = new Set<{ bot: BotHandle; db: Db }>()
  const stop = async (h: { bot: BotHandle; db: Db }): Promise<void> => {
    if (!running.delete(h)) return
    await h.bot.stop()
    h.db.close()
  }
  return {
    gateway,
    sink,
    openapi,
    dbPath,
    dir,
    env,
    logs,
    async start(opts = {}) {
      const db = openDb(dbPath)
      const bot = await startBot(
        { config, logger, db },
        {
          waitForStreamMs: 20_000,
          ...opts,
          transport: { tuning: FAST_TUNING, ...opts.transport },
          // A minute for the webhook: at 10 s, a loaded machine timed out a slow answer and retried it, and the
          // sink counted a second request (same msgUuid). test/e2e/webhook-fallback.test.ts sets its own.
          delivery: { webhook: { timeoutMs: 60_000 }, retryBaseMs: 20, retryMaxMs: 100, ...opts.delivery },
        },
      )
      const handle = { bot, db }
      running.add(handle)
      return handle
    },
    stop,
    async close() {
      for (const h of [...running]) await stop(h)
      await gateway.close()
      await sink.close()
      await openapi.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export { until } from './wait.js'

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** The msgUuid (idempotency key robotCode/msgId:part) of a webhook body the sink received. */
export function msgUuidOf(body: unknown): string {
  return String((body as { msgUuid?: unknown }).msgUuid ?? '')
}

export function markdownOf(body: unknown): string {
  return String((body as { markdown?: { text?: unknown } }).markdown?.text ?? '')
}

/** Five content cases about 能源 whose names are long enough that '能源 客户案例' gets a five-part reply. */
export function seedLongCases(db: Db): void {
  const pad = (s: string, ch: string) => s + ch.repeat(900)
  insertCases(
    db,
    'content-cases',
    [1, 2, 3, 4, 5].map((i) => ({
      case_name: pad(`能源案例${i}`, '长'),
      kh_name: pad(`华北能源集团${i}`, '甲'),
      yxt_industry_1: '能源',
      kh_industry_1: '电力',
      enterprise_type: '央企',
      staff_size: '1万人以上',
      train_target: '全员',
      xm_crowd: '全员',
      xm_name: pad(`能源项目${i}`, '乙'),
      content_product: '安全生产',
      product_series: '合规与安全',
      case_time: '2024-01',
      case_url: `https://cases.example.com/e/${i}`,
      summary: '覆盖全员',
    })),
  )
}
