import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import { getInbound } from '../../src/db/inbox.js'
import { llmCalls } from '../../src/db/llm-calls.js'
import { type ChatBody, FakeOpenAI } from '../helpers/fake-openai.js'
import { createTestApp, DEFAULT_USER } from '../helpers/test-app.js'
import { until } from '../helpers/wait.js'

/**
 * 查看进度 and 取消 reach a running 会议评审 (through the app as andy chat drives it): the second section's
 * call never answers, so a reply to 查看进度 shows it was not queued behind the generation, and the
 * generation's message finishing shows 取消 aborted the call.
 */

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const MEETING =
  '会议评审：本周例会讨论了新员工培训排期、讲师资源不足与预算超支三个问题，最后没有形成明确的负责人和时间表。'

describe('查看进度 / 取消 during 会议评审', () => {
  it('reports the running section and stops it; 继续 has nothing left', async () => {
    const fake = await FakeOpenAI.start({
      handler: (b: ChatBody, n) =>
        String(b.messages.at(-1)!.content).includes('第1次回答')
          ? { hang: true }
          : { content: `第${n}次回答：评审要点。` },
    })
    cleanups.push(() => fake.close())
    const t = createTestApp({
      clock: systemClock,
      user: DEFAULT_USER,
      fake,
      env: { LLM_MAX_RETRIES: '0', LLM_TIMEOUT_MS: '600000' },
    })
    cleanups.push(() => t.close())

    const running = t.ask(MEETING)
    let finished = false
    void running.then(() => (finished = true))
    await until(() => fake.requests.length === 2, 'section 2 being generated')

    const progress = await t.ask('查看进度')
    expect(finished).toBe(false)
    expect(progress.intent).toBe('progress')
    expect(progress.replies[0]).toContain('「会议评审」正在生成 (2/2)「行动项清单」')
    expect(progress.replies[0]).toContain('本轮已完成：「会议评审」')

    const before = t.local.parts.length
    const cancel = await t.ask('取消')
    expect(cancel.replies[0]).toContain('已停止正在生成的「行动项清单」')
    // section 1 (finished, still pending in the coalesced output) went out before the 取消 reply
    const order = t.local.parts.slice(before).map((p) => p.part.body)
    expect(order.findIndex((b) => b.startsWith('**会议评审**'))).toBeGreaterThanOrEqual(0)
    expect(order.findIndex((b) => b.startsWith('**会议评审**'))).toBeLessThan(
      order.findIndex((b) => b.includes('已停止正在生成')),
    )
    expect(cancel.replies[0]).toContain('已取消「会议评审」')
    const result = await running
    expect(result.status).toBe('ok')
    expect(result.error).toBe('cancelled by the user')
    // The generation's message says nothing more: section 1 and the status were all it sent.
    expect(result.replies.join('\n')).not.toContain('大模型')
    expect(getInbound(t.db, result.inboxId)!.status).toBe('replied')
    expect(llmCalls(t.db).map((c) => c.status)).toEqual(['ok', 'error'])
    expect(t.db.sqlite.prepare('SELECT status FROM pipeline_runs').pluck().all()).toEqual(['cancelled'])

    const after = await t.ask('继续')
    expect(after.intent).not.toBe('meeting')
    expect(fake.requests.filter((q) => String(q.body.messages.at(-1)!.content).includes('讲师资源不足'))).toHaveLength(
      2,
    )
  })

  it('without a running generation, 查看进度 and 取消 say there is nothing to show or stop', async () => {
    const fake = await FakeOpenAI.start()
    cleanups.push(() => fake.close())
    const t = createTestApp({ clock: systemClock, user: DEFAULT_USER, fake })
    cleanups.push(() => t.close())
    expect((await t.ask('取消')).replies[0]).toContain('当前没有进行中的任务')
    expect((await t.ask('查看进度')).replies[0]).toContain('当前没有进行中的任务')
  })
})
