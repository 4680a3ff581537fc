import { createHash } from 'node:crypto'
import { type App, createApp } from '../../src/app.js'
import { seedDemo } from '../../src/cli/seed.js'
import { type AppConfig, parseConfig } from '../../src/config.js'
import { type Clock, systemClock } from '../../src/core/clock.js'
import { type Db, openDb } from '../../src/db/client.js'
import type { Stores } from '../../src/db/stores/index.js'
import { createHttpServer, type HttpServer } from '../../src/http/server.js'
import { createLogger } from '../../src/logger.js'
import { createDictionaryProvider } from '../../src/search/dictionary-provider.js'
import { createMetrics, type Metrics } from '../../src/services/metrics.js'
import { AssistantReplier } from '../../src/transport/assistant-replier.js'
import { createWebhookReplier } from '../../src/transport/webhook.js'

/** A real server on an ephemeral loopback port, over a real SQLite database with the real migrations. */

export const APP_KEY = 'k'.repeat(16) + '0123456789abcdef' // 32 characters
export const APP_SECRET = 'test-app-secret-not-for-production'
export const CB_SECRET = 'dingtalk-client-secret-for-tests'

export interface Harness {
  readonly base: string
  readonly config: AppConfig
  readonly db: Db
  readonly app: App
  readonly server: HttpServer
  readonly metrics: Metrics
  /** Every log line written. */
  readonly logs: string[]
  close(): Promise<void>
}

export interface HarnessOptions {
  env?: Record<string, string | undefined>
  seed?: boolean
  clock?: Clock
  streamState?: () => string
  dingtalkStats?: () => Record<string, number>
  prepare?: (db: Db) => void | Promise<void>
  /** The shared-state stores (PostgreSQL, as `andy start` with DATABASE_URL); default: SQLite over the harness's db. */
  stores?: Stores
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const config = parseConfig({
    API_APP_KEY: APP_KEY,
    DINGTALK_CLIENT_ID: 'ding-test-client',
    DINGTALK_CLIENT_SECRET: CB_SECRET,
    // The webhook sink stands in for DingTalk on loopback: a sessionWebhook must be on a DingTalk (configured) host.
    DINGTALK_OAPI_BASE: 'http://127.0.0.1:9',
    LOG_LEVEL: 'debug',
    ...opts.env,
  })
  const logs: string[] = []
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void logs.push(s) } })
  const db = openDb(':memory:')
  if (opts.seed) await seedDemo(db)
  await opts.prepare?.(db)
  const metrics = createMetrics({ defaultMetrics: false })
  const app = createApp({
    config,
    db,
    stores: opts.stores,
    logger,
    clock: opts.clock ?? systemClock,
    dictionary: createDictionaryProvider(db),
    repliers: { http: createWebhookReplier({ timeoutMs: 30_000 }), assistant: new AssistantReplier() },
    metrics,
  })
  const server = createHttpServer({
    config,
    logger,
    db,
    app,
    streamState: opts.streamState,
    dingtalkStats: opts.dingtalkStats,
  })
  const base = await server.start(0, '127.0.0.1')
  return {
    base,
    config,
    db,
    app,
    server,
    metrics,
    logs,
    async close() {
      await server.close()
      await app.stop(2000)
      db.close()
    },
  }
}

/** The documented signature, written out independently of src/http/auth.ts. */
export function seedSign(params: Record<string, string>, secret: string): string {
  const names = Object.keys(params)
    .filter((k) => k !== 'sign')
    .sort()
  return createHash('md5')
    .update(names.map((k) => params[k]).join('') + secret)
    .digest('hex')
    .toUpperCase()
}

export type Style = 'new' | 'short' | 'old'

export interface CallOptions {
  style?: Style
  method?: 'GET' | 'POST'
  /** POST body encoding (default form). */
  body?: 'form' | 'json'
  /** Sign with this secret (default: none). */
  secret?: string
  /** Leave out app_key, or send another one. */
  appKey?: string | null
}

export interface CallResult {
  status: number
  headers: Headers
  text: string
  json: any
}

export function urlFor(base: string, action: string, style: Style): string {
  if (style === 'new') return `${base}/api/SVIP/Andy_MyApi/${action}`
  if (style === 'short') return `${base}/api/${action}`
  return `${base}/`
}

export async function call(
  base: string,
  action: string,
  params: Record<string, string> = {},
  o: CallOptions = {},
): Promise<CallResult> {
  const style = o.style ?? 'new'
  const p: Record<string, string> = { ...params }
  if (o.appKey !== null) p.app_key = o.appKey ?? APP_KEY
  if (style === 'old') p.s = `SVIP.Andy_MyApi.${action}`
  if (o.secret) p.sign = seedSign(p, o.secret)
  const url = urlFor(base, action, style)
  let res: Response
  if ((o.method ?? 'GET') === 'GET') {
    res = await fetch(`${url}?${new URLSearchParams(p)}`)
  } else if (o.body === 'json') {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(p) })
  } else {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(p).toString(),
    })
  }
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}
