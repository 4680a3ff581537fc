import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import { PART_LIMIT } from '../../src/core/markdown.js'
import { createLogger } from '../../src/logger.js'
import { DeliveryRouter } from '../../src/transport/delivery.js'
import { SlidingWindowLimiter } from '../../src/transport/rate-limiter.js'
import { activityLlm } from '../helpers/activity-llm.js'
import { FakeClock, settle } from '../helpers/fake-clock.js'
import { FakeOpenAI } from '../helpers/fake-openai.js'
import { createTestApp, DEFAULT_USER, demoDbPath, tempDir } from '../helpers/test-app.js'
import { until } from '../helpers/wait.js'
import { WebhookSink } from '../helpers/webhook-sink.js'

/**
 * A group's send budget is 20 messages a minute. A whole 运营活动设计 (long answers, as a real model
 * writes them) must fit in far fewer messages, every step once and in order; and when the budget is
 * tight, another rep's short answer goes before the bulk output.
 */

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const STEPS = [
  '需求调研报告',
  '活动需求',
  '内容选择',
  '内容推荐',
  '活动名称',
  '活动思路',
  '活动策划',
  '活动报名',
  '活动宣传',
  '激励措施',
  '预期效果',
  '方案合并',
  '方案精简',
]

describe('send budget', () => {
  it('a full activity design with long answers takes at most 10 messages, every step once and in order', async () => {
    const dir = tempDir()
    cleanups.push(() => dir.cleanup())
    const script = activityLlm({ long: true })
    const fake = await FakeOpenAI.start({ handler: script.handler })
    cleanups.push(() => fake.close())
    const t = createTestApp({
      clock: systemClock,
      user: DEFAULT_USER,
      fake,
      dbPath: await demoDbPath(dir.dir),
      env: { LLM_MAX_RETRIES: '0' },
    })
    cleanups.push(() => t.close())
    const group = { nick: '小王', staffId: 'u-wang', group: '华东销售群' }
    const said = [
      '帮我给远拓通信集团设计一个运营活动，活动背景：校招新人融入慢；活动目标：留存率90%；活动类型：线上训练营；意向课程：职场新人训练营；发散方式：稳妥务实',
      '选1',
      '选2',
    ]
    const replies: string[] = []
    for (const text of said) replies.push(...(await t.ask(text, group)).replies)
    expect(replies.at(-1)).toContain('运营活动设计完成')
    expect(replies.length).toBeLessThanOrEqual(10)
    for (const r of replies) expect(r.length).toBeLessThanOrEqual(PART_LIMIT + 40)
    const all = replies.join('\n')
    const heads = [...all.matchAll(/^\*\*\((\d+)\/13\) ([^*]+)\*\*$/gm)].map((m) => m[2])
    expect(heads).toEqual(STEPS)
  })

  it('another rep’s short answer is not held behind bulk output in the same group (fake clock)', async () => {
    const sink = await WebhookSink.start()
    cleanups.push(() => sink.close())
    const clock = new FakeClock(Date.now())
    const limiter = new SlidingWindowLimiter({
      limit: 20,
      windowMs: 60_000,
      reserveHigh: 5,
      now: clock.now,
      timers: clock,
    })
    const router = new DeliveryRouter({
      logger: createLogger({ level: 'silent' }),
      conversationLimiter: limiter,
      webhook: { timeoutMs: 30_000 },
    })
    const target = (msgId: string) => ({
      msgId,
      robotCode: 'r',
      conversationId: 'cidGroup',
      conversationType: '2',
      senderStaffId: 's',
      sessionWebhook: sink.url(),
      sessionWebhookExpiredTime: Date.now() + 3_600_000,
    })
    const bulk = Array.from({ length: 24 }, (_, i) =>
      router.deliver(target('design'), {
        no: i + 1,
        key: `design:${i + 1}`,
        kind: 'markdown',
        title: '活动设计',
        body: `第${i + 1}部分`,
        bulk: true,
      }),
    )
    await settle()
    const help = await router.deliver(target('help'), {
      no: 1,
      key: 'help:1',
      kind: 'markdown',
      title: '帮助',
      body: '我是 Andy',
    })
    expect(help.channel).toBe('webhook')
    const texts = () => sink.requests.map((r) => (r.body as { markdown: { text: string } }).markdown.text)
    await until(() => texts().length >= 16)
    expect(texts()).toContain('我是 Andy')
    // bulk output used 15 of the minute's 20 messages; the rest waits for the window, on the fake clock
    expect(texts().filter((t) => t.startsWith('第'))).toHaveLength(15)
    await clock.advance(60_000)
    await Promise.all(bulk)
    expect(texts().filter((t) => t.startsWith('第'))).toHaveLength(24)
  })
})
