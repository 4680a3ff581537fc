import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getInbound } from '../../src/db/inbox.js'
import { inboundMessages } from '../../src/db/schema.js'
import { ormOf } from '../helpers/orm.js'
import { until } from '../helpers/wait.js'
import { WebhookSink } from '../helpers/webhook-sink.js'
import { CB_SECRET, call, type Harness, startHarness } from './setup.js'

/** Robot messages over HTTP (seed AReceiveMsg & co., DingTalk HTTP callback): same inbox, same dispatcher, one reply. */

let h: Harness
let sink: WebhookSink

beforeAll(async () => {
  sink = await WebhookSink.start()
  h = await startHarness({ seed: true })
})
afterAll(async () => {
  await h.close()
  await sink.close()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function payload(msgId: string, content: string, session: string): Record<string, string> {
  return {
    msgId,
    msgtype: 'text',
    text: JSON.stringify({ content: ` ${content}` }),
    conversationId: `cid-${session}`,
    conversationType: '1',
    senderNick: '测试销售',
    senderStaffId: 'staff-001',
    createAt: String(Date.now()),
    sessionWebhook: sink.url(`/robot/sendBySession?session=${session}`),
    sessionWebhookExpiredTime: String(Date.now() + 3600_000),
    robotCode: 'robot-http-test',
  }
}

const repliesTo = (session: string) => sink.requests.filter((r) => r.path.endsWith(`session=${session}`))
const textOf = (r: { body: unknown }) => (r.body as { markdown: { text: string } }).markdown.text

describe('AReceiveMsg', () => {
  it('stores the message, answers its inbox id, and a repeated msgId produces exactly one reply', async () => {
    const p = payload('msg-once-1', '帮助', 'once')
    const [a, b] = await Promise.all([
      call(h.base, 'AReceiveMsg', p, { method: 'POST' }),
      call(h.base, 'AReceiveMsg', p, { method: 'POST', body: 'json' }),
    ])
    expect(a.json.ret).toBe(200)
    expect(b.json.data.id).toBe(a.json.data.id)
    await h.app.idle(60_000)
    await sink.waitFor(1)
    const again = await call(h.base, 'AReceiveMsg', p, { style: 'old' })
    expect(again.json.data.id).toBe(a.json.data.id)
    expect(again.json.msg).toContain('重复')
    await h.app.idle(60_000)
    await sleep(300)
    expect(repliesTo('once')).toHaveLength(1)
    expect(textOf(repliesTo('once')[0]!)).toContain('Andy')
    const rows = ormOf(h.db)
      .select()
      .from(inboundMessages)
      .all()
      .filter((r) => r.msg_id === 'msg-once-1')
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ source: 'http', robot_code: 'robot-http-test', status: 'replied', intent: 'help' })
    expect(rows[0]!.raw).not.toContain('app_key')
  })

  it('honours customType (4 = 客户案例)', async () => {
    const r = await call(h.base, 'AReceiveMsg', { ...payload('msg-ct-4', '制造业', 'ct4'), customType: '4' })
    await h.app.idle(60_000)
    expect(getInbound(h.db, r.json.data.id)?.intent).toBe('case')
    expect(textOf((await sink.waitFor(1)).find((x) => x.path.endsWith('session=ct4'))!)).toContain('内容客户案例')
  })

  it('ACpsReceiveSearch searches procurements and ARjkhSaleCaseReceiveSearch software customers by default', async () => {
    const cps = await call(h.base, 'ACpsReceiveSearch', payload('msg-cps-1', '医药', 'cps'))
    const rjkh = await call(h.base, 'ARjkhSaleCaseReceiveSearch', payload('msg-rjkh-1', '江苏', 'rjkh'))
    await h.app.idle(60_000)
    expect(getInbound(h.db, cps.json.data.id)?.intent).toBe('procurement')
    expect(getInbound(h.db, rjkh.json.data.id)?.intent).toBe('software')
    expect(textOf(repliesTo('cps')[0]!)).toContain('内容产品售卖')
    expect(textOf(repliesTo('rjkh')[0]!)).toContain('平台合作客户')
  })

  it('a customType in the payload wins over the endpoint default', async () => {
    const r = await call(h.base, 'ACpsReceiveSearch', { ...payload('msg-cps-ct', '银行', 'cpsct'), customType: '3' })
    await h.app.idle(60_000)
    expect(getInbound(h.db, r.json.data.id)?.intent).toBe('pitch')
  })

  it('requires msgId and rejects a text that is not JSON', async () => {
    const p = payload('x', '帮助', 'bad')
    delete p.msgId
    const missing = await call(h.base, 'AReceiveMsg', p)
    expect([missing.status, missing.json.ret]).toEqual([400, 400])
    expect(missing.json.msg).toContain('msgId')
    const badText = await call(h.base, 'AReceiveMsg', { ...payload('msg-bad-text', '帮助', 'bad'), text: '你好' })
    expect(badText.json.ret).toBe(400)
    expect(badText.json.msg).toContain('text')
  })
})

function cbSign(timestamp: string, secret = CB_SECRET): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64')
}

async function callback(body: Record<string, unknown>, headers: Record<string, string>) {
  const res = await fetch(`${h.base}/dingtalk/callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

const inboxHas = (msgId: string) =>
  ormOf(h.db)
    .select()
    .from(inboundMessages)
    .all()
    .some((r) => r.msg_id === msgId)

describe('DingTalk HTTP callback', () => {
  const body = (msgId: string, session: string) => ({
    ...payload(msgId, '帮助', session),
    text: { content: ' 帮助' },
    createAt: Date.now(),
    isInAtList: true,
    sessionWebhookExpiredTime: Date.now() + 3600_000,
  })

  it('accepts a valid signature, answers {"msgtype":"empty"} before the reply is delivered, then replies through the webhook', async () => {
    const ts = String(Date.now())
    sink.respondNext({ delayMs: 1500 }) // the reply hangs: the callback must not wait for it
    const r = await callback(body('cb-valid', 'cb'), { timestamp: ts, sign: cbSign(ts) })
    expect(r).toEqual({ status: 200, json: { msgtype: 'empty' } })
    const row = ormOf(h.db)
      .select()
      .from(inboundMessages)
      .all()
      .find((x) => x.msg_id === 'cb-valid')
    expect(row?.status).not.toBe('replied')
    await h.app.idle(60_000)
    await until(() => repliesTo('cb').length >= 1, 'the reply to the callback')
    expect(repliesTo('cb')).toHaveLength(1)
    const again = await callback(body('cb-valid', 'cb'), { timestamp: ts, sign: cbSign(ts) })
    expect(again.json).toEqual({ msgtype: 'empty' })
    await h.app.idle(60_000)
    await sleep(200)
    expect(repliesTo('cb')).toHaveLength(1)
  })

  it('rejects a stale timestamp (more than an hour old or ahead) even with a correct sign', async () => {
    for (const offset of [-3_700_000, 3_700_000]) {
      const ts = String(Date.now() + offset)
      const r = await callback(body(`cb-stale${offset}`, 'stale'), { timestamp: ts, sign: cbSign(ts) })
      expect(r.status).toBe(401)
      expect(String(r.json.errmsg)).toContain('1 小时')
      expect(inboxHas(`cb-stale${offset}`)).toBe(false)
    }
  })

  it('rejects a forged or missing signature', async () => {
    const ts = String(Date.now())
    const forged = await callback(body('cb-forged', 'forged'), {
      timestamp: ts,
      sign: cbSign(ts, 'someone-elses-secret'),
    })
    expect(forged.status).toBe(401)
    const replayed = await callback(body('cb-forged2', 'forged'), {
      timestamp: String(Number(ts) + 1),
      sign: cbSign(ts),
    })
    expect(replayed.status).toBe(401)
    const missing = await callback(body('cb-nosign', 'forged'), { timestamp: ts })
    expect(missing.status).toBe(401)
    for (const id of ['cb-forged', 'cb-forged2', 'cb-nosign']) expect(inboxHas(id)).toBe(false)
    expect(repliesTo('forged')).toHaveLength(0)
  })
})
