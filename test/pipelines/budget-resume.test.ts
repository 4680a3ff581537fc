import { afterEach, describe, expect, it } from 'vitest'
import { llmCalls, spentOn } from '../../src/db/llm-calls.js'
import { storesOf } from '../../src/db/stores/index.js'
import { activityLlm, STEP_MARKERS, stepOf } from '../helpers/activity-llm.js'
import { type ChatBody, FakeOpenAI, type FakeReply } from '../helpers/fake-openai.js'
import { createTestApp, DEFAULT_USER, demoDbPath, type TestApp, tempDir } from '../helpers/test-app.js'

/**
 * The daily budget is never crossed: each call's worst case (prompt estimate + max output) is reserved
 * before it is made, also across a user's parallel conversations. A pipeline that stops — on the budget
 * or on a model failure — says where and how to continue, and 继续 really continues from the saved step.
 *
 * Prices make the arithmetic exact: input is free, output costs ¥0.001 per token, at most 2,000 output
 * tokens per call — so every call reserves exactly ¥2.00, and the fake bills what each test says.
 */

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const PRICING = {
  LLM_PRICE_INPUT_RMB_PER_MTOK: '0',
  LLM_PRICE_OUTPUT_RMB_PER_MTOK: '1000',
  LLM_MAX_OUTPUT_TOKENS: '2000',
  LLM_MAX_RETRIES: '0',
}
const DAY = 86_400_000
const lastUser = (b: ChatBody) => String(b.messages.at(-1)!.content)
const MEETING =
  '会议评审：本周例会讨论了新员工培训排期、讲师资源不足与预算超支三个问题，最后没有形成明确的负责人和时间表。'

async function setup(handler: (b: ChatBody, n: number) => FakeReply, env: Record<string, string> = {}, demo = false) {
  const fake = await FakeOpenAI.start({ handler })
  cleanups.push(() => fake.close())
  let now = Date.parse('2026-11-28T02:00:00Z')
  const clock = { now: () => now, nextDay: () => void (now += DAY) }
  let dbPath: string | undefined
  if (demo) {
    const dir = tempDir()
    cleanups.push(() => dir.cleanup())
    dbPath = await demoDbPath(dir.dir)
  }
  const t = createTestApp({ user: DEFAULT_USER, fake, env: { ...PRICING, ...env }, clock: { now: clock.now }, dbPath })
  cleanups.push(() => t.close())
  return { fake, t, clock }
}

const spent = (t: TestApp, now: number, user = DEFAULT_USER.staffId!) =>
  spentOn(t.db, user, new Date(now + 8 * 3600_000).toISOString().slice(0, 10))

describe('daily LLM budget', () => {
  it('stops a 会议评审 before the call that could cross it, says where, and 继续 finishes it the next day', async () => {
    // Each section bills 1,500 output tokens (¥1.50); the budget is ¥3.00.
    const { t, fake, clock } = await setup(
      (b, n) => ({
        content: `第${n}次回答：${lastUser(b).slice(0, 10)}`,
        usage: { prompt_tokens: 800, completion_tokens: 1500 },
      }),
      { LLM_DAILY_BUDGET_RMB: '3' },
    )
    const r = await t.ask(MEETING)
    expect(r.intent).toBe('meeting')
    // Section 1 was paid (¥1.50); section 2 would reserve ¥2.00 more: not started.
    expect(fake.requests).toHaveLength(1)
    expect(spent(t, clock.now())).toBeCloseTo(1.5, 6)
    expect(r.replies.some((x) => x.startsWith('**会议评审**'))).toBe(true)
    const last = r.replies.at(-1)!
    expect(last).toContain('今天的 AI 额度（¥3.00）只剩 ¥1.50，不够生成下一部分')
    expect(last).toContain('停在第 2/2 部分「行动项清单」')
    expect(last).toContain('明天 0 点额度恢复后回复 **继续**')
    expect(last).not.toContain('再发一次')
    expect(r.status).toBe('rejected')

    // Still today: 继续 is refused the same way, without a call.
    const again = await t.ask('继续')
    expect(again.intent).toBe('meeting')
    expect(again.replies.at(-1)).toContain('今天的 AI 额度')
    expect(fake.requests).toHaveLength(1)

    clock.nextDay()
    const done = await t.ask('继续')
    expect(done.intent).toBe('meeting')
    expect(done.replies[0]).toContain('接着生成「会议评审」：从第 2/2 部分「行动项清单」开始')
    expect(fake.requests).toHaveLength(2)
    // the section sees the meeting text and section 1's answer, without the user sending anything again
    expect(lastUser(fake.requests[1]!.body)).toContain('讲师资源不足')
    expect(lastUser(fake.requests[1]!.body)).toContain('第1次回答')
    expect(done.replies.at(-1)).toMatch(/^\*\*行动项清单\*\*/)
    expect(done.replies.at(-1)).toContain('本次用量')
    expect((await t.ask('继续')).intent).not.toBe('meeting') // nothing left to continue
  })

  it('counts what a parallel conversation of the same user has reserved', async () => {
    // Two 会议评审 at once (a group and a 1:1 chat), each call billed ¥1.50, slow enough to overlap.
    const { t, fake, clock } = await setup(
      () => ({ content: '评审意见。', usage: { prompt_tokens: 500, completion_tokens: 1500 }, delayMs: 300 }),
      { LLM_DAILY_BUDGET_RMB: '3' },
    )
    const [a, b] = await Promise.all([t.ask(MEETING), t.ask(MEETING, { group: '华东销售群' })])
    // Only one call could be reserved at a time within ¥3.00 (¥2.00 each): the budget is never crossed.
    expect(spent(t, clock.now())).toBeLessThanOrEqual(3)
    expect(llmCalls(t.db).reduce((s, c) => s + c.cost_rmb, 0)).toBeLessThanOrEqual(3)
    expect([a, b].some((r) => r.replies.join('\n').includes('今天的 AI 额度'))).toBe(true)
    expect(fake.requests.length).toBeLessThanOrEqual(2)
  })

  it('stops a 运营活动设计 run before the step it cannot pay for and continues it with 继续 the next day', async () => {
    const script = activityLlm()
    const { t, fake, clock } = await setup(
      (b, n) => {
        const r = script.handler(b, n) as FakeReply
        return { ...r, usage: { prompt_tokens: 900, completion_tokens: stepOf(b) ? 1500 : 5 } }
      },
      { LLM_DAILY_BUDGET_RMB: '3' },
      true,
    )
    await t.ask('帮我给远拓通信集团设计一个运营活动')
    const r = await t.ask(
      '活动背景：校招300人融入慢\n活动目标：留存率90%\n活动类型：线上训练营\n意向课程：职场新人训练营\n发散方式：大胆发散',
    )
    expect(fake.requestsMatching(STEP_MARKERS.sys_survey_report!)).toHaveLength(1)
    expect(fake.requestsMatching(STEP_MARKERS.sys_activity_need!)).toHaveLength(0)
    expect(r.replies.at(-1)).toContain('不够生成第 2/13 步「活动需求」')
    expect(r.replies.at(-1)).toContain('明天 0 点额度恢复后回复 **继续**，从第 2/13 步「活动需求」接着生成')
    expect(spent(t, clock.now())).toBeLessThanOrEqual(3)
    expect((await storesOf({ db: t.db }).workflows.processData.listOfUser(DEFAULT_USER.staffId!))[0]!.block_index).toBe(
      2,
    )

    clock.nextDay()
    const next = await t.ask('继续')
    expect(next.intent).toBe('activity')
    expect(fake.requestsMatching(STEP_MARKERS.sys_activity_need!)).toHaveLength(1)
    expect(fake.requestsMatching(STEP_MARKERS.sys_survey_report!)).toHaveLength(1)
  })
})

describe('人才发展 / 会议评审 after a model failure', () => {
  it('keeps what was done and 继续 resumes at the failed step, without the content being sent again', async () => {
    let fail = true
    const { t, fake } = await setup((b, n) => {
      // 人才发展建议 has two steps; the second one fails once.
      if (fail && n === 3) return { status: 500 }
      return { content: `第${n}次回答：${lastUser(b).slice(0, 8)}` }
    })
    const r = await t.ask('人才发展：某制造企业 5000 人，今年提拔了 60 名技术骨干做基层经理，普遍不会带团队')
    expect(r.status).toBe('failed')
    const apology = r.replies.at(-1)!
    expect(apology).toContain('「人才发展」停在第 2/2 部分「人才发展建议」')
    expect(apology).toContain('回复 **继续** 从这里接着生成，不用再发内容')
    expect(apology).not.toContain('再发一次')
    expect(fake.requests).toHaveLength(3)

    fail = false
    const done = await t.ask('继续')
    expect(done.intent).toBe('talent')
    expect(done.status).toBe('ok')
    // Only the failed step is asked again: step 1 of the section is not regenerated.
    expect(fake.requests).toHaveLength(4)
    expect(lastUser(fake.requests[3]!.body)).toContain('第2次回答')
    const section = done.replies.at(-1)!
    expect(section).toMatch(/^\*\*人才发展建议\*\*/)
    expect(section).toContain('第2次回答')
    expect(section).toContain('第4次回答')
    expect(section).toContain('本次用量')
  })

  it('取消 drops a stopped run: 继续 then has nothing to continue', async () => {
    const { t, fake } = await setup((_b, n) => (n === 2 ? { status: 500 } : { content: '诊断结果。' }))
    await t.ask(MEETING)
    const cancel = await t.ask('取消')
    expect(cancel.replies[0]).toContain('已取消「会议评审」')
    const r = await t.ask('继续')
    expect(r.intent).not.toBe('meeting')
    // no section was asked for again (the only new call, if any, classifies the word 继续)
    expect(fake.requests.filter((q) => lastUser(q.body).includes('讲师资源不足'))).toHaveLength(2)
  })
})
