import { afterEach, describe, expect, it } from 'vitest'
import { chatFor } from '../../src/bot/model-call.js'
import { systemClock } from '../../src/core/clock.js'
import { openDb } from '../../src/db/client.js'
import { llmCalls, spentOn } from '../../src/db/llm-calls.js'
import { costOf } from '../../src/services/llm.js'
import { type ChatBody, FakeOpenAI } from '../helpers/fake-openai.js'
import { createTestApp, DEFAULT_USER, demoDbPath, type TestApp, tempDir } from '../helpers/test-app.js'

/**
 * What Andy records for the LLM must match the provider's bill: every call the provider answered is
 * recorded with the provider's own usage — also when its output was unusable (a failed parse), when it
 * was asked again, and (estimated) when a stream was cut short.
 */

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const PRICES = { inputPerMTok: 2, outputPerMTok: 8 }
const tool = (b: ChatBody) => b.tools?.[0]?.function.name

async function setup(env: Record<string, string> = {}): Promise<{ t: TestApp; fake: FakeOpenAI }> {
  const fake = await FakeOpenAI.start()
  cleanups.push(() => fake.close())
  const dir = tempDir()
  cleanups.push(() => dir.cleanup())
  const t = createTestApp({
    clock: systemClock,
    user: DEFAULT_USER,
    fake,
    db: openDb(await demoDbPath(dir.dir)),
    env: { LLM_MAX_RETRIES: '0', ...env },
  })
  cleanups.push(() => t.close())
  return { t, fake }
}

function usageOf(t: TestApp, msgText: string): { tokens: number; cost_rmb: number } {
  return t.db.sqlite.prepare('SELECT tokens, cost_rmb FROM usage_records WHERE consult_content = ?').get(msgText) as {
    tokens: number
    cost_rmb: number
  }
}

describe('LLM usage of failed calls', () => {
  it('records the provider usage of unusable answers (search parse, intent classification)', async () => {
    const { t, fake } = await setup()
    fake.handler = (b) =>
      tool(b) === 'set_filters'
        ? { content: '好的，我来帮你筛选：行业是医药。', usage: { prompt_tokens: 300, completion_tokens: 25 } }
        : {
            toolCall: { arguments: '{"intent": "case", "confid' },
            usage: { prompt_tokens: 150, completion_tokens: 15 },
          }
    const search = await t.ask('大型药企的客户案例')
    expect(search.intent).toBe('case') // the rule parse answers
    const unplaced = await t.ask('帮我看看最近大家都在关注什么')
    expect(unplaced.status).toBe('ok')
    const calls = llmCalls(t.db)
    expect(calls.map((c) => [c.tokens_in, c.tokens_out, c.status, c.estimated])).toEqual([
      [300, 25, 'error', 0],
      [150, 15, 'error', 0],
    ])
    expect(calls[0]!.error).toContain('bad_output')
    expect(calls[0]!.cost_rmb).toBeCloseTo(costOf(PRICES, 300, 25), 9)
    // the usage records carry them too, and the daily spend counts them
    expect(usageOf(t, '大型药企的客户案例')).toMatchObject({ tokens: 325 })
    expect(usageOf(t, '帮我看看最近大家都在关注什么')).toMatchObject({ tokens: 165 })
    expect(spentOn(t.db, 'u-wang', calls[0]!.use_date)).toBeCloseTo(
      costOf(PRICES, 300, 25) + costOf(PRICES, 150, 15),
      9,
    )
  })

  it('records the answered retry after a refused forced tool call, and nothing for the refusal', async () => {
    const { t, fake } = await setup()
    fake.enqueue({ status: 400 })
    fake.handler = () => ({ content: '（没有按要求调用工具）', usage: { prompt_tokens: 225, completion_tokens: 40 } })
    await t.ask('大型药企的客户案例')
    expect(fake.requests).toHaveLength(2)
    expect(llmCalls(t.db).map((c) => [c.tokens_in, c.tokens_out, c.status])).toEqual([[225, 40, 'error']])
    expect(usageOf(t, '大型药企的客户案例').tokens).toBe(265)
  })

  it('estimates what a stream cut short by the deadline consumed', async () => {
    const { t, fake } = await setup()
    fake.handler = () => ({ content: '这是一段很长的生成内容。'.repeat(40), chunkSize: 4, chunkDelayMs: 20 })
    t.app.router.resolve('explicit', (ctx) => (ctx.text.startsWith('probe') ? { intent: 'probe' } : undefined))
    t.app.router.handle('probe', async (ctx) => {
      const res = await chatFor(
        ctx,
        // The stream takes at least 2.4 s (120 chunks, 20 ms apart); the deadline cuts it after some chunks
        // arrived, with room for a slow first chunk on a busy machine.
        { messages: [{ role: 'user', content: ctx.text }], timeoutMs: 1500, onDelta: () => {} },
        { purpose: 'probe' },
      )
      await ctx.reply(res.text)
    })
    const r = await t.ask('probe 写一段长文')
    expect(r.replies.join('')).toContain('抱歉')
    const [call] = llmCalls(t.db)
    expect(call).toMatchObject({ status: 'timeout', estimated: 1 })
    expect(call!.tokens_in).toBeGreaterThan(0)
    expect(call!.tokens_out).toBeGreaterThan(0)
    expect(call!.cost_rmb).toBeGreaterThan(0)
  })
})
