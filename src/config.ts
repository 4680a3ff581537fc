import { hostname } from 'node:os'
import { Cron } from 'croner'
import * as z from 'zod'
import { bindableIntents, type Intent } from './core/features.js'
import { DEFAULT_FILE_LIMITS as FILES, type FileLimits, MB } from './core/file-limits.js'

export type { Intent } from './core/features.js'

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : undefined))

const optionalUrl = () =>
  optionalString.refine((v) => v === undefined || /^(https?|wss?):\/\//.test(v), '应以 http(s):// 或 ws(s):// 开头')

// Messages are what the variable expects, in Chinese; parseConfig puts the variable's name and the value before them.
/** An empty value (`X=` in .env) means "not set": the default applies. */
const blankToUndefined = (v: unknown) => (typeof v === 'string' && !v.trim() ? undefined : v)
const num = (def: number) => {
  const error = '应为不小于 0 的数字'
  return z.preprocess(
    blankToUndefined,
    z.coerce.number({ error }).finite({ error }).nonnegative({ error }).default(def),
  )
}
const int = (def: number, min = 0) => {
  const error = `应为不小于 ${min} 的整数`
  return z.preprocess(blankToUndefined, z.coerce.number({ error }).int({ error }).min(min, { error }).default(def))
}
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
const RECEIVE_MODES = ['stream', 'http'] as const

const schema = z.object({
  DINGTALK_CLIENT_ID: optionalString,
  DINGTALK_CLIENT_SECRET: optionalString,
  DINGTALK_ROBOT_CODE: optionalString,
  DINGTALK_API_BASE: optionalUrl().transform((v) => (v ?? 'https://api.dingtalk.com').replace(/\/+$/, '')),
  DINGTALK_OAPI_BASE: optionalUrl().transform((v) => (v ?? 'https://oapi.dingtalk.com').replace(/\/+$/, '')),
  DINGTALK_CARD_TEMPLATE_ID: optionalString,
  DINGTALK_CARD_CONTENT_KEY: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() ? v.trim() : 'content')),
  DINGTALK_ASSISTANT_CLIENT_ID: optionalString,
  DINGTALK_ASSISTANT_CLIENT_SECRET: optionalString,
  DINGTALK_RECEIVE_MODE: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim().toLowerCase() : undefined),
    z
      .enum(RECEIVE_MODES, { error: '应为 stream（Stream 长连接，默认）或 http（HTTP 回调，需 HTTP_PORT）' })
      .default('stream'),
  ),
  ANDY_ROBOT_INTENTS: optionalString,
  ANDY_ADMIN_STAFF_IDS: csv,
  ANDY_ALLOWED_CORP_IDS: csv,
  ANDY_USER_RATE_PER_MIN: int(20, 1),
  ANDY_MAX_CONCURRENCY: int(16, 1),
  ANDY_LIVENESS_TIMEOUT_MS: int(90_000, 1000),
  ANDY_SHUTDOWN_GRACE_MS: int(10_000, 0),
  ANDY_HANDLER_TIMEOUT_MS: int(120_000, 100),
  ANDY_PIPELINE_TIMEOUT_MS: int(900_000, 100),
  ANDY_MAX_ATTEMPTS: int(3, 1),
  ANDY_STATS_EXPORT_DETAIL_ROWS: int(10_000, 0),
  ANDY_FILE_MAX_UNPACKED_MB: int(FILES.maxUnpackedBytes / MB, 1),
  ANDY_FILE_MAX_PART_MB: int(FILES.maxPartBytes / MB, 1),
  ANDY_FILE_MAX_RATIO: int(FILES.maxRatio, 2),
  ANDY_FILE_MAX_ENTRIES: int(FILES.maxEntries, 10),
  ANDY_FILE_MAX_ROWS: int(FILES.maxRows, 1),
  ANDY_FILE_MAX_COLUMNS: int(FILES.maxColumns, 1),
  ANDY_FILE_MAX_CELLS: int(FILES.maxCells, 1),
  ANDY_FILE_MAX_CHARS: int(FILES.maxChars, 1000),
  ANDY_FILE_MAX_PDF_PAGES: int(FILES.maxPdfPages, 1),
  ANDY_FILE_MAX_IMAGE_MEGAPIXELS: int(FILES.maxImagePixels / 1_000_000, 1),
  ANDY_FILE_WORKER_HEAP_MB: int(FILES.workerHeapMb, 32),
  ANDY_FILE_WORKERS: int(FILES.workers, 1),
  ANDY_FILE_TIMEOUT_MS: int(FILES.timeoutMs, 1000),
  DB_PATH: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() ? v.trim() : 'data/andy.db')),
  DATABASE_URL: optionalString.refine(
    (v) => v === undefined || /^postgres(ql)?:\/\//i.test(v),
    'must be a postgres:// URL',
  ),
  ANDY_INSTANCE_ID: optionalString,
  ANDY_LEASE_MS: int(30_000, 200),
  ANDY_CLUSTER_POLL_MS: int(2000, 50),
  ANDY_TAXONOMY_FILE: optionalString,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl(),
  LLM_MODEL: optionalString,
  LLM_VISION_MODEL: optionalString,
  LLM_PRICE_INPUT_RMB_PER_MTOK: num(0),
  LLM_PRICE_OUTPUT_RMB_PER_MTOK: num(0),
  LLM_DAILY_BUDGET_RMB: num(0),
  LLM_TIMEOUT_MS: int(60_000, 100),
  LLM_MAX_RETRIES: int(2, 0),
  LLM_PARSE_TIMEOUT_MS: int(3000, 100),
  LLM_CONTEXT_TOKENS: int(32_000, 1000),
  LLM_MAX_OUTPUT_TOKENS: int(2000, 16),
  ANDY_PROMPT_VERSION: optionalString,
  HTTP_PORT: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: '应为 0–65535 的端口号' })
      .int({ error: '应为 0–65535 的端口号' })
      .min(0, { error: '应为 0–65535 的端口号' })
      .max(65535, { error: '应为 0–65535 的端口号' })
      .optional(),
  ),
  HTTP_HOST: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() ? v.trim() : '0.0.0.0')),
  HTTP_BODY_LIMIT_KB: int(512, 1),
  API_APP_KEY: optionalString,
  API_APP_SECRET: optionalString,
  ANDY_DIGEST_CRON: optionalString,
  ANDY_DIGEST_CONVERSATION_ID: optionalString,
  ANDY_URL_ALLOWLIST: csv,
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z.enum(LOG_LEVELS, { error: `应为 ${LOG_LEVELS.join('、')} 之一` }).default('info'),
  ),
})

/** Every environment variable Andy reads (the docs test checks .env.example and the README list them all). */
export const CONFIG_VARIABLES = Object.keys(schema.shape)

export type AppConfig = Readonly<{
  dingtalk: Readonly<{
    clientId?: string
    clientSecret?: string
    robotCode?: string
    apiBase: string
    oapiBase: string
    cardTemplateId?: string
    /** The card template's streaming markdown variable (DINGTALK_CARD_CONTENT_KEY, default "content"). */
    cardContentKey: string
    /** The AI 助理's own app credentials, when its abilities arrive on another app's stream than the robot's. */
    assistant?: Readonly<{ clientId: string; clientSecret: string }>
    /** How robot messages arrive: the Stream connection (default) or HTTP callbacks only (no stream at all). */
    receiveMode: (typeof RECEIVE_MODES)[number]
  }>
  /**
   * Hosts (host or host:port) Andy may call although they resolve to private, loopback or link-local
   * addresses (AJdyyReportData's webhook and file_url); ANDY_URL_ALLOWLIST.
   */
  urlAllowlist: readonly string[]
  robotIntents: ReadonlyMap<string, Intent>
  adminStaffIds: readonly string[]
  allowedCorpIds: readonly string[]
  userRatePerMin: number
  maxConcurrency: number
  livenessTimeoutMs: number
  shutdownGraceMs: number
  /** Deadline of one message's handling; past it the user gets an apology and the message is marked failed. */
  handlerTimeoutMs: number
  /** Deadline for LLM pipelines, file interpretation and big exports. */
  pipelineTimeoutMs: number
  /** Times a message is started (across restarts) before it is given up as failed. */
  maxAttempts: number
  /** Records in the 明细 sheet of `统计 导出` (the newest; the summary sheets cover all). */
  statsExportDetailRows: number
  dbPath: string
  /** PostgreSQL for the shared state (postgres://…); undefined = SQLite at dbPath. A credential: never logged. */
  databaseUrl?: string
  /** Several instances on DATABASE_URL: this instance's name on its leases, the lease length, the inbox poll. */
  cluster: Readonly<{ instanceId: string; leaseMs: number; pollMs: number }>
  /** Resource caps for files users send and admins import (ANDY_FILE_*; src/services/file-limits.ts). */
  files: FileLimits
  /** The taxonomy file (industries, enterprise types, crowds, provinces); undefined = the shipped data/taxonomy.json. */
  taxonomyFile?: string
  llm: Readonly<{
    apiKey?: string
    baseUrl?: string
    model?: string
    visionModel?: string
    priceInputPerMTok: number
    priceOutputPerMTok: number
    dailyBudgetRmb: number
    timeoutMs: number
    /** SDK retries of 429 / 5xx / connection errors. */
    maxRetries: number
    /** Time limit of the LLM sentence parse and intent classification; the rule parse is used past it. */
    parseTimeoutMs: number
    /** The model's context size in tokens (long inputs are chunked to fit). */
    contextTokens: number
    /** Cap on the tokens one pipeline step may write. */
    maxOutputTokens: number
    /** Prompt-step version to use (default: the newest). */
    promptVersion?: string
  }>
  http: Readonly<{ port?: number; host: string; bodyLimitBytes: number; appKey?: string; appSecret?: string }>
  /** Weekly usage digest: a cron expression (China time) and the admin group's openConversationId. */
  digest: Readonly<{ cron?: string; conversationId?: string }>
  logLevel: z.infer<typeof schema>['LOG_LEVEL']
}>

export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

function parseRobotIntents(raw: string | undefined): Map<string, Intent> {
  const map = new Map<string, Intent>()
  if (!raw) return map
  for (const pair of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [code, intent] = pair.split('=').map((s) => s.trim())
    const bindable = bindableIntents()
    if (!code || !intent || !bindable.includes(intent)) {
      throw new ConfigError(`ANDY_ROBOT_INTENTS：「${pair}」应写成 robotCode=功能，功能为 ${bindable.join('、')} 之一`)
    }
    map.set(code, intent as Intent)
  }
  return map
}

/** The value as given, for the error message; never for a variable that holds a secret. */
function shownValue(name: string, value: string | undefined): string {
  if (value === undefined || /SECRET|KEY|TOKEN|PASSWORD/i.test(name)) return ''
  const v = value.length > 60 ? `${value.slice(0, 60)}…` : value
  return `，收到「${v}」`
}

/** Parses an environment (process.env in production, a literal object in tests) into the app config. */
export function parseConfig(env: Record<string, string | undefined>): AppConfig {
  const res = schema.safeParse(env)
  if (!res.success) {
    const lines = res.error.issues.map((i) => {
      const name = String(i.path[0] ?? '(环境变量)')
      return `${name}：${i.message}${shownValue(name, env[name])}`
    })
    throw new ConfigError(`配置有误（请改正 .env 或环境变量，说明见 .env.example）：\n  ${lines.join('\n  ')}`)
  }
  const e = res.data
  checkCombinations(e)
  return Object.freeze({
    dingtalk: dingtalkConfig(e),
    urlAllowlist: Object.freeze(e.ANDY_URL_ALLOWLIST.map((h) => h.toLowerCase())),
    robotIntents: parseRobotIntents(e.ANDY_ROBOT_INTENTS),
    adminStaffIds: Object.freeze([...e.ANDY_ADMIN_STAFF_IDS]),
    allowedCorpIds: Object.freeze([...e.ANDY_ALLOWED_CORP_IDS]),
    userRatePerMin: e.ANDY_USER_RATE_PER_MIN,
    maxConcurrency: e.ANDY_MAX_CONCURRENCY,
    livenessTimeoutMs: e.ANDY_LIVENESS_TIMEOUT_MS,
    shutdownGraceMs: e.ANDY_SHUTDOWN_GRACE_MS,
    handlerTimeoutMs: e.ANDY_HANDLER_TIMEOUT_MS,
    pipelineTimeoutMs: e.ANDY_PIPELINE_TIMEOUT_MS,
    maxAttempts: e.ANDY_MAX_ATTEMPTS,
    statsExportDetailRows: e.ANDY_STATS_EXPORT_DETAIL_ROWS,
    dbPath: e.DB_PATH,
    databaseUrl: e.DATABASE_URL,
    cluster: Object.freeze({
      instanceId: e.ANDY_INSTANCE_ID ?? `${hostname()}-${process.pid}`,
      leaseMs: e.ANDY_LEASE_MS,
      pollMs: e.ANDY_CLUSTER_POLL_MS,
    }),
    files: fileLimits(e),
    taxonomyFile: e.ANDY_TAXONOMY_FILE,
    llm: llmConfig(e),
    http: Object.freeze({
      port: e.HTTP_PORT,
      host: e.HTTP_HOST,
      bodyLimitBytes: e.HTTP_BODY_LIMIT_KB * 1024,
      appKey: e.API_APP_KEY,
      appSecret: e.API_APP_SECRET,
    }),
    digest: Object.freeze({ cron: e.ANDY_DIGEST_CRON, conversationId: e.ANDY_DIGEST_CONVERSATION_ID }),
    logLevel: e.LOG_LEVEL,
  })
}

type Env = z.infer<typeof schema>

/** Settings that are valid alone but not together. */
function checkCombinations(e: Env): void {
  if (e.ANDY_DIGEST_CRON !== undefined) {
    if (!e.ANDY_DIGEST_CONVERSATION_ID)
      throw new ConfigError(
        'ANDY_DIGEST_CRON：还需要设置 ANDY_DIGEST_CONVERSATION_ID（接收每周摘要的管理员群 openConversationId）',
      )
    if (!isValidCron(e.ANDY_DIGEST_CRON))
      throw new ConfigError(
        `ANDY_DIGEST_CRON：「${e.ANDY_DIGEST_CRON}」不是 cron 表达式（例如 "0 9 * * 1" = 每周一 09:00，北京时间）`,
      )
  }
  if ((e.DINGTALK_ASSISTANT_CLIENT_ID === undefined) !== (e.DINGTALK_ASSISTANT_CLIENT_SECRET === undefined)) {
    throw new ConfigError(
      'DINGTALK_ASSISTANT_CLIENT_ID / DINGTALK_ASSISTANT_CLIENT_SECRET：要么都设置（AI 助理应用的 Client ID 和 Client Secret），要么都不设置',
    )
  }
  if (e.API_APP_KEY !== undefined && e.API_APP_KEY.length < 32) {
    throw new ConfigError(`API_APP_KEY：至少 32 个字符（种子接口的要求），现在只有 ${e.API_APP_KEY.length} 个`)
  }
  if (e.DINGTALK_RECEIVE_MODE === 'http' && e.HTTP_PORT === undefined) {
    throw new ConfigError(
      'DINGTALK_RECEIVE_MODE：http（HTTP 回调模式）需要同时设置 HTTP_PORT，钉钉把消息 POST 到 https://<你的域名>/dingtalk/callback',
    )
  }
}

function dingtalkConfig(e: Env): AppConfig['dingtalk'] {
  return Object.freeze({
    clientId: e.DINGTALK_CLIENT_ID,
    clientSecret: e.DINGTALK_CLIENT_SECRET,
    robotCode: e.DINGTALK_ROBOT_CODE ?? e.DINGTALK_CLIENT_ID,
    apiBase: e.DINGTALK_API_BASE,
    oapiBase: e.DINGTALK_OAPI_BASE,
    cardTemplateId: e.DINGTALK_CARD_TEMPLATE_ID,
    cardContentKey: e.DINGTALK_CARD_CONTENT_KEY,
    // Only a different app needs its own connection: the robot app's stream serves its abilities already.
    assistant:
      e.DINGTALK_ASSISTANT_CLIENT_ID &&
      e.DINGTALK_ASSISTANT_CLIENT_SECRET &&
      e.DINGTALK_ASSISTANT_CLIENT_ID !== e.DINGTALK_CLIENT_ID
        ? Object.freeze({
            clientId: e.DINGTALK_ASSISTANT_CLIENT_ID,
            clientSecret: e.DINGTALK_ASSISTANT_CLIENT_SECRET,
          })
        : undefined,
    receiveMode: e.DINGTALK_RECEIVE_MODE,
  })
}

function fileLimits(e: Env): AppConfig['files'] {
  return Object.freeze({
    maxUnpackedBytes: e.ANDY_FILE_MAX_UNPACKED_MB * MB,
    maxPartBytes: e.ANDY_FILE_MAX_PART_MB * MB,
    maxRatio: e.ANDY_FILE_MAX_RATIO,
    maxEntries: e.ANDY_FILE_MAX_ENTRIES,
    maxRows: e.ANDY_FILE_MAX_ROWS,
    maxColumns: e.ANDY_FILE_MAX_COLUMNS,
    maxCells: e.ANDY_FILE_MAX_CELLS,
    maxChars: e.ANDY_FILE_MAX_CHARS,
    maxPdfPages: e.ANDY_FILE_MAX_PDF_PAGES,
    maxImagePixels: e.ANDY_FILE_MAX_IMAGE_MEGAPIXELS * 1_000_000,
    workerHeapMb: e.ANDY_FILE_WORKER_HEAP_MB,
    workers: e.ANDY_FILE_WORKERS,
    timeoutMs: e.ANDY_FILE_TIMEOUT_MS,
  })
}

function llmConfig(e: Env): AppConfig['llm'] {
  return Object.freeze({
    apiKey: e.OPENAI_API_KEY,
    baseUrl: e.OPENAI_BASE_URL,
    model: e.LLM_MODEL,
    visionModel: e.LLM_VISION_MODEL,
    priceInputPerMTok: e.LLM_PRICE_INPUT_RMB_PER_MTOK,
    priceOutputPerMTok: e.LLM_PRICE_OUTPUT_RMB_PER_MTOK,
    dailyBudgetRmb: e.LLM_DAILY_BUDGET_RMB,
    timeoutMs: e.LLM_TIMEOUT_MS,
    maxRetries: e.LLM_MAX_RETRIES,
    parseTimeoutMs: e.LLM_PARSE_TIMEOUT_MS,
    contextTokens: e.LLM_CONTEXT_TOKENS,
    maxOutputTokens: e.LLM_MAX_OUTPUT_TOKENS,
    promptVersion: e.ANDY_PROMPT_VERSION,
  })
}

function isValidCron(expr: string): boolean {
  try {
    new Cron(expr, { paused: true }).stop()
    return true
  } catch {
    return false
  }
}

/** The variables `andy start` needs; returns the names that are missing. */
export function missingStreamCredentials(config: AppConfig): string[] {
  const missing: string[] = []
  if (!config.dingtalk.clientId) missing.push('DINGTALK_CLIENT_ID')
  if (!config.dingtalk.clientSecret) missing.push('DINGTALK_CLIENT_SECRET')
  return missing
}
