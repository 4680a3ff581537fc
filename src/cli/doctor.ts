import { readdirSync } from 'node:fs'
import { defineCommand } from 'citty'
import WebSocket from 'ws'
import { ConfigError, missingStreamCredentials, parseConfig, type AppConfig } from '../config.js'
import { MIGRATIONS_DIR, openDb } from '../db/client.js'
import { createLogger } from '../logger.js'
import { TABLES } from '../search/tables.js'
import { tableCount } from '../db/case-search.js'
import { llmFromConfig } from '../services/llm.js'
import { renderTable } from '../stats/terminal.js'
import { DingtalkApi } from '../transport/dingtalk-api.js'
import { openStreamTicket, TOPIC_ROBOT } from '../transport/stream-protocol.js'
import { loadDotEnv } from './bootstrap.js'

/**
 * `andy doctor`: checks what `andy start` needs — configuration, database and migrations, the DingTalk
 * token endpoint and stream gateway with the configured credentials, the LLM endpoint when configured —
 * and prints a pass/fail table with the fix for each failure. Secrets are never printed.
 */

export type CheckResult = { name: string; ok: boolean | undefined; detail: string; fix?: string }

const TIMEOUT_MS = 10_000

async function check(name: string, fn: () => Promise<string> | string, fix: string): Promise<CheckResult> {
  try {
    return { name, ok: true, detail: await fn() }
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message.slice(0, 200), fix }
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
    ws.once('error', (err) => reject(new Error(`WebSocket ${url.split('?')[0]}: ${err.message}`)))
  })
}

export async function runChecks(config: AppConfig): Promise<CheckResult[]> {
  const out: CheckResult[] = []
  out.push(
    await check('数据库与迁移', () => {
      const db = openDb(config.dbPath)
      try {
        const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).length
        const applied = (db.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n
        if (applied !== files) throw new Error(`已应用 ${applied} 个迁移，共 ${files} 个`)
        const rows = TABLES.map((t) => `${t.key} ${tableCount(db, t)}`).join('，')
        return `${config.dbPath}（迁移 ${applied}/${files}；${rows}）`
      } finally {
        db.close()
      }
    }, '检查 DB_PATH 是否可写；数据为空时运行 andy seed 或 andy import'),
  )
  const d = config.dingtalk
  const missing = missingStreamCredentials(config)
  if (missing.length) {
    out.push({ name: '钉钉凭证', ok: false, detail: `缺少 ${missing.join(', ')}`, fix: '在 .env 中设置应用的 AppKey/AppSecret（README「创建钉钉应用」）' })
  } else {
    const api = new DingtalkApi({ clientId: d.clientId!, clientSecret: d.clientSecret!, robotCode: d.robotCode, apiBase: d.apiBase, oapiBase: d.oapiBase, logger: createLogger({ level: 'silent' }) })
    out.push(
      await check('钉钉 access token', async () => {
        await api.accessToken()
        return `${d.apiBase}/v1.0/oauth2/accessToken 正常`
      }, '确认 DINGTALK_CLIENT_ID/SECRET 正确、应用已发布；内网需放通 api.dingtalk.com:443'),
    )
    out.push(
      await check('钉钉 Stream 网关', async () => {
        const { endpoint, ticket } = await openStreamTicket({
          apiBase: d.apiBase, clientId: d.clientId!, clientSecret: d.clientSecret!,
          subscriptions: [{ type: 'CALLBACK', topic: TOPIC_ROBOT }], timeoutMs: TIMEOUT_MS, signal: new AbortController().signal,
        })
        await wsReachable(`${endpoint}?ticket=${encodeURIComponent(ticket)}`)
        return `connections/open 正常，${endpoint.split('?')[0]} 可连接`
      }, '400 通常是凭证错误、应用未发布、未开启机器人能力或消息接收模式不是 Stream；防火墙需放通 wss-open-connection.dingtalk.com:443'),
    )
  }
  const llm = llmFromConfig(config.llm)
  if (!llm) out.push(skip('大模型', '未配置（OPENAI_API_KEY / LLM_MODEL）：搜索照常可用，LLM 功能关闭'))
  else {
    out.push(
      await check(`大模型 ${llm.model}`, async () => {
        const r = await llm.chat({ messages: [{ role: 'user', content: '只回答：好' }], maxTokens: 5, timeoutMs: TIMEOUT_MS * 2, maxRetries: 0 })
        return `${config.llm.baseUrl ?? 'https://api.openai.com/v1'} 正常（${r.latencyMs} ms）`
      }, '检查 OPENAI_BASE_URL（需以 /v1 等兼容路径结尾）、OPENAI_API_KEY 与 LLM_MODEL 名称'),
    )
  }
  if (config.http.port === undefined) out.push(skip('HTTP 接口', '未开启（HTTP_PORT 未设置）'))
  else if (!config.http.appKey) out.push({ name: 'HTTP 接口', ok: false, detail: `端口 ${config.http.port}，但没有 API_APP_KEY：种子接口会拒绝所有请求`, fix: '设置 API_APP_KEY（≥ 32 个字符，如 openssl rand -hex 16）' })
  else out.push({ name: 'HTTP 接口', ok: true, detail: `端口 ${config.http.port}${config.http.appSecret ? '，已启用签名' : '，未启用签名（API_APP_SECRET）'}` })
  return out
}

export default defineCommand({
  meta: { name: 'doctor', description: 'Check configuration, database, DingTalk credentials and gateway, and the LLM; print fixes' },
  args: {},
  async run() {
    loadDotEnv()
    let config: AppConfig
    try {
      config = parseConfig({ ...process.env })
    } catch (err) {
      const msg = err instanceof ConfigError ? err.message : String(err)
      process.stdout.write(`${renderTable(['检查', '结果', '说明'], [['配置', '✘', msg.replace(/\n\s*/g, '；')]])}\n修复：按 .env.example 改正上面的变量\n`)
      process.exitCode = 1
      return
    }
    const results = [{ name: '配置', ok: true, detail: '.env / 环境变量有效' } as CheckResult, ...(await runChecks(config))]
    const mark = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? '✔' : '✘')
    process.stdout.write(`${renderTable(['检查', '结果', '说明'], results.map((r) => [r.name, mark(r.ok), r.detail]))}\n`)
    const failed = results.filter((r) => r.ok === false)
    for (const f of failed) process.stdout.write(`\n✘ ${f.name}：${f.fix ?? ''}`)
    process.stdout.write(failed.length ? '\n' : '\n一切正常。\n')
    if (failed.length) process.exitCode = 1
  },
})
