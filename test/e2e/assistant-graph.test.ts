import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FORBIDDEN_TEXT } from '../../src/bot/admission.js'
import { openDb } from '../../src/db/client.js'
import { TABLES } from '../../src/tables/index.js'
import { type E2eBot, e2eBot, FAST_TUNING, msgUuidOf, until } from '../helpers/e2e-bot.js'
import type { GraphAnswer } from '../helpers/fake-gateway.js'
import { insertCases } from '../helpers/test-app.js'

/**
 * AI 助理 abilities over the stream (issue 17): the fake gateway sends Graph API frames
 * (`/v1.0/graph/api/invoke`) to `andy start` (startBot, the real dingtalk-stream client) and reads the
 * answer out of the ack. The same requests over HTTP (HTTP_PORT) must give the same `data`.
 */

const APP_KEY = 'assistant-e2e-app-key-0123456789abcdef'
const CORP = 'dingfakecorp0000000000000000000'
let h: E2eBot
let handle: Awaited<ReturnType<E2eBot['start']>>
let base: string

function seedEnergyCases(db: Parameters<typeof insertCases>[0]): void {
  insertCases(
    db,
    'content-cases',
    [1, 2, 3, 4, 5, 6].map((i) => ({
      case_name: `能源案例${i}`,
      kh_name: `华北能源集团${i}`,
      yxt_industry_1: '能源',
      kh_industry_1: '电力',
      enterprise_type: '央企',
      staff_size: '1万人以上',
      train_target: '全员',
      xm_crowd: '全员',
      xm_name: `能源项目${i}`,
      content_product: '安全生产',
      product_series: '合规与安全',
      case_time: `2024-0${i}`,
      case_url: `https://cases.example.com/e/${i}`,
      summary: '覆盖全员',
    })),
  )
}

beforeAll(async () => {
  h = await e2eBot({
    env: { HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', API_APP_KEY: APP_KEY, ANDY_ADMIN_STAFF_IDS: 'boss01' },
    seed: seedEnergyCases,
  })
  handle = await h.start()
  base = `http://127.0.0.1:${handle.bot.http.port}`
})
afterAll(async () => {
  await h.close()
})

/** Over the stream: a GET/POST as DingTalk's assistant sends it. */
function viaStream(
  method: 'GET' | 'POST',
  path: string,
  params: Record<string, string>,
  opts: { messageId?: string; json?: boolean } = {},
): Promise<GraphAnswer> {
  const qs = new URLSearchParams(params).toString()
  if (method === 'GET' || !opts.json)
    return h.gateway.sendGraphRequest({ method, uri: qs ? `${path}?${qs}` : path }, { messageId: opts.messageId })
  return h.gateway.sendGraphRequest({ method, uri: path, body: JSON.stringify(params) }, { messageId: opts.messageId })
}

/** The same over HTTP, with app_key. */
async function viaHttp(
  method: 'GET' | 'POST',
  path: string,
  params: Record<string, string>,
  json = false,
): Promise<{ status: number; json: any }> {
  const p = { ...params, app_key: APP_KEY }
  const res =
    method === 'GET'
      ? await fetch(`${base}${path}?${new URLSearchParams(p)}`)
      : json
        ? await fetch(`${base}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(p),
          })
        : await fetch(`${base}${path}?${new URLSearchParams(p)}`, { method: 'POST' })
  return { status: res.status, json: await res.json() }
}

const SHEETS = JSON.stringify([
  { name: '客户', columns: [{ key: 'name', header: '客户名称' }], rows: [{ name: '甲' }, { name: '乙' }] },
])

describe('seed endpoints through the stream', () => {
  const seedCalls: Array<[string, 'GET' | 'POST', Record<string, string>, boolean?]> = [
    ...TABLES.map((t): [string, 'GET', Record<string, string>] => [t.endpoint, 'GET', { perpage: '3' }]),
    ['ANrkhCaseDetail', 'GET', { yxt_industry_1: '制造', staff_size_min: '5000' }],
    ['AAndyUseRecordStatistics', 'GET', { perpage: '5' }],
    ['ALieBiaoAndypromptsteps', 'GET', { version: '1.0' }],
    ['ALieBiaoAndyReportPromts', 'GET', {}],
    ['AGetAndyVarDatas', 'GET', { user_id: 'nobody-yet' }],
    ['ABuildExcel', 'POST', { sheets: SHEETS, as_base64: '1', file_name: 'x' }, true],
    ['AJdyyReportData', 'POST', {}, true],
  ]
  for (const [action, method, params, json] of seedCalls) {
    it(`${action} ${JSON.stringify(params).slice(0, 60)}: the same answer as over HTTP`, async () => {
      const path = `/api/SVIP/Andy_MyApi/${action}`
      const http = await viaHttp(method, path, params, json)
      const stream = await viaStream(method, path, params, { json })
      expect(stream.response.statusLine.code).toBe(http.status)
      expect(stream.json.ret).toBe(http.json.ret)
      expect(stream.json.msg).toBe(http.json.msg)
      if (action === 'ABuildExcel') {
        // The workbook carries its creation time, so its bytes (and, after compression, its size by a
        // byte or two) differ between two builds: compare everything else.
        const { base64: a, size: sizeA, ...restStream } = stream.json.data
        const { base64: b, size: sizeB, ...restHttp } = http.json.data
        expect(restStream).toEqual(restHttp)
        expect(Buffer.from(a, 'base64').length).toBe(sizeA)
        expect(Math.abs(sizeA - sizeB)).toBeLessThan(16)
        expect(Buffer.from(a, 'base64').subarray(0, 2).toString()).toBe('PK')
        expect(b.length).toBeGreaterThan(100)
      } else expect(stream.json.data).toEqual(http.json.data)
    })
  }

  it('ASaveAndyVardDtas: an update gives the same data; a redelivered create runs once, also after a restart', async () => {
    const created = await viaHttp(
      'POST',
      '/api/ASaveAndyVardDtas',
      { user_id: 'u-save', enterprise_name: '甲公司' },
      true,
    )
    const id = String(created.json.data.id)
    const upd = { operate_type: '2', id, activity_type: '线上' }
    const http = await viaHttp('POST', '/api/ASaveAndyVardDtas', upd, true)
    const stream = await viaStream('POST', '/api/ASaveAndyVardDtas', upd, { json: true })
    expect(stream.json).toMatchObject({ ret: 200, data: http.json.data })

    const messageId = 'graph-save-redelivered-1'
    const first = await viaStream(
      'POST',
      '/api/ASaveAndyVardDtas',
      { user_id: 'u-once', enterprise_name: '乙公司' },
      { messageId, json: true },
    )
    const again = await viaStream(
      'POST',
      '/api/ASaveAndyVardDtas',
      { user_id: 'u-once', enterprise_name: '乙公司' },
      { messageId, json: true },
    )
    expect(again.json.data).toEqual(first.json.data)
    expect(handle.bot.transport!.stats().graph.replayed).toBeGreaterThanOrEqual(1)
    // A new process has no memory of the frame: the database still knows the request id.
    await h.stop(handle)
    handle = await h.start()
    base = `http://127.0.0.1:${handle.bot.http.port}`
    const third = await viaStream(
      'POST',
      '/api/ASaveAndyVardDtas',
      { user_id: 'u-once', enterprise_name: '乙公司' },
      { messageId, json: true },
    )
    expect(third.json.data).toEqual(first.json.data)
    expect(third.response.headers['idempotent-replayed']).toBe('true')
    const listed = await viaStream('GET', '/api/AGetAndyVarDatas', { user_id: 'u-once' })
    expect(listed.json.data.datas).toHaveLength(1)
  })

  it('robot messages posted through the stream (AReceiveMsg): same msgId, same inbox id as over HTTP, one reply', async () => {
    const msg = { msgId: 'graph-receive-1', text: JSON.stringify({ content: '帮助' }), sessionWebhook: h.sink.url() }
    const http = await viaHttp('POST', '/api/SVIP/Andy_MyApi/AReceiveMsg', msg, true)
    const stream = await viaStream('POST', '/api/SVIP/Andy_MyApi/AReceiveMsg', msg, { json: true })
    expect(http.json.ret).toBe(200)
    expect(stream.json.data).toEqual(http.json.data)
    await until(() => h.sink.requests.length >= 1, 'the one reply')
    await handle.bot.app.idle(60_000)
    // One reply part (a webhook retry after a slow answer would carry the same msgUuid: DingTalk dedupes it).
    expect(new Set(h.sink.requests.map((r) => msgUuidOf(r.body)))).toEqual(
      new Set([`${h.gateway.clientId}/graph-receive-1:1`]),
    )
  })
})

describe('AI 助理 actions', () => {
  const who = (userId: string) => ({ userId, corpId: CORP })

  it('search: the same reply markdown and rows over the stream as over HTTP, and as in chat', async () => {
    const q = '制造业 5000人以上 国企 的客户案例'
    const http = await viaHttp('GET', '/v1/actions/andy/search', { q, ...who('rep-s1') })
    const stream = await viaStream('GET', '/v1/actions/andy/search', { q, ...who('rep-s2') })
    expect(stream.response.statusLine).toEqual({ code: 200, reasonPhrase: 'OK' })
    expect(stream.json.data).toEqual(http.json.data)
    const d = stream.json.data
    expect(d.intent).toBe('case')
    expect(d.total).toBe(2)
    expect(d.rows.map((r: { kh_name: string }) => r.kh_name)).toEqual([
      '中国宏达重工集团有限公司',
      '江苏恒远汽车零部件集团',
    ])
    expect(d.content).toContain('内容客户案例：找到 2 条')
    // What the assistant shows (x-dingtalk-display-result: markdown) is the top-level content.
    expect(stream.json.content).toBe(d.content)
  })

  it("next: the following page of the caller's last search, either channel", async () => {
    const q = '能源 客户案例'
    await viaStream('GET', '/v1/actions/andy/search', { q, ...who('rep-n1') })
    const streamNext = await viaStream('GET', '/v1/actions/andy/next', who('rep-n1'))
    await viaHttp('GET', '/v1/actions/andy/search', { q, ...who('rep-n2') })
    const httpNext = await viaHttp('GET', '/v1/actions/andy/next', who('rep-n2'))
    expect(streamNext.json.data).toEqual(httpNext.json.data)
    expect(streamNext.json.data).toMatchObject({ intent: 'more', total: 6, page: 2, perpage: 5, has_more: false })
    expect(streamNext.json.data.rows).toHaveLength(1)
    // Someone else's search is not theirs to page.
    const other = await viaStream('GET', '/v1/actions/andy/next', who('rep-n3'))
    expect(other.json.data.rows).toEqual([])
    expect(other.json.content).toContain('还没有可以翻页的搜索')
  })

  it('export: all rows of the last search as Excel, sent once to the caller through the robot OpenAPI', async () => {
    await viaStream('GET', '/v1/actions/andy/search', { q: '能源 客户案例', ...who('rep-x1') })
    const sendsBefore = h.openapi.sends.length
    const messageId = 'graph-export-1'
    const first = await viaStream('POST', '/v1/actions/andy/export', who('rep-x1'), { messageId })
    const redelivered = await viaStream('POST', '/v1/actions/andy/export', who('rep-x1'), { messageId })
    expect(redelivered.response).toEqual(first.response)
    const d = first.json.data
    expect(d).toMatchObject({ intent: 'export', total: 6 })
    expect(d.files).toHaveLength(1)
    expect(d.files[0].sent).toBe(true)
    expect(d.content).toContain('全部 **6** 条')
    const sends = h.openapi.sends.slice(sendsBefore)
    expect(sends).toHaveLength(1)
    expect(sends[0]).toMatchObject({ kind: 'oto', userIds: ['rep-x1'], msgKey: 'sampleFile' })

    await viaHttp('GET', '/v1/actions/andy/search', { q: '能源 客户案例', ...who('rep-x2') })
    const http = await viaHttp('POST', '/v1/actions/andy/export', who('rep-x2'))
    // File names carry the minute they were made.
    const strip = (x: { files: Array<{ file_name: string }> }) => ({
      ...x,
      files: x.files.map((f) => ({ ...f, file_name: f.file_name.replace(/\d{8}-\d{4}/, 'T') })),
    })
    expect(strip(http.json.data)).toEqual(strip(d))
  })

  it("usage: the caller's own statistics; the usage record names the assistant as the channel", async () => {
    const http = await viaHttp('GET', '/v1/actions/andy/usage', { q: '本月', ...who('rep-u1') })
    const stream = await viaStream('GET', '/v1/actions/andy/usage', { q: '本月', ...who('rep-u2') })
    expect(stream.json.ret).toBe(200)
    expect(JSON.stringify(stream.json.data).replaceAll('rep-u2', 'X')).toBe(
      JSON.stringify(http.json.data).replaceAll('rep-u1', 'X'),
    )
    expect(stream.json.data.content).toContain('只含你本人（rep-u2）')
    const db = openDb(h.dbPath)
    try {
      const rows = db.sqlite
        .prepare(
          "SELECT channel, intent, user_id, conversation_id FROM usage_records WHERE user_id IN ('rep-u1', 'rep-u2') ORDER BY id",
        )
        .all()
      expect(rows).toEqual([
        { channel: 'assistant', intent: 'usage', user_id: 'rep-u1', conversation_id: 'ai-assistant' },
        { channel: 'assistant', intent: 'usage', user_id: 'rep-u2', conversation_id: 'ai-assistant' },
      ])
    } finally {
      db.close()
    }
  })

  it('usage for an admin (ANDY_ADMIN_STAFF_IDS) covers everyone', async () => {
    const admin = await viaStream('GET', '/v1/actions/andy/usage', { q: '本月', ...who('boss01') })
    expect(admin.json.data.content).not.toContain('只含你本人')
    expect(admin.json.data.filters.scope).toBe('all')
  })

  it('ask (passthrough): the raw input goes through the dispatcher like a chat message', async () => {
    const http = await viaHttp('GET', '/v1/actions/andy/ask', { input: '从竞品切换过来的金融客户', ...who('rep-a1') })
    const stream = await viaStream('GET', '/v1/actions/andy/ask', {
      input: '从竞品切换过来的金融客户',
      ...who('rep-a2'),
    })
    expect(stream.json.data).toEqual(http.json.data)
    expect(stream.json.data.intent).toBe('switch')
    expect(stream.json.data.rows.length).toBeGreaterThan(0)
  })
})

describe("bad requests get the HTTP API's 4xx envelopes", () => {
  it('a malformed JSON body: 400, the same envelope as over HTTP', async () => {
    const stream = await h.gateway.sendGraphRequest({
      method: 'POST',
      uri: '/api/ASaveAndyVardDtas',
      body: '{"user_id": "x",',
    })
    const res = await fetch(`${base}/api/ASaveAndyVardDtas`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"user_id": "x",',
    })
    const http = (await res.json()) as { ret: number; msg: string }
    expect(res.status).toBe(400)
    expect(stream.response.statusLine.code).toBe(400)
    expect(stream.json).toMatchObject({ ret: 400, data: {}, msg: http.msg })
  })

  it('a frame that is not a request at all: 400 envelope saying what is expected', async () => {
    const a = await h.gateway.sendGraphRequest({ rawData: 'not json' })
    expect(a.response.statusLine.code).toBe(400)
    expect(a.json).toMatchObject({ ret: 400, data: {} })
    expect(a.json.msg).toContain('requestLine')
    const b = await h.gateway.sendGraphRequest({
      rawData: JSON.stringify({ requestLine: { method: 'GET', uri: 'http://evil.example/x' } }),
    })
    expect(b.json.ret).toBe(400)
  })

  it('an unknown path: 404 envelope; an unknown action: 404 listing the actions', async () => {
    const a = await viaStream('GET', '/v2/nothing/here', {})
    expect(a.response.statusLine.code).toBe(404)
    expect(a.json).toMatchObject({ ret: 404, data: {} })
    const b = await viaStream('GET', '/v1/actions/andy/weather', { userId: 'rep-z' })
    expect(b.json.ret).toBe(404)
    expect(b.json.msg).toContain('search')
  })

  it('no currentUser: 400 naming userId, and nothing is handled', async () => {
    const before = handle.bot.app.stats.accepted
    const a = await viaStream('GET', '/v1/actions/andy/search', { q: '制造业 客户案例', corpId: CORP })
    expect(a.response.statusLine.code).toBe(400)
    expect(a.json.msg).toContain('userId')
    expect(a.json.content).toBe(a.json.msg)
    expect(handle.bot.app.stats.accepted).toBe(before)
  })

  it('over plain HTTP the actions still need app_key (only the stream stands in for it)', async () => {
    const res = await fetch(`${base}/v1/actions/andy/search?${new URLSearchParams({ q: '制造业', userId: 'u' })}`)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { msg: string }).msg).toContain('app_key')
  })
})

describe('concurrency and sockets', () => {
  it('200 concurrent invocations are all answered, each exactly once', async () => {
    const acksBefore = h.gateway.acks.length
    const ids = Array.from({ length: 200 }, (_, i) => `graph-burst-${i}`)
    const answers = await Promise.all(
      ids.map((messageId, i) =>
        i % 2 === 0
          ? viaStream(
              'GET',
              '/api/ANrkhCaseDetail',
              { yxt_industry_1: '制造', page: String((i % 3) + 1), perpage: '2' },
              { messageId },
            )
          : viaStream(
              'GET',
              '/v1/actions/andy/search',
              { q: '能源 客户案例', userId: `burst-${i}`, corpId: CORP },
              { messageId },
            ),
      ),
    )
    expect(answers.every((a) => a.response.statusLine.code === 200 && a.json.ret === 200)).toBe(true)
    expect(answers.filter((_, i) => i % 2 === 1).every((a) => a.json.data.total === 6)).toBe(true)
    // A late second ack would show up behind the first: make sure every one of them has arrived, then count.
    await h.gateway.sendPing()
    const acks = h.gateway.acks.slice(acksBefore).filter((a) => a.messageId.startsWith('graph-burst-'))
    expect(acks).toHaveLength(200)
    expect(new Set(acks.map((a) => a.messageId))).toEqual(new Set(ids))
  })

  it('the answer goes back on the socket the request came on, also while a new connection is being opened', async () => {
    const own = await e2eBot()
    try {
      await own.start({ transport: { tuning: { ...FAST_TUNING, drainTimeoutMs: 20_000, openTimeoutMs: 2000 } } })
      const old = own.gateway.current!
      // DingTalk asks to reconnect; the new connection's handshake hangs for a while: the old socket drains.
      own.gateway.stallUpgrades(1)
      await own.gateway.sendDisconnect({ connection: old, closeAfterMs: 20_000 })
      const onOld = await own.gateway.sendGraphRequest({ uri: '/api/ANrkhCaseDetail?perpage=1' }, { connection: old })
      expect(onOld.ack.connectionId).toBe(old.id)
      expect(onOld.json.ret).toBe(200)
      const fresh = await own.gateway.waitForConnection((c) => c !== old && !c.draining)
      const onFresh = await own.gateway.sendGraphRequest(
        { uri: '/api/ANrkhCaseDetail?perpage=1' },
        { connection: fresh },
      )
      expect(onFresh.ack.connectionId).toBe(fresh.id)
      expect(onFresh.json.data).toEqual(onOld.json.data)
      // Each answer was written once, on its own socket.
      expect(own.gateway.acks.filter((a) => a.messageId === onOld.ack.messageId).map((a) => a.connectionId)).toEqual([
        old.id,
      ])
    } finally {
      await own.close()
    }
  })
})

describe('ANDY_ALLOWED_CORP_IDS', () => {
  let other: E2eBot
  beforeAll(async () => {
    other = await e2eBot({ env: { ANDY_ALLOWED_CORP_IDS: CORP } })
    await other.start()
  })
  afterAll(async () => {
    await other.close()
  })

  it('refuses an org outside the list with 403 and the chat refusal; admits its own org', async () => {
    const q = encodeURIComponent('制造业 客户案例')
    const out = await other.gateway.sendGraphRequest({
      uri: `/v1/actions/andy/search?q=${q}&userId=u1&corpId=dingOTHERcorp`,
    })
    expect(out.response.statusLine.code).toBe(403)
    expect(out.json).toMatchObject({ ret: 403, msg: FORBIDDEN_TEXT, content: FORBIDDEN_TEXT })
    const none = await other.gateway.sendGraphRequest({ uri: `/v1/actions/andy/search?q=${q}&userId=u2` })
    expect(none.json.ret).toBe(403)
    const ok = await other.gateway.sendGraphRequest({ uri: `/v1/actions/andy/search?q=${q}&userId=u3&corpId=${CORP}` })
    expect(ok.json.ret).toBe(200)
    expect(ok.json.data.total).toBeGreaterThan(0)
  })
})
