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
  ANDY_ROBOT_INTENTS: optionalString,
  ANDY_ADMIN_STAFF_IDS: csv,
  ANDY_ALLOWED_CORP_IDS: csv,
  ANDY_USER_RATE_PER_MIN: int(20, 1),
  ANDY_MAX_CONCURRENCY: int(16, 1),
  ANDY_LIVENESS_TIMEOUT_MS: int(90_000, 1000),
  ANDY_SHUTDOWN_GRACE_MS: int(10_000, 0),
  DB_PATH: z.string().optional().transform((v) => (v && v.trim() ? v.trim() : 'data/andy.db')),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl('OPENAI_BASE_URL'),
  LLM_MODEL: optionalString,
  LLM_VISION_MODEL: optionalString,
  LLM_PRICE_INPUT_RMB_PER_MTOK: num(0),
  LLM_PRICE_OUTPUT_RMB_PER_MTOK: num(0),
  LLM_DAILY_BUDGET_RMB: num(0),
  LLM_TIMEOUT_MS: int(60_000, 100),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  API_APP_KEY: optionalString,
  API_APP_SECRET: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export type AppConfig = Readonly<{
  dingtalk: Readonly<{
    clientId?: string
    clientSecret?: string
    robotCode?: string
    apiBase: string
    oapiBase: string
    cardTemplateId?: string
  }>
  robotIntents: ReadonlyMap<string, Intent>
  adminStaffIds: readonly string[]
  allowedCorpIds: readonly string[]
  userRatePerMin: number
  maxConcurrency: number
  livenessTimeoutMs: number
  shutdownGraceMs: number
  dbPath: string
  llm: Readonly<{
    apiKey?: string
    baseUrl?: string
    model?: string
    visionModel?: string
    priceInputPerMTok: number
    priceOutputPerMTok: number
    dailyBudgetRmb: number
    timeoutMs: number
  }>
  http: Readonly<{ port?: number; appKey?: string; appSecret?: string }>
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
    }),
    robotIntents: parseRobotIntents(e.ANDY_ROBOT_INTENTS),
    adminStaffIds: Object.freeze([...e.ANDY_ADMIN_STAFF_IDS]),
    allowedCorpIds: Object.freeze([...e.ANDY_ALLOWED_CORP_IDS]),
    userRatePerMin: e.ANDY_USER_RATE_PER_MIN,
    maxConcurrency: e.ANDY_MAX_CONCURRENCY,
    livenessTimeoutMs: e.ANDY_LIVENESS_TIMEOUT_MS,
    shutdownGraceMs: e.ANDY_SHUTDOWN_GRACE_MS,
    dbPath: e.DB_PATH,
    llm: Object.freeze({
      apiKey: e.OPENAI_API_KEY,
      baseUrl: e.OPENAI_BASE_URL,
      model: e.LLM_MODEL,
      visionModel: e.LLM_VISION_MODEL,
      priceInputPerMTok: e.LLM_PRICE_INPUT_RMB_PER_MTOK,
      priceOutputPerMTok: e.LLM_PRICE_OUTPUT_RMB_PER_MTOK,
      dailyBudgetRmb: e.LLM_DAILY_BUDGET_RMB,
      timeoutMs: e.LLM_TIMEOUT_MS,
    }),
    http: Object.freeze({ port: e.HTTP_PORT, appKey: e.API_APP_KEY, appSecret: e.API_APP_SECRET }),
    logLevel: e.LOG_LEVEL,
  })
}

/** The variables `andy start` needs; returns the names that are missing. */
export function missingStreamCredentials(config: AppConfig): string[] {
  const missing: string[] = []
  if (!config.dingtalk.clientId) missing.push('DINGTALK_CLIENT_ID')
  if (!config.dingtalk.clientSecret) missing.push('DINGTALK_CLIENT_SECRET')
  return missing
}
