import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type App, createApp } from '../../src/app.js'
import type { AppDeps } from '../../src/bot/context.js'
import { type AppConfig, parseConfig } from '../../src/config.js'
import type { Clock } from '../../src/core/clock.js'
import type { CardReplier, Replier } from '../../src/core/delivery.js'
import type { InboxSource } from '../../src/core/message.js'
import { createCaseInserter, transaction } from '../../src/db/case-write.js'
import { type Db, openDb } from '../../src/db/client.js'
import { bumpCasesVersion } from '../../src/db/meta.js'
import { createLogger, type Logger } from '../../src/logger.js'
import { createDictionaryProvider } from '../../src/search/dictionary-provider.js'
import { llmFromConfig } from '../../src/services/llm.js'
import { visionFromConfig } from '../../src/services/vision.js'
import { type TableKey, tableByKey } from '../../src/tables/index.js'
import { prepareRow } from '../../src/tables/rows.js'
import { LocalReplier, type LocalUser, localEnvelope } from '../../src/transport/local.js'
import type { FakeOpenAI } from './fake-openai.js'

/**
 * The one test app: a real app (real router, handlers, SQLite with the migrations, the real openai client
 * pointed at a fake server when `fake` is given) driven through handleNow() with a LocalReplier, as
 * `andy chat` does.
 */

export const silentLogger: Logger = createLogger({ level: 'silent' })

/** A fixed clock: 2026-11-28 10:00 China time unless told otherwise. */
export function fixedClock(
  iso = '2026-11-28T02:00:00Z',
): Clock & { set(iso: string): void; advance(ms: number): void } {
  let t = Date.parse(iso)
  return { now: () => t, set: (s) => (t = Date.parse(s)), advance: (ms) => (t += ms) }
}

/** The sender of the LLM tests' messages. */
export const DEFAULT_USER: LocalUser = { nick: '小王', staffId: 'u-wang' }

export type FixedClock = ReturnType<typeof fixedClock>

export interface TestApp<C extends Clock = Clock> {
  app: App
  db: Db
  config: AppConfig
  clock: C
  /** Replies to local (and, unless told otherwise, stream and http) messages. */
  local: LocalReplier
  logger: Logger
  /** Log lines (JSON), with `logs: true`. */
  logLines: string[]
  /** Sends a text as `user` (default: the app's user) and waits for the result. */
  ask(text: string, user?: Partial<LocalUser>): ReturnType<App['handleNow']>
  /** Stops the app; closes the database unless keepDb. */
  close(opts?: { keepDb?: boolean; graceMs?: number }): Promise<void>
}

export interface TestAppOptions<C extends Clock = FixedClock> {
  /** The LLM (and vision) settings point at this fake OpenAI server. */
  fake?: FakeOpenAI
  env?: Record<string, string>
  /** Database file; default ':memory:'. */
  dbPath?: string
  db?: Db
  /** Default: a fixed clock (fixedClock()); systemClock for tests on real time. */
  clock?: C
  /** Who `ask` sends as by default (default: 张三, no staff id). */
  user?: LocalUser
  /** Repliers per source, over the default (the local replier for local, stream and http). */
  repliers?: Partial<Record<InboxSource, Replier>>
  /** AI cards on the local replier (stream and http messages then stream answers into them). */
  cards?: CardReplier
  /** Log at debug level into logLines (default: silent). */
  logs?: boolean
  extraDeps?: Partial<AppDeps>
}

export function llmEnv(fake: FakeOpenAI): Record<string, string> {
  return {
    OPENAI_API_KEY: 'sk-test-key',
    OPENAI_BASE_URL: fake.baseUrl,
    LLM_MODEL: 'fake-model',
    LLM_PRICE_INPUT_RMB_PER_MTOK: '2',
    LLM_PRICE_OUTPUT_RMB_PER_MTOK: '8',
    // Generous: on a busy CI machine a fake answer can take seconds; tests of the timeout set their own.
    LLM_TIMEOUT_MS: '60000',
    LLM_PARSE_TIMEOUT_MS: '60000',
  }
}

export function createTestApp<C extends Clock = FixedClock>(opts: TestAppOptions<C> = {}): TestApp<C> {
  const env = {
    LOG_LEVEL: 'silent',
    DB_PATH: opts.dbPath ?? ':memory:',
    ...(opts.fake ? llmEnv(opts.fake) : {}),
    ...opts.env,
  }
  const config = parseConfig(env)
  const logLines: string[] = []
  const logger = opts.logs
    ? createLogger({ level: 'debug', destination: { write: (s: string) => void logLines.push(s) } })
    : silentLogger
  const db = opts.db ?? openDb(config.dbPath)
  const clock = opts.clock ?? (fixedClock() as Clock as C)
  const local = new LocalReplier()
  const replier: Replier = opts.cards ? { deliver: (t, p) => local.deliver(t, p), cards: opts.cards } : local
  const user = opts.user ?? { nick: '张三' }
  const app = createApp({
    config,
    db,
    logger,
    clock,
    dictionary: createDictionaryProvider(db),
    repliers: { local: replier, stream: replier, http: replier, ...opts.repliers },
    llm: llmFromConfig(config.llm),
    vision: visionFromConfig(config.llm),
    ...opts.extraDeps,
  })
  return {
    app,
    db,
    config,
    clock,
    local,
    logger,
    logLines,
    ask: (text, u = {}) => app.handleNow(localEnvelope(text, { ...user, ...u }, clock.now())),
    async close(o = {}) {
      await app.stop(o.graceMs ?? 2000)
      if (!o.keepDb) db.close()
    },
  }
}

/** Inserts records (values as in a spreadsheet, keyed by column name) the way import does. */
export function insertCases(db: Db, key: TableKey, records: Array<Record<string, unknown>>): number[] {
  const spec = tableByKey(key)!
  const insert = createCaseInserter(db, spec)
  const ids = transaction(db, () =>
    records.map((r) => {
      const { row, problems } = prepareRow(spec, r)
      if (problems.length) throw new Error(`bad fixture row: ${JSON.stringify(problems)}`)
      return insert(row)
    }),
  )
  bumpCasesVersion(db)
  return ids
}

/** A temp directory removed by the returned cleanup. */
export function tempDir(prefix = 'andy-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

let demoTemplate: Promise<string> | undefined

/**
 * A database file with the demo data (seeded once per test file, then copied): each call returns a
 * fresh copy's path. Use with createTestApp({ dbPath }).
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
