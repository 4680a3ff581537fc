import { createHmac } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import ExcelJS from 'exceljs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { inboundMessages } from '../../src/db/schema.js'
import { guardedFetch, isDingtalkWebhook, isPublicAddress, UrlRefusedError } from '../../src/transport/url-guard.js'
import { type E2eBot, e2eBot } from '../helpers/e2e-bot.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'
import { ormOf } from '../helpers/orm.js'
import { WebhookSink } from '../helpers/webhook-sink.js'
import { CB_SECRET, call, type Harness, startHarness } from './setup.js'

/**
 * Server-side request forgery: Andy POSTs and downloads only where it should. A sessionWebhook must be on
 * a DingTalk host (the configured bases); AJdyyReportData's webhook and file_url must not reach private,
 * loopback or link-local addresses (by literal, by name, or through a redirect) unless ANDY_URL_ALLOWLIST
 * lists them. Every target here is on loopback: a refusal is checked by the target getting no request.
 */

/** A loopback HTTP server that counts requests and serves a learning-record workbook (or a redirect). */
async function fileServer(handler?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean) {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('学习记录')
  ws.addRow(['学员', '部门', '课程名称', '学习时长（分钟）', '完成状态', '学习日期'])
  ws.addRow(['王一', '销售部', '客户沟通技巧', 60, '已完成', '2026-11-02'])
  const xlsx = Buffer.from(await wb.xlsx.writeBuffer())
  const hits: string[] = []
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '')
    if (handler?.(req, res)) return
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(xlsx)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return { port, hits, close: () => new Promise<void>((r) => server.close(() => r())) }
}

let h: Harness
let sink: WebhookSink
let files: Awaited<ReturnType<typeof fileServer>>

beforeAll(async () => {
  sink = await WebhookSink.start()
  files = await fileServer()
})
afterAll(async () => {
  await sink.close()
  await files.close()
})
afterEach(async () => {
  await h?.close()
})

const payload = (msgId: string, sessionWebhook: string) => ({
  msgId,
  msgtype: 'text',
  text: JSON.stringify({ content: '帮助' }),
  conversationId: 'cid-ssrf',
  conversationType: '1',
  senderStaffId: 'u1',
  senderNick: '张三',
  sessionWebhook,
  sessionWebhookExpiredTime: String(Date.now() + 3600_000),
})

describe('sessionWebhook', () => {
  it('is accepted only on DingTalk hosts: anything else gets 400 with a clear msg and no POST', async () => {
    // DingTalk is at oapi.dingtalk.com (default) and at 127.0.0.1 (DINGTALK_API_BASE); localhost is another host.
    h = await startHarness({ env: { DINGTALK_OAPI_BASE: undefined, DINGTALK_API_BASE: 'http://127.0.0.1:9' } })
    const foreign = [
      `http://localhost:${sink.port}/robot/sendBySession?session=x`,
      'http://attacker.example/hook',
      `ftp://127.0.0.1:${sink.port}/`,
      `http://user:pw@127.0.0.1:${sink.port}/`,
    ]
    for (const [i, url] of foreign.entries()) {
      const r = await call(h.base, 'AReceiveMsg', payload(`ssrf-${i}`, url), { method: 'POST', body: 'json' })
      expect([r.status, r.json.ret]).toEqual([400, 400])
      expect(r.json.msg).toContain('sessionWebhook')
      expect(r.json.msg).toContain('oapi.dingtalk.com')
    }
    expect(ormOf(h.db).select().from(inboundMessages).all()).toHaveLength(0)
    const ok = await call(h.base, 'AReceiveMsg', payload('ssrf-ok', sink.url('/robot/sendBySession?session=ok')), {
      method: 'POST',
      body: 'json',
    })
    expect(ok.json.ret).toBe(200)
    await h.app.idle(60_000)
    expect(sink.requests.filter((r) => r.path.includes('session=ok'))).toHaveLength(1)
    expect(sink.requests.filter((r) => !r.path.includes('session=ok'))).toHaveLength(0)
  })

  it('is refused in a signed DingTalk HTTP callback too', async () => {
    h = await startHarness()
    const ts = String(Date.now())
    const sign = createHmac('sha256', CB_SECRET).update(`${ts}\n${CB_SECRET}`).digest('base64')
    const res = await fetch(`${h.base}/dingtalk/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', timestamp: ts, sign },
      body: JSON.stringify({ ...payload('cb-ssrf', `http://localhost:${sink.port}/x`), text: { content: '帮助' } }),
    })
    expect(res.status).toBe(400)
    expect(String(((await res.json()) as { errmsg: string }).errmsg)).toContain('sessionWebhook')
    expect(ormOf(h.db).select().from(inboundMessages).all()).toHaveLength(0)
  })

  it('from a stream frame, is not used off DingTalk hosts: the reply goes through the OpenAPI instead', async () => {
    const e: E2eBot = await e2eBot()
    try {
      await e.start()
      const hostile = await WebhookSink.start()
      try {
        await e.gateway.sendRobotMessage(
          robotTextPayload({ text: '央企 客户案例', sessionWebhook: `http://localhost:${hostile.port}/steal` }),
        )
        await expect.poll(() => e.openapi.sends.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1)
        expect(JSON.stringify(e.openapi.sends[0])).toContain('内容客户案例')
        expect(hostile.requests).toHaveLength(0)
      } finally {
        await hostile.close()
      }
    } finally {
      await e.close()
    }
  })

  it('matches the configured bases by host name', () => {
    const bases = { apiBase: 'https://api.dingtalk.com', oapiBase: 'https://oapi.dingtalk.com' }
    expect(isDingtalkWebhook('https://oapi.dingtalk.com/robot/sendBySession?session=abc', bases)).toBe(true)
    expect(isDingtalkWebhook('https://OAPI.dingtalk.com/robot/sendBySession', bases)).toBe(true)
    for (const bad of [
      'https://oapi.dingtalk.com.evil.example/x',
      'https://evil.example/oapi.dingtalk.com',
      'https://x.oapi.dingtalk.com/',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(isDingtalkWebhook(bad, bases)).toBe(false)
    }
  })
})

describe('AJdyyReportData webhook and file_url', () => {
  it('refuses loopback targets by literal, by name and as IPv6 with 400, before any request', async () => {
    h = await startHarness()
    for (const url of [
      `http://127.0.0.1:${files.port}/a.xlsx`,
      `http://localhost:${files.port}/b.xlsx`,
      `http://[::1]:${files.port}/c.xlsx`,
      `http://0x7f000001:${files.port}/d.xlsx`,
    ]) {
      const r = await call(h.base, 'AJdyyReportData', { input_type: '1', file_url: url, file_name: 'x.xlsx' })
      expect([r.status, r.json.ret]).toEqual([400, 400])
      expect(r.json.msg).toContain('file_url')
      expect(r.json.msg).toContain('ANDY_URL_ALLOWLIST')
    }
    const hook = await call(h.base, 'AJdyyReportData', {
      input_type: '1',
      file_url: 'http://127.0.0.1:1/x',
      webhook: sink.url('/robot/send?access_token=t'),
    })
    expect([hook.status, hook.json.ret]).toEqual([400, 400])
    expect(hook.json.msg).toContain('webhook')
    expect(files.hits).toHaveLength(0)
    expect(sink.requests.filter((r) => r.path.startsWith('/robot/send?'))).toHaveLength(0)
  })

  it('reaches an intranet host listed in ANDY_URL_ALLOWLIST, and re-checks every redirect hop', async () => {
    const redirector = await fileServer((req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${files.port}/moved.xlsx` }).end()
      return true
    })
    try {
      h = await startHarness({ env: { ANDY_URL_ALLOWLIST: `127.0.0.1:${files.port}, 127.0.0.1:${redirector.port}` } })
      const ok = await call(h.base, 'AJdyyReportData', {
        input_type: '1',
        file_url: `http://127.0.0.1:${files.port}/ok.xlsx`,
        file_name: 'x.xlsx',
      })
      expect(ok.json.ret).toBe(200)
      expect(files.hits).toEqual(['/ok.xlsx'])
      await h.close()

      // Only the redirector is allowed: its redirect to the (private, not listed) file server is refused.
      h = await startHarness({ env: { ANDY_URL_ALLOWLIST: `127.0.0.1:${redirector.port}` } })
      const hop = await call(h.base, 'AJdyyReportData', {
        input_type: '1',
        file_url: `http://127.0.0.1:${redirector.port}/r.xlsx`,
        file_name: 'x.xlsx',
      })
      expect([hop.status, hop.json.ret]).toEqual([400, 400])
      expect(hop.json.msg).toContain('file_url')
      expect(redirector.hits).toEqual(['/r.xlsx'])
      expect(files.hits).toEqual(['/ok.xlsx'])
    } finally {
      await redirector.close()
    }
  })
})

describe('guardedFetch', () => {
  it('checks the addresses the connection really uses (DNS rebinding)', async () => {
    let calls = 0
    // First answer public (the pre-check passes), then loopback (what a rebinding resolver would do).
    const lookup = async () => (++calls === 1 ? ['93.184.216.34'] : ['127.0.0.1'])
    const err = await guardedFetch(`http://rebind.test:${files.port}/x.xlsx`, 'file_url', {
      allowlist: [],
      lookup,
    }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(UrlRefusedError)
    expect(calls).toBe(2)
    expect(files.hits.filter((p) => p === '/x.xlsx')).toHaveLength(0)
  })

  it('classifies addresses: only public unicast passes', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fc00::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      '224.0.0.1',
      'not-an-ip',
    ]) {
      expect([a, isPublicAddress(a)]).toEqual([a, false])
    }
    for (const a of ['8.8.8.8', '203.119.129.1', '2400:3200::1', '::ffff:8.8.8.8'])
      expect([a, isPublicAddress(a)]).toEqual([a, true])
  })
})
