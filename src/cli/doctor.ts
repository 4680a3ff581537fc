import { defineCommand } from 'citty'
import WebSocket from 'ws'
import { type AppConfig, ConfigError, missingStreamCredentials, parseConfig } from '../config.js'
import { tableCount } from '../db/case-search.js'
import { openDb, sqliteSchemaVersion } from '../db/client.js'
import { createLogger } from '../logger.js'
import { demoWarning } from '../services/demo-data.js'
import { llmFromConfig } from '../services/llm.js'
import { renderTable } from '../stats/terminal.js'
import { TABLES } from '../tables/index.js'
import { DingtalkApi } from '../transport/dingtalk-api.js'
import { openStreamTicket, TOPIC_ROBOT } from '../transport/stream-protocol.js'
import { loadDotEnv } from './bootstrap.js'

/** The README section that explains creating the DingTalk app (start and doctor point to it). */
export const README_APP_SECTION = '创建钉钉应用'

/**
 * `andy doctor`: checks what `andy start` needs — configuration, database and migrations, the DingTalk
 * token endpoint and stream gateway with the configured credentials, the LLM endpoint when configured —
 * and prints a pass/fail table with the fix for each failure. Secrets are never printed.
 */

export type CheckResult = { name: string; ok: boolean | undefined; detail: string; fix?: string }

const TIMEOUT_MS = 10_000

/** What kind of failure a check met: the fix depends on it (a refused connection is not a bad password). */
export type FailureKind = 'network' | 'timeout' | 'auth' | 'not_found' | 'rate_limit' | 'server' | 'rejected' | 'other'

/** Classifies an error of the DingTalk client, the stream open, the WebSocket or the LLM client. */
export function failureKind(err: unknown): FailureKind {
  const e = err as {
    code?: unknown
    kind?: unknown
    status?: unknown
    httpStatus?: unknown
    name?: unknown
    message?: unknown
    cause?: { code?: unknown }
  }
  const kind = String(e?.kind ?? '')
  const code = String(e?.code ?? '')
  const status =
    Number(e?.status ?? e?.httpStatus ?? 0) ||
    Number(/\b(?:HTTP|answered HTTP|status|response:)\s*(\d{3})\b/i.exec(String(e?.message ?? ''))?.[1] ?? 0)
  const text = `${String(e?.message ?? '')} ${String(e?.cause?.code ?? '')}`
  if (
    kind === 'timeout' ||
    code === 'timeout' ||
    e?.name === 'TimeoutError' ||
    /timed out|timeout|ETIMEDOUT/i.test(text)
  )
    return 'timeout'
  if (
    kind === 'network' ||
    code === 'network' ||
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH|socket hang up|fetch failed|Connection error/i.test(
      text,
    )
  )
    return 'network'
  if (status === 401 || status === 403 || kind === 'auth') return 'auth'
  if (status === 404) return 'not_found'
  if (status === 429 || kind === 'rate_limit') return 'rate_limit'
  if (status >= 500 || kind === 'server') return 'server'
  if (status >= 400 || kind === 'bad_request' || kind === 'http') return 'rejected'
  return 'other'
}

type Fixes = Partial<Record<FailureKind, string>> & { other: string }

async function check(name: string, fn: () => Promise<string> | string, fixes: Fixes): Promise<CheckResult> {
  try {
    return { name, ok: true, detail: await fn() }
  } catch (err) {
    return {
      name,
      ok: false,
      detail: (err as Error).message.slice(0, 200),
      fix: fixes[failureKind(err)] ?? fixes.other,
    }
  }
}

const skip = (name: string, detail: string): CheckResult => ({ name, ok: undefined, detail })

function wsReachable(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: TIMEOUT_MS })
    ws.once('open', () => {
      ws.close()
      resolve()
    })
    ws.once('error', (err) =>
      reject(Object.assign(new Error(`WebSocket ${url.split('?')[0]}: ${err.message}`), { cause: err })),
    )
  })
}

/** The LLM variables that are set without the others they need (empty when none or all are set). */
export function llmConfigProblem(llm: AppConfig['llm']): string | undefined {
  if (llm.apiKey && !llm.model)
    return '设置了 OPENAI_API_KEY，但缺少 LLM_MODEL（模型名称，如 deepseek-chat、qwen-plus）'
  if (llm.model && !llm.apiKey) return `设置了 LLM_MODEL（${llm.model}），但缺少 OPENAI_API_KEY（服务商的 API key）`
  if (!llm.apiKey && !llm.model && (llm.baseUrl || llm.visionModel))
    return `设置了 ${llm.baseUrl ? 'OPENAI_BASE_URL' : 'LLM_VISION_MODEL'}，但缺少 OPENAI_API_KEY 和 LLM_MODEL`
  return undefined
}

export const LLM_BASE_RULE =
  'OPENAI_BASE_URL 是服务商的 OpenAI 兼容地址，SDK 在其后加 /chat/completions：如 https://api.deepseek.com（加不加 /v1 都可以）、https://dashscope.aliyuncs.com/compatible-mode/v1、https://api.moonshot.cn/v1；不设则为 OpenAI'

/** Demo rows in the configured (production) database. */
function demoCheck(config: AppConfig): CheckResult {
  try {
    const db = openDb(config.dbPath)
    try {
      const w = demoWarning(db, config.dbPath)
      return w
        ? { name: '演示数据', ok: false, detail: `有演示数据：${w.tables}`, fix: w.message }
        : { name: '演示数据', ok: true, detail: '没有演示数据' }
    } finally {
      db.close()
    }
  } catch (err) {
    return skip('演示数据', `未检查（${(err as Error).message.slice(0, 80)}）`)
  }
}

/** DATABASE_URL: the server answers and the drizzle/pg migrations are all applied (the URL is never printed). */
async function pgCheck(url: string): Promise<CheckResult> {
  return check(
    'PostgreSQL',
    async () => {
      const { openPg, pgSchemaVersion, pgServerVersion } = await import('../db/pg/client.js')
      const db = await openPg(url, { max: 1 })
      try {
        const version = await pgServerVersion(db.pool)
        const { applied, latest } = await pgSchemaVersion(db.pool)
        if (applied !== latest) throw new Error(`已应用 ${applied} 个迁移，共 ${latest} 个：运行 andy migrate`)
        return `PostgreSQL ${version}（迁移 ${applied}/${latest}）`
      } finally {
        await db.close()
      }
    },
    {
      network: '连不上 DATABASE_URL 的服务器：检查主机、端口和防火墙',
      auth: '检查 DATABASE_URL 中的用户名和密码',
      other: '检查 DATABASE_URL；迁移未完成时运行 andy migrate',
    },
  )
}

export async function runChecks(config: AppConfig): Promise<CheckResult[]> {
  const out: CheckResult[] = [await databaseCheck(config)]
  if (config.databaseUrl) out.push(await pgCheck(config.databaseUrl))
  out.push(demoCheck(config))
  out.push(...(await dingtalkChecks(config)))
  out.push(...(await llmChecks(config)))
  out.push(httpCheck(config))
  return out
}

/** The SQLite database: openable, every migration applied, rows per case table. */
function databaseCheck(config: AppConfig): Promise<CheckResult> {
  return check(
    '数据库与迁移',
    () => {
      const db = openDb(config.dbPath)
      try {
        const { applied, latest: files } = sqliteSchemaVersion(db)
        if (applied !== files) throw new Error(`已应用 ${applied} 个迁移，共 ${files} 个`)
        const rows = TABLES.map((t) => `${t.key} ${tableCount(db, t)}`).join('，')
        return `${config.dbPath}（迁移 ${applied}/${files}；${rows}）`
      } finally {
        db.close()
      }
    },
    { other: '检查 DB_PATH 是否可写；数据为空时运行 andy seed 或 andy import' },
  )
}

/** The DingTalk credentials (an access token) and the stream gateway. */
async function dingtalkChecks(config: AppConfig): Promise<CheckResult[]> {
  const out: CheckResult[] = []
  const d = config.dingtalk
  const missing = missingStreamCredentials(config)
  const apiUrl = new URL(d.apiBase)
  const apiHost = apiUrl.host
  const apiHostPort = apiUrl.port ? apiUrl.host : `${apiUrl.hostname}:443`
  if (missing.length) {
    out.push({
      name: '钉钉凭证',
      ok: false,
      detail: `缺少 ${missing.join(', ')}`,
      fix: `在 .env 中设置应用的 AppKey/AppSecret（README「${README_APP_SECTION}」）`,
    })
  } else {
    const api = new DingtalkApi({
      clientId: d.clientId!,
      clientSecret: d.clientSecret!,
      robotCode: d.robotCode,
      apiBase: d.apiBase,
      oapiBase: d.oapiBase,
      logger: createLogger({ level: 'silent' }),
    })
    const unreachable = `连不上 ${apiHost}：检查网络、代理和 DINGTALK_API_BASE（默认 https://api.dingtalk.com）；内网需放通 api.dingtalk.com:443`
    out.push(
      await check(
        '钉钉 access token',
        async () => {
          await api.accessToken()
          return `${d.apiBase}/v1.0/oauth2/accessToken 正常`
        },
        {
          network: unreachable,
          timeout: `${unreachable}（请求超时）`,
          auth: '钉钉拒绝了凭证：确认 DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET 是该应用的 AppKey / AppSecret，且应用已发布',
          rejected:
            '钉钉拒绝了凭证：确认 DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET 是该应用的 AppKey / AppSecret，且应用已发布',
          not_found: `${d.apiBase} 上没有钉钉接口：DINGTALK_API_BASE 应为 https://api.dingtalk.com（或私有部署的网关地址）`,
          rate_limit: '钉钉限流（429）：稍后再试',
          server: '钉钉服务暂时出错（5xx）：稍后再试',
          other: '确认 DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET 与 DINGTALK_API_BASE',
        },
      ),
    )
    if (d.receiveMode === 'http')
      out.push(
        skip(
          '钉钉 Stream 网关',
          'DINGTALK_RECEIVE_MODE=http：消息经 HTTP 回调 POST /dingtalk/callback 到达，不连 Stream',
        ),
      )
    else out.push(await streamGatewayCheck(config, apiHostPort))
  }
  return out
}

/** The stream gateway: a connection ticket, and its WebSocket endpoint reachable. */
function streamGatewayCheck(config: AppConfig, apiHostPort: string): Promise<CheckResult> {
  const d = config.dingtalk
  return check(
    '钉钉 Stream 网关',
    async () => {
      const { endpoint, ticket } = await openStreamTicket({
        apiBase: d.apiBase,
        clientId: d.clientId!,
        clientSecret: d.clientSecret!,
        subscriptions: [{ type: 'CALLBACK', topic: TOPIC_ROBOT }],
        timeoutMs: TIMEOUT_MS,
        signal: new AbortController().signal,
      })
      await wsReachable(`${endpoint}?ticket=${encodeURIComponent(ticket)}`)
      return `connections/open 正常，${endpoint.split('?')[0]} 可连接`
    },
    {
      network: `连不上 Stream 网关：检查网络和代理，防火墙需放通 ${apiHostPort} 与 wss-open-connection.dingtalk.com:443（andy start 会在后台一直重试）`,
      timeout: `Stream 网关请求超时：检查网络和代理，防火墙需放通 ${apiHostPort} 与 wss-open-connection.dingtalk.com:443`,
      auth: '钉钉拒绝了 Stream 连接：凭证错误、应用未发布、未开启机器人能力，或机器人消息接收模式不是 Stream（HTTP 回调模式请设 DINGTALK_RECEIVE_MODE=http）',
      rejected:
        '钉钉拒绝了 Stream 连接（4xx）：通常是凭证错误、应用未发布、未开启机器人能力，或机器人消息接收模式不是 Stream（HTTP 回调模式请设 DINGTALK_RECEIVE_MODE=http）',
      server: '钉钉 Stream 网关暂时出错（5xx）：andy start 会在后台重试',
      other: `检查 DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET 和网络；README「${README_APP_SECTION}」`,
    },
  )
}

/** The LLM: configured consistently, and answering. */
async function llmChecks(config: AppConfig): Promise<CheckResult[]> {
  const out: CheckResult[] = []
  const problem = llmConfigProblem(config.llm)
  const llm = llmFromConfig(config.llm)
  if (problem)
    out.push({
      name: '大模型',
      ok: false,
      detail: problem,
      fix: 'OPENAI_API_KEY 与 LLM_MODEL 要一起设置（OPENAI_BASE_URL 可选）；都不设则关闭 LLM 功能，搜索照常可用',
    })
  else if (!llm) out.push(skip('大模型', '未配置（OPENAI_API_KEY / LLM_MODEL 都未设置）：搜索照常可用，LLM 功能关闭'))
  else {
    const base = config.llm.baseUrl ?? 'https://api.openai.com/v1'
    const llmHost = (() => {
      try {
        return new URL(base).host
      } catch {
        return base
      }
    })()
    out.push(
      await check(
        `大模型 ${llm.model}`,
        async () => {
          const r = await llm.chat({
            messages: [{ role: 'user', content: '只回答：好' }],
            maxTokens: 5,
            timeoutMs: TIMEOUT_MS * 2,
            maxRetries: 0,
          })
          return `${base} 正常（${r.latencyMs} ms）`
        },
        {
          network: `连不上 ${llmHost}：检查 OPENAI_BASE_URL 的主机和端口、网络与代理（服务没启动或地址写错）`,
          timeout: `${llmHost} 没有及时回答：检查网络，或调大 LLM_TIMEOUT_MS`,
          auth: `${llmHost} 拒绝了 OPENAI_API_KEY（401/403）：确认 key 正确、未过期且有该模型的权限`,
          not_found: `${base} 上找不到接口或模型（404）：${LLM_BASE_RULE}；并确认 LLM_MODEL「${llm.model}」的名称`,
          rejected: `服务商拒绝了请求（4xx）：多半是 LLM_MODEL「${llm.model}」不存在或未开通；${LLM_BASE_RULE}`,
          rate_limit: '服务商限流或余额不足（429）：稍后再试，或检查账户额度',
          server: '服务商出错（5xx）：稍后再试',
          other: `检查 OPENAI_BASE_URL、OPENAI_API_KEY 与 LLM_MODEL；${LLM_BASE_RULE}`,
        },
      ),
    )
  }
  return out
}

/** The HTTP API: off, open without a key (refusing everything), or on. */
function httpCheck(config: AppConfig): CheckResult {
  if (config.http.port === undefined) return skip('HTTP 接口', '未开启（HTTP_PORT 未设置）')
  if (!config.http.appKey)
    return {
      name: 'HTTP 接口',
      ok: false,
      detail: `端口 ${config.http.port}，但没有 API_APP_KEY：种子接口会拒绝所有请求`,
      fix: '设置 API_APP_KEY（≥ 32 个字符，如 openssl rand -hex 16）',
    }
  return {
    name: 'HTTP 接口',
    ok: true,
    detail: `端口 ${config.http.port}${config.http.appSecret ? '，已启用签名' : '，未启用签名（API_APP_SECRET）'}`,
  }
}

export default defineCommand({
  meta: {
    name: 'doctor',
    description: 'Check configuration, database, DingTalk credentials and gateway, and the LLM; print fixes',
  },
  args: {},
  async run() {
    loadDotEnv()
    let config: AppConfig
    try {
      config = parseConfig({ ...process.env })
    } catch (err) {
      const msg = err instanceof ConfigError ? err.message : String(err)
      const lines = msg
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
      const problems = lines.length > 1 ? lines.slice(1) : lines
      process.stdout.write(
        `${renderTable(
          ['检查', '结果', '说明'],
          problems.map((p, i) => [i === 0 ? '配置' : '', '✘', p]),
        )}\n修复：按上面的说明改正 .env 或环境变量（每个变量的含义见 .env.example）\n`,
      )
      process.exitCode = 1
      return
    }
    const results = [
      { name: '配置', ok: true, detail: '.env / 环境变量有效' } as CheckResult,
      ...(await runChecks(config)),
    ]
    const mark = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? '✔' : '✘')
    process.stdout.write(
      `${renderTable(
        ['检查', '结果', '说明'],
        results.map((r) => [r.name, mark(r.ok), r.detail]),
      )}\n`,
    )
    const failed = results.filter((r) => r.ok === false)
    for (const f of failed) process.stdout.write(`\n✘ ${f.name}：${f.fix ?? ''}`)
    process.stdout.write(failed.length ? '\n' : '\n一切正常。\n')
    if (failed.length) process.exitCode = 1
  },
})
