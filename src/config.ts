import { Cron } from 'croner'
import { z } from 'zod'

/** The intents a robotCode can be bound to with ANDY_ROBOT_INTENTS. */
export const INTENTS = [
  'case', 'pitch', 'switch', 'procurement', 'software', 'usage', 'activity', 'report', 'image', 'talent', 'meeting', 'help',
] as const
export type Intent = (typeof INTENTS)[number]

const csv = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean))

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : undefined))

const optionalUrl = (name: string) =>
  optionalString.refine((v) => v === undefined || /^(https?|wss?):\/\//.test(v), `${name} must start with http(s):// or ws(s)://`)

const num = (def: number) => z.coerce.number().finite().nonnegative().default(def)
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def)

const schema = z.object({
  DINGTALK_CLIENT_ID: optionalString,
  DINGTALK_CLIENT_SECRET: optionalString,
  DINGTALK_ROBOT_CODE: optionalString,
  DINGTALK_API_BASE: optionalUrl('DINGTALK_API_BASE').transform((v) => (v ?? 'https://api.dingtalk.com').replace(/\/+$/, '')),
  DINGTALK_OAPI_BASE: optionalUrl('DINGTALK_OAPI_BASE').transform((v) => (v ?? 'https://oapi.dingtalk.com').replace(/\/+$/, '')),
  DINGTALK_CARD_TEMPLATE_ID: optionalString,
  DINGTALK_CARD_CONTENT_KEY: z.string().optional().transform((v) => (v && v.trim() ? v.trim() : 'content')),
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
  DB_PATH: z.string().optional().transform((v) => (v && v.trim() ? v.trim() : 'data/andy.db')),
  ANDY_TAXONOMY_FILE: optionalString,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl('OPENAI_BASE_URL'),
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
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HTTP_HOST: z.string().optional().transform((v) => (v && v.trim() ? v.trim() : '0.0.0.0')),
  HTTP_BODY_LIMIT_KB: int(512, 1),
  API_APP_KEY: optionalString,
  API_APP_SECRET: optionalString,
  ANDY_DIGEST_CRON: optionalString,
  ANDY_DIGEST_CONVERSATION_ID: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
  }>
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
  dbPath: string
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
  for (const pair of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [code, intent] = pair.split('=').map((s) => s.trim())
    if (!code || !intent || !(INTENTS as readonly string[]).includes(intent)) {
      throw new ConfigError(`ANDY_ROBOT_INTENTS: "${pair}" must look like robotCode=intent, intent one of ${INTENTS.join('|')}`)
    }
    map.set(code, intent as Intent)
  }
  return map
}

/** Parses an environment (process.env in production, a literal object in tests) into the app config. */
export function parseConfig(env: Record<string, string | undefined>): AppConfig {
  const res = schema.safeParse(env)
  if (!res.success) {
    const lines = res.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`)
  }
  const e = res.data
  if (e.ANDY_DIGEST_CRON !== undefined) {
    if (!e.ANDY_DIGEST_CONVERSATION_ID) throw new ConfigError('ANDY_DIGEST_CRON: set ANDY_DIGEST_CONVERSATION_ID too (the admin group that receives the weekly digest)')
    if (!isValidCron(e.ANDY_DIGEST_CRON)) throw new ConfigError(`ANDY_DIGEST_CRON: "${e.ANDY_DIGEST_CRON}" is not a cron expression (e.g. "0 9 * * 1" = Mondays 09:00 China time)`)
  }
  if (e.API_APP_KEY !== undefined && e.API_APP_KEY.length < 32) {
    throw new ConfigError('API_APP_KEY: must be at least 32 characters (the seed API requires it)')
  }
  return Object.freeze({
    dingtalk: Object.freeze({
      clientId: e.DINGTALK_CLIENT_ID,
      clientSecret: e.DINGTALK_CLIENT_SECRET,
      robotCode: e.DINGTALK_ROBOT_CODE ?? e.DINGTALK_CLIENT_ID,
      apiBase: e.DINGTALK_API_BASE,
      oapiBase: e.DINGTALK_OAPI_BASE,
      cardTemplateId: e.DINGTALK_CARD_TEMPLATE_ID,
      cardContentKey: e.DINGTALK_CARD_CONTENT_KEY,
    }),
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
    dbPath: e.DB_PATH,
    taxonomyFile: e.ANDY_TAXONOMY_FILE,
    llm: Object.freeze({
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
    }),
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
