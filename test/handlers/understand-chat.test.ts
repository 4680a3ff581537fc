import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadMixedLabels } from '../helpers/mixed-labels.js'
import { createTestApp, type FixedClock, type TestApp } from '../helpers/test-app.js'
import { WebhookSink } from '../helpers/webhook-sink.js'
import { call, type Harness, startHarness } from '../http/setup.js'

/** Issue 10 through the dispatcher: the numbered question, exclusions in the JSON, counts, the menu. */

function app(env: Record<string, string> = {}): TestApp<FixedClock> {
  const t = createTestApp({ env })
  loadMixedLabels(t.db)
  return t
}

describe('when two tables fit equally', () => {
  it('asks one numbered question, and 「1」 answers it with that table', async () => {
    const t = app()
    const q = await t.ask('银行 新员工')
    expect(q.intent).toBe('clarify')
    expect(q.replies[0]).toContain('你要找 1 客户案例 还是 2 打单方案？')
    expect(q.total).toBeUndefined()
    const a = await t.ask('1')
    expect(a.intent).toBe('case')
    expect(a.hits!.map((h) => h.kh_name)).toEqual(['苏银农商银行'])
    expect(a.replies[0]).toContain('筛选：')
    // Answered: a second 「1」 is not a search any more.
    expect((await t.ask('1')).intent).not.toBe('case')
  })

  it('takes the table by name too, keeps the question per user, and drops it for a new question', async () => {
    const t = app()
    await t.ask('银行 新员工', { nick: '甲', staffId: 'u-a' })
    await t.ask('银行 新员工', { nick: '乙', staffId: 'u-b' })
    const b = await t.ask('打单方案', { nick: '乙', staffId: 'u-b' })
    expect(b.intent).toBe('pitch')
    expect(b.hits!.map((h) => h.kh_name).sort()).toEqual(['苏银农商银行', '锡州农商银行'])
    // 甲 asks something else instead of answering: answered as usual, and the question is gone.
    const other = await t.ask('央企的案例', { nick: '甲', staffId: 'u-a' })
    expect(other.intent).toBe('case')
    expect(other.hits!.map((h) => h.kh_name)).toEqual(['宏达重工'])
    expect((await t.ask('2', { nick: '甲', staffId: 'u-a' })).intent).not.toBe('pitch')
  })

  it('forgets an unanswered question after half an hour', async () => {
    const t = app()
    expect((await t.ask('江苏的客户')).intent).toBe('clarify')
    t.clock.advance(31 * 60_000)
    expect((await t.ask('2')).intent).not.toBe('software')
  })
})

describe('what a rep sees', () => {
  it('exclusions are in the reply and under filters.exclude (andy ask --json, usage records), never as wanted values', async () => {
    const t = app()
    const r = await t.ask('非国有企业的金融案例')
    expect(r.replies[0]).toContain('排除：企业性质=国有企业')
    expect(r.filters).toMatchObject({
      exclude: { enterprise_type: expect.arrayContaining(['国有企业', '地方国企', '央企', '国企']) },
    })
    expect(r.filters).not.toHaveProperty('enterprise_type')
    expect(r.hits!.map((h) => h.kh_name)).toEqual(['锡安人寿保险'])
  })

  it('a count question leads with the number', async () => {
    const t = app()
    const r = await t.ask('国企的案例有多少')
    expect(r.replies[0]!.split('\n')[0]).toBe('**符合条件的内容客户案例共 6 条**')
    expect(r.total).toBe(6)
    expect(r.hits).toHaveLength(5)
  })

  it('only function words get the menu, not a search of everything — also on a robot bound to one table', async () => {
    const t = app({ ANDY_ROBOT_INTENTS: 'robot-case=case' })
    const plain = await t.ask('有什么可以参考的')
    expect(plain.intent).toBe('help')
    expect(plain.total).toBeUndefined()
    const bound = await t.app.handleNow({
      source: 'local',
      robotCode: 'robot-case',
      message: {
        msgId: 'm-bound-1',
        msgtype: 'text',
        text: { content: '谢谢' },
        conversationId: 'c-bound',
        conversationType: '1',
        senderNick: '张三',
        senderStaffId: 'u-z',
        robotCode: 'robot-case',
      },
      raw: '{}',
    })
    expect(bound.total).toBeUndefined()
    expect(bound.replies[0]).toContain('这句话里没有要查的条件')
  })

  it('a contradiction is named, not answered with the excluded rows', async () => {
    const t = app()
    const r = await t.ask('银行 非金融 的案例')
    expect(r.total).toBe(0)
    expect(r.relaxed).toEqual([])
    expect(r.replies[0]).toContain('条件矛盾：要「银行」又排除「金融」')
  })
})

describe('over the HTTP API (AReceiveMsg, reply through the session webhook)', () => {
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

  it('states the exclusion and returns none of the excluded rows', async () => {
    const res = await call(
      h.base,
      'AReceiveMsg',
      {
        msgId: 'understand-http-1',
        msgtype: 'text',
        text: JSON.stringify({ content: '除了国企以外的制造业客户案例' }),
        conversationId: 'cid-understand',
        conversationType: '1',
        senderNick: '测试销售',
        senderStaffId: 'staff-001',
        sessionWebhook: sink.url('/robot/sendBySession?session=understand'),
        sessionWebhookExpiredTime: String(Date.now() + 3600_000),
      },
      { method: 'POST' },
    )
    expect(res.json.ret).toBe(200)
    await h.app.idle(60_000)
    await sink.waitFor(1)
    const text = (sink.requests.at(-1)!.body as { markdown: { text: string } }).markdown.text
    expect(text).toContain('排除：企业性质=国企')
    // The rows shown are manufacturing and none of them state-owned.
    const lines = text.split('\n').filter((l) => /^(制造业|[^·]+ · )/.test(l) && l.includes(' · '))
    expect(lines.length).toBeGreaterThan(0)
    for (const l of lines) expect(l).not.toMatch(/地方国企|央企|国有企业/)
  })
})

describe('a word that found nothing', () => {
  it('is answered with the stored values one keystroke away, which then find rows', async () => {
    const t = app()
    const r = await t.ask('领导力法展的案例')
    expect(r.total).toBe(0)
    expect(r.replies[0]).toContain('没有找到「领导力法展」，是不是「领导力发展」？')
    const again = await t.ask('领导力发展的案例')
    expect(again.total).toBeGreaterThan(0)
    // Nothing near: no guess.
    expect((await t.ask('哈哈哈哈的案例')).replies[0]).not.toContain('是不是')
    // A word that finds rows gets no note either.
    expect((await t.ask('领导力发展的案例')).replies[0]).not.toContain('是不是')
  })
})

describe('newest words', () => {
  it('最近的N条 shows N rows and filters nothing; 最近 is never a keyword', async () => {
    const t = app()
    const r = await t.ask('最近的2条打单方案')
    expect(r.intent).toBe('pitch')
    expect(r.hits).toHaveLength(2)
    expect(r.filters).toEqual({})
    expect(r.replies[0]).not.toContain('没用上的词')
    const all = await t.ask('打单方案')
    expect(r.hits!.map((h) => h.kh_name)).toEqual(all.hits!.slice(0, 2).map((h) => h.kh_name))
  })
})

describe('a year that finds nothing', () => {
  it('names the newest year the table has', async () => {
    const t = app()
    const r = await t.ask('2030年的采购')
    expect(r.total).toBe(0)
    expect(r.replies[0]).toContain('内容产品售卖最新的记录在 2025 年。')
    expect((await t.ask('2024年的采购')).replies[0]).not.toContain('最新的记录在')
  })
})

describe('或 between two kinds of condition', () => {
  it('says both were required and how to ask for either; 或 inside one field says nothing', async () => {
    const t = app()
    const both = await t.ask('银行或者央企的案例')
    expect(both.replies[0]).toContain('「银行」和「央企」是两类条件，按同时满足查的')
    const either = await t.ask('银行或者保险的案例')
    expect(either.replies[0]).not.toContain('两类条件')
    // An excluded value is no part of an either-or.
    expect((await t.ask('央企的案例，不要银行或者保险')).replies[0]).not.toContain('两类条件')
  })
})

describe('统计 of case records', () => {
  it('counts the table a 统计 sentence names; 统计 of a period or of 使用次数 stays the usage report', async () => {
    const t = app()
    const cases = await t.ask('统计一下银行的客户案例')
    expect(cases.intent).toBe('case')
    expect(cases.replies[0]).toMatch(/^\*\*符合条件的内容客户案例共 \d+ 条\*\*/)
    expect(cases.replies[0]).not.toContain('没用上的词')
    const prefixed = await t.ask('数据统计：学邦云的切换案例')
    expect(prefixed.intent).toBe('switch')
    expect(prefixed.replies[0]).toContain('符合条件的平台竞对切换案例共')
    for (const s of ['统计 本周', '统计一下本月的使用次数', '/统计 上周']) expect((await t.ask(s)).intent).toBe('usage')
  })
})

describe('a name alone', () => {
  it('is looked for in every table: the table with it answers, the others that have it are named', async () => {
    const t = app()
    // 宁泰证券 is a content case, a pitch plan, a switch, a procurement and a software customer (one row each).
    const r = await t.ask('宁泰的情况')
    expect(['case', 'pitch', 'switch', 'procurement', 'software']).toContain(r.intent)
    expect(r.total).toBe(1)
    expect(r.replies[0]).toContain('宁泰证券')
    expect(r.replies[0]).toMatch(/「宁泰」在别的表里也有：(?:[^\n]*?1 条){4}/)
    // 华创电子: content cases, pitch plans and procurements only — software customers are not named.
    expect((await t.ask('华创')).replies[0]).not.toContain('平台合作客户 1 条')
    // A name found nowhere: the menu, as before.
    expect((await t.ask('恒大')).replies[0]).toContain('没太明白')
  })
})
