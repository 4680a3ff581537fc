import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import { llmCalls } from '../../src/db/llm-calls.js'
import { interpretReport } from '../../src/pipelines/prompt-pipeline.js'
import { type ChatBody, FakeOpenAI } from '../helpers/fake-openai.js'
import { createTestApp, DEFAULT_USER } from '../helpers/test-app.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const lastUser = (b: ChatBody) => String(b.messages.at(-1)!.content)

async function setup(env: Record<string, string> = {}) {
  const fake = await FakeOpenAI.start({ handler: (b, n) => `第${n}次回答：${lastUser(b).slice(0, 12)}` })
  cleanups.push(() => fake.close())
  const t = createTestApp({ clock: systemClock, user: DEFAULT_USER, fake, env })
  cleanups.push(() => t.close())
  return { t, fake }
}

describe('人才发展 (rcfz) and 会议评审 (hyps) prompt pipelines', () => {
  it('runs the rcfz rows in order on the message text, chaining prev and step1, with a status for the long run', async () => {
    const { t, fake } = await setup()
    const r = await t.ask('人才发展：某制造企业 5000 人，今年提拔了 60 名技术骨干做基层经理，普遍不会带团队')
    expect(r.intent).toBe('talent')
    expect(r.replies[0]).toContain('正在生成「人才发展」(1/3)')
    // both sections in one message (as few as fit), in order
    expect(r.replies).toHaveLength(2)
    expect(r.replies[1]).toMatch(/^\*\*人才现状诊断\*\*/)
    expect(r.replies[1]).toMatch(/\n\*\*人才发展建议\*\*\n/)
    expect(r.replies[1]!.indexOf('人才发展建议')).toBeGreaterThan(r.replies[1]!.indexOf('人才现状诊断'))
    expect(r.replies[1]).toContain('本次用量')
    const [diag, plan, summary] = fake.requests.map((q) => q.body)
    // Step 1 sees the message without the feature word; the next row sees the diagnosis as {{prev}}.
    expect(lastUser(diag!)).toContain('某制造企业 5000 人')
    expect(lastUser(diag!)).not.toContain('人才发展：')
    expect(diag!.messages[0]!.role).toBe('system')
    expect(lastUser(plan!)).toContain('第1次回答')
    expect(lastUser(summary!)).toContain('第2次回答')
    expect(llmCalls(t.db).map((c) => c.intent)).toEqual(['talent', 'talent', 'talent'])
  })

  it('gets the whole of a long meeting transcript, not a truncated prefix', async () => {
    const { t, fake } = await setup()
    const minutes = Array.from({ length: 80 }, (_, i) => `第${i + 1}项：讨论了培训预算与排期，负责人待定。`).join('')
    expect(minutes.length).toBeGreaterThan(1500)
    const r = await t.ask(`会议评审：${minutes}`)
    expect(r.intent).toBe('meeting')
    expect(lastUser(fake.requests[0]!.body)).toContain('第80项：讨论了培训预算与排期')
    expect(r.replies.join('')).not.toContain('只按前 500 个字理解')
  })

  it('asks for the content when the message only names the feature', async () => {
    const { t, fake } = await setup()
    const r = await t.ask('会议评审')
    expect(r.intent).toBe('meeting')
    expect(r.replies[0]).toContain('请把需要分析的内容')
    expect(fake.requests).toHaveLength(0)
  })

  it('explains that an LLM is needed when none is configured, and searches still work', async () => {
    const t = createTestApp({ clock: systemClock, user: DEFAULT_USER })
    cleanups.push(() => t.close())
    const r = await t.ask('会议评审：周一例会纪要……讨论了三个议题，没有明确负责人')
    expect(r.replies[0]).toContain('需要接入大模型')
    expect((await t.ask('帮我设计一个运营活动')).replies[0]).toContain('需要接入大模型')
    expect((await t.ask('制造业的客户案例')).intent).toBe('case')
  })

  it('interprets a report with the report_prompts row it names, step by step', async () => {
    const { t, fake } = await setup()
    t.app.router.resolve('explicit', (ctx) => (ctx.text.startsWith('报告：') ? { intent: 'probe-report' } : undefined))
    t.app.router.handle('probe-report', (ctx) => interpretReport(ctx, ctx.text.slice(3)))
    const r = await t.ask('报告：2026 年培训满意度调研报告。总体满意度 4.2 分，讲师 4.5 分，组织安排 3.6 分。')
    expect(r.replies[0]).toMatch(/^\*\*报告解读：培训满意度调研报告\*\*/)
    expect(fake.requests).toHaveLength(3)
    const users = fake.requests.map((q) => lastUser(q.body))
    expect(users[0]).toContain('总体满意度 4.2 分')
    expect(users[0]).toContain('「培训满意度调研报告」')
    expect(users[1]).toContain('第1次回答')
    expect(users[2]).toContain('第2次回答')
    expect(r.replies[0]).toContain('本次用量')
  })

  it('turns a failing model into a clear Chinese reply', async () => {
    const { t, fake } = await setup({ LLM_MAX_RETRIES: '0' })
    fake.handler = () => ({ status: 500 })
    const r = await t.ask('会议评审：周一例会纪要，讨论了三个议题，没有明确负责人')
    expect(r.replies.at(-1)).toContain('大模型服务暂时不可用')
    expect(r.status).toBe('failed')
  })
})
