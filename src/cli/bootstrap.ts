import { existsSync } from 'node:fs'
import { type App, createApp } from '../app.js'
import { type AppConfig, ConfigError, parseConfig } from '../config.js'
import { systemClock } from '../core/clock.js'
import type { Replier } from '../core/delivery.js'
import type { InboxSource } from '../core/message.js'
import { type Db, openDb } from '../db/client.js'
import type { PgDb } from '../db/pg/client.js'
import { type Stores, storesOf } from '../db/stores/index.js'
import { createLogger, type Logger } from '../logger.js'
import { loadDefaultPrompts } from '../pipelines/prompt-files.js'
import { createDictionaryProvider } from '../search/dictionary-provider.js'
import { createTaxonomyProvider } from '../search/taxonomy-file.js'
import { llmFromConfig } from '../services/llm.js'
import type { Metrics } from '../services/metrics.js'
import { visionFromConfig } from '../services/vision.js'
import { DingtalkApi } from '../transport/dingtalk-api.js'
import type { Limiter } from '../transport/shared-limiter.js'

/** Loads .env (when present) into process.env without overriding what is already set. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path)
}

export interface Runtime {
  config: AppConfig
  logger: Logger
  /** The SQLite file (DB_PATH); with DATABASE_URL, this instance's local copy of the case tables. */
  db: Db
  /** DATABASE_URL: PostgreSQL and the shared-state stores on it (src/cli/cluster.ts openCluster). */
  cluster?: {
    readonly pg: PgDb
    readonly stores: Stores
    readonly limiters: { readonly api: Limiter; readonly conversations: Limiter }
  }
}

/** Config + logger + database for a CLI command. `quiet` keeps the terminal clean unless LOG_LEVEL is set. */
export function openRuntime(opts: { quiet?: boolean } = {}): Runtime {
  loadDotEnv()
  const env = { ...process.env }
  if (opts.quiet && !env.LOG_LEVEL) env.LOG_LEVEL = 'warn'
  let config: AppConfig
  try {
    config = parseConfig(env)
  } catch (err) {
    // A wrong setting is the admin's to fix: say which and how, without a stack trace.
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`✘ ${err.message}\n`)
    process.exit(2)
  }
  const logger = createLogger({ level: config.logLevel })
  const db = openDb(config.dbPath)
  return { config, logger, db }
}

/** The process's DingTalk OpenAPI client, or undefined without credentials. */
export function createDingtalkApi(rt: Runtime): DingtalkApi | undefined {
  const d = rt.config.dingtalk
  if (!d.clientId || !d.clientSecret) return undefined
  return new DingtalkApi({
    clientId: d.clientId,
    clientSecret: d.clientSecret,
    robotCode: d.robotCode,
    apiBase: d.apiBase,
    oapiBase: d.oapiBase,
    logger: rt.logger.child({ mod: 'dingtalk-api' }),
    clock: systemClock,
    limiter: rt.cluster?.limiters.api,
  })
}

/** The taxonomy file of the configuration, reloaded when it changes; a broken edit is logged and the last good version kept. */
export function taxonomyProvider(rt: Runtime) {
  const log = rt.logger.child({ mod: 'taxonomy' })
  return createTaxonomyProvider(rt.config.taxonomyFile, {
    onError: (err) =>
      log.error(
        { file: rt.config.taxonomyFile ?? 'data/taxonomy.json', err: err.message },
        'taxonomy file not loaded; keeping the previous version',
      ),
  })
}

export async function buildApp(
  rt: Runtime,
  repliers: Partial<Record<InboxSource, Replier>>,
  extra: { dingtalk?: DingtalkApi; metrics?: Metrics; oneShot?: boolean } = {},
): Promise<App> {
  // An empty prompt table (in PostgreSQL with DATABASE_URL) gets the default prompts (data/prompts/), so
  // the LLM pipelines work out of the box.
  const prompts = storesOf({ db: rt.db, stores: rt.cluster?.stores }).llm.prompts
  for (const line of await loadDefaultPrompts(prompts)) if (line.startsWith('✔')) rt.logger.info(line)
  return createApp({
    config: rt.config,
    db: rt.db,
    stores: rt.cluster?.stores,
    logger: rt.logger,
    clock: systemClock,
    dictionary: createDictionaryProvider(rt.db, { taxonomy: taxonomyProvider(rt), oneShot: extra.oneShot }),
    repliers,
    dingtalk: extra.dingtalk,
    metrics: extra.metrics,
    // LLM calls and budgets are in the stores: on several instances, in PostgreSQL.
    llm: llmFromConfig(rt.config.llm),
    vision: visionFromConfig(rt.config.llm),
  })
}
