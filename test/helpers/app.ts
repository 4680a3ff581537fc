import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type App, createApp } from '../../src/app.js'
import type { AppDeps } from '../../src/bot/context.js'
import { type AppConfig, parseConfig } from '../../src/config.js'
import { type Db, openDb } from '../../src/db/client.js'
import { createLogger, type Logger } from '../../src/logger.js'
import { createDictionaryProvider } from '../../src/search/dictionary.js'
import { llmFromConfig } from '../../src/services/llm.js'
import { visionFromConfig } from '../../src/services/vision.js'
import { LocalReplier, type LocalUser, localEnvelope } from '../../src/transport/local.js'
import type { FakeOpenAI } from './fake-openai.js'

/**
 * A real app (real router, handlers, SQLite with the migrations, the real openai client pointed at a
 * fake server) driven through handleNow() with a LocalReplier, as `andy chat` does.
 */

export interface TestApp {
  app: App
  db: Db
  config: AppConfig
  replier: LocalReplier
  logger: Logger
  logLines: string[]
  /** Sends a text as `user` and waits for the result. */
  say(text: string, user?: Partial<LocalUser>): ReturnType<App['handleNow']>
  /** Stops the app; closes the database unless keepDb. */
  close(opts?: { keepDb?: boolean; graceMs?: number }): Promise<void>
}

export interface TestAppOptions {
  fake?: FakeOpenAI
  env?: Record<string, string>
  /** Database file; default ':memory:'. */
  dbPath?: string
  db?: Db
  now?: () => number
  extraDeps?: Partial<AppDeps>
}

export const DEFAULT_USER: LocalUser = { nick: '小王', staffId: 'u-wang' }

export function llmEnv(fake: FakeOpenAI): Record<string, string> {
  return {
    OPENAI_API_KEY: 'sk-test-key',
    OPENAI_BASE_URL: fake.baseUrl,
    LLM_MODEL: 'fake-model',
    LLM_PRICE_INPUT_RMB_PER_MTOK: '2',
    LLM_PRICE_OUTPUT_RMB_PER_MTOK: '8',
    LLM_TIMEOUT_MS: '5000',
  }
}

export function makeTestApp(opts: TestAppOptions = {}): TestApp {
  const env = { ...(opts.fake ? llmEnv(opts.fake) : {}), DB_PATH: opts.dbPath ?? ':memory:', ...opts.env }
  const config = parseConfig(env)
  const logLines: string[] = []
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void logLines.push(s) } })
  const db = opts.db ?? openDb(config.dbPath)
  const replier = new LocalReplier()
  const app = createApp({
    config,
    db,
    logger,
    clock: { now: opts.now ?? (() => Date.now()) },
    dictionary: createDictionaryProvider(db),
    // One local replier for every source: stream/http messages in tests reply into it too.
    repliers: { local: replier, stream: replier, http: replier },
    llm: llmFromConfig(config.llm),
    vision: visionFromConfig(config.llm),
    ...opts.extraDeps,
  })
  return {
    app,
    db,
    config,
    replier,
    logger,
    logLines,
    say: (text, user) => app.handleNow(localEnvelope(text, { ...DEFAULT_USER, ...user }, Date.now())),
    async close(o = {}) {
      await app.stop(o.graceMs ?? 2000)
      if (!o.keepDb) db.close()
    },
  }
}

/** A temp directory removed by the returned cleanup. */
export function tempDir(prefix = 'andy-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

let demoTemplate: Promise<string> | undefined

/**
 * A database file with the demo data (seeded once per test file, then copied): each call returns a
 * fresh copy's path. Use with makeTestApp({ dbPath }).
 */
export async function demoDbPath(dir: string, name = 'andy.db'): Promise<string> {
  demoTemplate ??= (async () => {
    const { seedDemo } = await import('../../src/cli/seed.js')
    const t = tempDir('andy-demo-')
    const path = join(t.dir, 'demo.db')
    const db = openDb(path)
    await seedDemo(db)
    db.close()
    return path
  })()
  const target = join(dir, name)
  copyFileSync(await demoTemplate, target)
  return target
}
