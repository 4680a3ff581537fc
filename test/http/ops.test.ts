import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { llmCalls } from '../../src/db/schema.js'
import { TABLES } from '../../src/tables/index.js'
import { ormOf } from '../helpers/orm.js'
import { WebhookSink } from '../helpers/webhook-sink.js'
import { call, type Harness, startHarness } from './setup.js'

/** /healthz, /metrics and /openapi.json. */

let h: Harness
let sink: WebhookSink
let stream = 'connected'
const openapiCalls = { accessToken: 2, groupMessagesSend: 5, mediaUpload: 0 }

beforeAll(async () => {
  sink = await WebhookSink.start()
  h = await startHarness({
    streamState: () => stream,
    dingtalkStats: () => openapiCalls,
    prepare: (db) => {
      ormOf(db)
        .insert(llmCalls)
        .values([
          { model: 'qwen-plus', tokens_in: 1000, tokens_out: 200, cost_rmb: 0.5, use_date: '2026-11-01' },
          { model: 'qwen-plus', tokens_in: 500, tokens_out: 100, cost_rmb: 0.25, use_date: '2026-11-02' },
          { model: 'qwen-vl', tokens_in: 50, tokens_out: 5, cost_rmb: 0.01, status: 'error', use_date: '2026-11-02' },
        ])
        .run()
    },
  })
})
afterAll(async () => {
  await h.close()
  await sink.close()
})

const get = async (path: string) => {
  const res = await fetch(`${h.base}${path}`)
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() }
}

/** The value of one sample line, e.g. sample(text, 'andy_messages_total{intent="help",status="ok"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('/healthz', () => {
  it('is 200 with the database, stream state and backlog when healthy', async () => {
    stream = 'connected'
    const r = await get('/healthz')
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text)).toMatchObject({ status: 'ok', db: 'ok', stream: 'connected', backlog: 0 })
  })

  it('is 503 while the stream is not connected', async () => {
    stream = 'backoff'
    const r = await get('/healthz')
    expect(r.status).toBe(503)
    expect(JSON.parse(r.text)).toMatchObject({ status: 'unhealthy', stream: 'backoff', db: 'ok' })
    stream = 'connected'
  })

  it('is 503 when the database cannot answer', async () => {
    const broken = await startHarness()
    try {
      expect((await fetch(`${broken.base}/healthz`)).status).toBe(200)
      broken.db.close()
      const res = await fetch(`${broken.base}/healthz`)
      expect(res.status).toBe(503)
      expect(((await res.json()) as any).db).toMatch(/^error/)
      // A server fault is a 5xx whose msg carries the request id, logged at error level with that id.
      const fault = await call(broken.base, 'ANrkhCaseDetail', {})
      const reqId = fault.headers.get('x-request-id')!
      expect([fault.status, fault.json.ret]).toEqual([500, 500])
      expect(fault.json.msg).toContain(reqId)
      expect(broken.logs.some((l) => l.includes('"level":50') && l.includes(reqId))).toBe(true)
    } finally {
      await broken.close()
    }
  })
})

describe('/metrics', () => {
  it('counts messages by intent and status, with a reply latency histogram', async () => {
    const before = sample((await get('/metrics')).text, 'andy_messages_total{intent="help",status="ok"}') ?? 0
    for (const id of ['m-metrics-1', 'm-metrics-2']) {
      await call(h.base, 'AReceiveMsg', {
        msgId: id,
        text: JSON.stringify({ content: '帮助' }),
        sessionWebhook: sink.url(),
      })
    }
    await h.app.idle(60_000)
    const r = await get('/metrics')
    expect(r.status).toBe(200)
    expect(r.type).toContain('text/plain')
    expect(sample(r.text, 'andy_messages_total{intent="help",status="ok"}')).toBe(before + 2)
    expect(sample(r.text, 'andy_reply_latency_seconds_count{intent="help"}')).toBe(before + 2)
    expect(r.text).toContain('# TYPE andy_reply_latency_seconds histogram')
  })

  it('reports LLM tokens and cost from llm_calls at scrape time', async () => {
    let r = await get('/metrics')
    expect(sample(r.text, 'andy_llm_tokens_total{model="qwen-plus",direction="in"}')).toBe(1500)
    expect(sample(r.text, 'andy_llm_tokens_total{model="qwen-plus",direction="out"}')).toBe(300)
    expect(sample(r.text, 'andy_llm_cost_rmb_total{model="qwen-plus"}')).toBeCloseTo(0.75)
    expect(sample(r.text, 'andy_llm_calls_total{model="qwen-vl",status="error"}')).toBe(1)
    ormOf(h.db)
      .insert(llmCalls)
      .values({ model: 'qwen-plus', tokens_in: 10, tokens_out: 1, cost_rmb: 0.01, use_date: '2026-11-03' })
      .run()
    r = await get('/metrics')
    expect(sample(r.text, 'andy_llm_tokens_total{model="qwen-plus",direction="in"}')).toBe(1510)
  })

  it('reports DingTalk OpenAPI calls and API requests', async () => {
    openapiCalls.groupMessagesSend = 7
    const r = await get('/metrics')
    expect(sample(r.text, 'andy_dingtalk_openapi_calls_total{call="groupMessagesSend"}')).toBe(7)
    expect(sample(r.text, 'andy_dingtalk_openapi_calls_total{call="accessToken"}')).toBe(2)
    expect(sample(r.text, 'andy_http_requests_total{action="AReceiveMsg",ret="200"}')).toBeGreaterThanOrEqual(2)
    expect(sample(r.text, 'andy_inbox_backlog')).toBe(0)
  })
})

describe('/openapi.json', () => {
  it('describes every seed action with its parameters, limits and response fields', async () => {
    const r = await get('/openapi.json')
    const doc = JSON.parse(r.text)
    expect(doc.openapi).toMatch(/^3\./)
    for (const spec of TABLES) {
      const op = doc.paths[`/api/${spec.endpoint}`].get
      const names = op.parameters.map((p: { name: string }) => p.name)
      for (const f of spec.filters) expect(names).toContain(f.param)
      expect(names).toEqual(expect.arrayContaining(['app_key', 'sign', 'page', 'perpage']))
      expect(op.parameters.find((p: { name: string }) => p.name === 'perpage').schema).toMatchObject({
        type: 'integer',
        minimum: 1,
        maximum: 10000,
      })
      expect(op.responses['200'].content['application/json'].schema.properties.data.properties).toHaveProperty(
        'lie_biao',
      )
    }
    const actions = Object.keys(doc.paths).filter((p) => p.startsWith('/api/'))
    expect(actions).toHaveLength(15)
    expect(doc.paths['/api/AGetAndyVarDatas'].post.requestBody.content['application/json'].schema.required).toEqual([
      'app_key',
      'user_id',
    ])
    expect(doc.paths['/dingtalk/callback'].post).toBeDefined()
  })
})
