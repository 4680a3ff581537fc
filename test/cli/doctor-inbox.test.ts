import { mkdtempSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runChecks } from '../../src/cli/doctor.js'
import { parseConfig } from '../../src/config.js'
import {
  DeliveryError,
  type DeliveryResult,
  type DeliveryTarget,
  type OutboundPart,
  type Replier,
} from '../../src/core/delivery.js'
import { getInbound, listInbound } from '../../src/db/inbox.js'
import { FakeGateway } from '../helpers/fake-gateway.js'
import { FakeOpenAI } from '../helpers/fake-openai.js'
import { FakeOpenApi } from '../helpers/fake-openapi.js'
import { loadFixtures } from '../helpers/fixtures.js'
import { createTestApp } from '../helpers/test-app.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  while (closers.length) await closers.pop()!()
})

describe('andy doctor', () => {
  it('passes every check against working DingTalk and LLM endpoints', async () => {
    const gateway = await FakeGateway.start()
    const api = await FakeOpenApi.start({
      clientId: gateway.clientId,
      clientSecret: gateway.clientSecret,
      forwardTo: gateway.apiBase,
    })
    const llm = await FakeOpenAI.start()
    closers.push(
      () => gateway.close(),
      () => api.close(),
      () => llm.close(),
    )
    const config = parseConfig({
      DB_PATH: join(mkdtempSync(join(tmpdir(), 'andy-doc-')), 'a.db'),
      DINGTALK_CLIENT_ID: gateway.clientId,
      DINGTALK_CLIENT_SECRET: gateway.clientSecret,
      DINGTALK_API_BASE: api.base,
      DINGTALK_OAPI_BASE: api.base,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: llm.baseUrl,
      LLM_MODEL: 'fake-model',
    })
    const results = await runChecks(config)
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['数据库与迁移', true],
      ['演示数据', true],
      ['钉钉 access token', true],
      ['钉钉 Stream 网关', true],
      ['大模型 fake-model', true],
      ['HTTP 接口', undefined],
    ])
    expect(gateway.connectionCount).toBe(1)
    expect(JSON.stringify(results)).not.toContain(gateway.clientSecret)
  })

  it('fails with a fix when the credentials are wrong or missing', async () => {
    const gateway = await FakeGateway.start()
    const api = await FakeOpenApi.start({
      clientId: gateway.clientId,
      clientSecret: gateway.clientSecret,
      forwardTo: gateway.apiBase,
    })
    closers.push(
      () => gateway.close(),
      () => api.close(),
    )
    const dbPath = join(mkdtempSync(join(tmpdir(), 'andy-doc-')), 'a.db')
    const wrong = await runChecks(
      parseConfig({
        DB_PATH: dbPath,
        DINGTALK_CLIENT_ID: gateway.clientId,
        DINGTALK_CLIENT_SECRET: 'wrong-secret',
        DINGTALK_API_BASE: api.base,
        DINGTALK_OAPI_BASE: api.base,
      }),
    )
    const byName = Object.fromEntries(wrong.map((r) => [r.name, r]))
    expect(byName['钉钉 access token']!.ok).toBe(false)
    expect(byName['钉钉 access token']!.fix).toContain('DINGTALK_CLIENT_ID')
    expect(byName['钉钉 Stream 网关']!.ok).toBe(false)
    expect(byName['钉钉 Stream 网关']!.fix).toContain('Stream')
    expect(JSON.stringify(wrong)).not.toContain('wrong-secret')
    const none = await runChecks(parseConfig({ DB_PATH: dbPath, HTTP_PORT: '8080' }))
    expect(none.find((r) => r.name === '钉钉凭证')).toMatchObject({
      ok: false,
      detail: '缺少 DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET',
    })
    expect(none.find((r) => r.name === 'HTTP 接口')).toMatchObject({ ok: false })
  })
})

/** A loopback port with nothing listening (connections are refused). */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

describe('andy doctor: partial configuration and the hint per failure kind', () => {
  const dbPath = () => join(mkdtempSync(join(tmpdir(), 'andy-doc-')), 'a.db')

  it('names the missing LLM variable when only one of OPENAI_API_KEY / LLM_MODEL is set', async () => {
    const keyOnly = (await runChecks(parseConfig({ DB_PATH: dbPath(), OPENAI_API_KEY: 'sk-x' }))).find(
      (r) => r.name === '大模型',
    )!
    expect(keyOnly.ok).toBe(false)
    expect(keyOnly.detail).toContain('缺少 LLM_MODEL')
    const modelOnly = (await runChecks(parseConfig({ DB_PATH: dbPath(), LLM_MODEL: 'deepseek-chat' }))).find(
      (r) => r.name === '大模型',
    )!
    expect(modelOnly.ok).toBe(false)
    expect(modelOnly.detail).toContain('缺少 OPENAI_API_KEY')
    expect(JSON.stringify(modelOnly)).not.toContain('未配置')
    const none = (await runChecks(parseConfig({ DB_PATH: dbPath() }))).find((r) => r.name === '大模型')!
    expect(none.ok).toBeUndefined()
  })

  it('says "cannot connect" for a refused connection, not "bad credentials"', async () => {
    const port = await closedPort()
    const results = await runChecks(
      parseConfig({
        DB_PATH: dbPath(),
        DINGTALK_CLIENT_ID: 'dingid',
        DINGTALK_CLIENT_SECRET: 'dingsecret',
        DINGTALK_API_BASE: `http://127.0.0.1:${port}`,
        DINGTALK_OAPI_BASE: `http://127.0.0.1:${port}`,
        OPENAI_API_KEY: 'sk-x',
        LLM_MODEL: 'm',
        OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
        LLM_MAX_RETRIES: '0',
      }),
    )
    const failed = results.filter((r) => r.ok === false)
    expect(failed.map((r) => r.name)).toEqual(['钉钉 access token', '钉钉 Stream 网关', '大模型 m'])
    for (const r of failed) {
      expect(r.fix).toContain('连不上')
      // Without the address: a port like 40065 holds "400" (this test failed on it once).
      expect((r.fix ?? '').replaceAll(`127.0.0.1:${port}`, '')).not.toMatch(/(?<!\d)400(?!\d)|凭证错误|拒绝了/)
    }
  })

  it('says the credentials were refused when DingTalk answers 4xx, and the model name when the LLM answers 404', async () => {
    const llm = await FakeOpenAI.start()
    closers.push(() => llm.close())
    const gateway = await FakeGateway.start()
    const api = await FakeOpenApi.start({
      clientId: gateway.clientId,
      clientSecret: gateway.clientSecret,
      forwardTo: gateway.apiBase,
    })
    closers.push(
      () => gateway.close(),
      () => api.close(),
    )
    const results = await runChecks(
      parseConfig({
        DB_PATH: dbPath(),
        DINGTALK_CLIENT_ID: gateway.clientId,
        DINGTALK_CLIENT_SECRET: 'wrong',
        DINGTALK_API_BASE: api.base,
        DINGTALK_OAPI_BASE: api.base,
        OPENAI_API_KEY: 'sk-x',
        LLM_MODEL: 'm',
        OPENAI_BASE_URL: `${llm.baseUrl}/no-such-path`,
        LLM_MAX_RETRIES: '0',
      }),
    )
    const byName = Object.fromEntries(results.map((r) => [r.name, r]))
    expect(byName['钉钉 access token']!.fix).toContain('AppKey / AppSecret')
    expect(byName['钉钉 Stream 网关']!.fix).toContain('Stream')
    expect(byName['大模型 m']!.ok).toBe(false)
    expect(byName['大模型 m']!.fix).toMatch(/404|4xx/)
    expect(byName['大模型 m']!.fix).toContain('OPENAI_BASE_URL')
  })
})

/** A replier that refuses everything (webhook expired, no OpenAPI) until fixed. */
class SwitchableReplier implements Replier {
  broken = true
  readonly delivered: OutboundPart[] = []
  async deliver(_t: DeliveryTarget, part: OutboundPart): Promise<DeliveryResult> {
    if (this.broken)
      throw new DeliveryError(
        'the sessionWebhook has expired and no DingTalk OpenAPI credentials are configured',
        true,
        'no_channel',
      )
    this.delivered.push(part)
    return { channel: 'openapi' }
  }
}

describe('andy inbox', () => {
  it('lists a failed delivery with its error, and retry re-sends the stored reply once', async () => {
    const replier = new SwitchableReplier()
    const t = createTestApp({ repliers: { local: replier } })
    loadFixtures(t.db)
    const first = await t.ask('央企 客户案例')
    expect(first.status).toBe('failed')
    const [row] = listInbound(t.db, { status: 'failed', limit: 10 })
    expect(row).toMatchObject({ id: first.inboxId, intent: 'case', parts_failed: 1, parts_sent: 0 })
    expect(row!.last_error).toContain('sessionWebhook has expired')

    replier.broken = false
    const again = (await t.app.retry(first.inboxId))!
    expect(again.status).toBe('ok')
    expect(replier.delivered.map((p) => p.no)).toEqual([1])
    expect(replier.delivered[0]!.body).toContain('内容客户案例：找到 1 条')
    expect(getInbound(t.db, first.inboxId)!.status).toBe('replied')
    expect(listInbound(t.db, { limit: 10 })[0]).toMatchObject({ parts_sent: 1, parts_failed: 0, channels: 'openapi' })
  })

  it('re-runs a message whose handler failed and numbers the new reply after the apology', async () => {
    const t = createTestApp()
    loadFixtures(t.db)
    let calls = 0
    t.app.router.handle('pitch', async (ctx) => {
      if (calls++ === 0) throw new Error('db locked')
      await ctx.reply('打单方案已找到')
    })
    const first = await t.ask('打单方案')
    expect(first.status).toBe('failed')
    const again = (await t.app.retry(first.inboxId))!
    expect(again.status).toBe('ok')
    expect(t.local.parts.map((p) => [p.part.no, p.part.body])).toEqual([
      [1, expect.stringContaining('抱歉')],
      [2, '打单方案已找到'],
    ])
  })
})
