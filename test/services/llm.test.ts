import { afterEach, describe, expect, it } from 'vitest'
import { chatFor } from '../../src/bot/model-call.js'
import { systemClock } from '../../src/core/clock.js'
import { llmCalls } from '../../src/db/llm-calls.js'
import {
  costOf,
  createOpenAiLlmClient,
  estimateTokens,
  formatRmb,
  type LlmClient,
  LlmError,
} from '../../src/services/llm.js'
import { FakeOpenAI, type FakeOpenAIOptions, fakePromptTokens, fakeTokens } from '../helpers/fake-openai.js'
import { createTestApp, DEFAULT_USER, type TestApp } from '../helpers/test-app.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function fakeServer(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const f = await FakeOpenAI.start(opts)
  cleanups.push(() => f.close())
  return f
}

function client(fake: FakeOpenAI, o: { timeoutMs?: number; maxRetries?: number } = {}): LlmClient {
  return createOpenAiLlmClient({
    apiKey: 'sk-test',
    baseUrl: fake.baseUrl,
    model: 'fake-model',
    prices: { inputPerMTok: 2, outputPerMTok: 8 },
    timeoutMs: o.timeoutMs ?? 60_000,
    maxRetries: o.maxRetries ?? 2,
  })
}

describe('LLM client against an OpenAI-compatible server', () => {
  it('returns the answer with the provider usage and its cost', async () => {
    const fake = await fakeServer()
    fake.handler = () => '您好，这是回答。'
    const res = await client(fake).chat({
      messages: [
        { role: 'system', content: '你是助手' },
        { role: 'user', content: '你好' },
      ],
    })
    expect(res.text).toBe('您好，这是回答。')
    const body = fake.requests[0]!.body
    expect(res.usage).toEqual({
      tokensIn: fakePromptTokens(body),
      tokensOut: fakeTokens('您好，这是回答。'),
      estimated: false,
    })
    expect(res.costRmb).toBe(costOf({ inputPerMTok: 2, outputPerMTok: 8 }, res.usage.tokensIn, res.usage.tokensOut))
    expect(fake.requests[0]!.authorization).toBe('Bearer sk-test')
    expect(body.model).toBe('fake-model')
  })

  it('streams deltas in order and takes usage from the final chunk', async () => {
    const fake = await fakeServer()
    const answer = '一、活动目标：提升新员工的融入感。二、活动形式：线上打卡加线下分享。'
    fake.handler = () => ({ content: answer, chunkSize: 5 })
    const seen: string[] = []
    const res = await client(fake).chat({
      messages: [{ role: 'user', content: '写一个活动' }],
      onDelta: (d, all) => seen.push(all),
    })
    expect(res.text).toBe(answer)
    expect(seen.length).toBeGreaterThan(3)
    expect(seen.at(-1)).toBe(answer)
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.startsWith(seen[i - 1]!)).toBe(true)
    expect(fake.requests[0]!.body.stream).toBe(true)
    expect(fake.requests[0]!.body.stream_options).toEqual({ include_usage: true })
    expect(res.usage.estimated).toBe(false)
    expect(res.usage.tokensOut).toBe(fakeTokens(answer))
  })

  it('estimates tokens when the provider omits usage (stream and plain)', async () => {
    const fake = await fakeServer({ omitUsage: true })
    fake.handler = () => ({ content: '预计效果：参与率 80%' })
    const plain = await client(fake).chat({ messages: [{ role: 'user', content: '效果如何' }] })
    expect(plain.usage.estimated).toBe(true)
    expect(plain.usage.tokensOut).toBe(estimateTokens('预计效果：参与率 80%'))
    expect(plain.usage.tokensIn).toBeGreaterThan(estimateTokens('效果如何'))
    const streamed = await client(fake).chat({ messages: [{ role: 'user', content: '效果如何' }], onDelta: () => {} })
    expect(streamed.usage).toEqual(plain.usage)
    expect(streamed.costRmb).toBeGreaterThan(0)
  })

  it('parses a forced tool call, plain and streamed', async () => {
    const fake = await fakeServer()
    fake.handler = (body) => ({ toolCall: { arguments: { industry: ['医药'], seen: body.tool_choice } }, chunkSize: 3 })
    const tool = {
      name: 'set_filters',
      description: 'filters',
      parameters: { type: 'object', properties: { industry: { type: 'array', items: { type: 'string' } } } },
    }
    const a = await client(fake).chat({ messages: [{ role: 'user', content: '药企案例' }], tool })
    expect(a.data).toMatchObject({ industry: ['医药'], seen: { type: 'function', function: { name: 'set_filters' } } })
    const b = await client(fake).chat({ messages: [{ role: 'user', content: '药企案例' }], tool, onDelta: () => {} })
    expect(b.data).toMatchObject({ industry: ['医药'] })
  })

  it('asks again with tool_choice "auto" when a provider refuses a forced tool, and remembers it', async () => {
    const fake = await fakeServer()
    fake.handler = (body) =>
      typeof body.tool_choice === 'object' ? { status: 400 } : { toolCall: { arguments: { intent: 'case' } } }
    const tool = { name: 'classify_intent', description: 'x', parameters: { type: 'object', properties: {} } }
    const c = client(fake)
    expect((await c.chat({ messages: [{ role: 'user', content: '银行案例' }], tool })).data).toEqual({ intent: 'case' })
    expect((await c.chat({ messages: [{ role: 'user', content: '银行案例' }], tool })).data).toEqual({ intent: 'case' })
    expect(fake.requests.map((r) => (typeof r.body.tool_choice === 'object' ? 'forced' : r.body.tool_choice))).toEqual([
      'forced',
      'auto',
      'auto',
    ])
  })

  it('retries a 429 and succeeds (SDK retries)', async () => {
    const fake = await fakeServer()
    fake.enqueue({ status: 429 })
    fake.handler = () => '好的'
    const res = await client(fake).chat({ messages: [{ role: 'user', content: 'hi' }] })
    expect(res.text).toBe('好的')
    expect(fake.requests).toHaveLength(2)
  })

  it('gives up on a 500 with a server error', async () => {
    const fake = await fakeServer()
    fake.handler = () => ({ status: 500 })
    const err = await client(fake, { maxRetries: 1 })
      .chat({ messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LlmError)
    expect((err as LlmError).kind).toBe('server')
    expect(fake.requests).toHaveLength(2)
  })

  it('times out a provider that hangs, within the deadline', async () => {
    const fake = await fakeServer()
    fake.handler = () => ({ hang: true })
    const started = Date.now()
    const err = await client(fake, { timeoutMs: 400, maxRetries: 0 })
      .chat({ messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect((err as LlmError).kind).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(20_000) // the fake never answers: a finite bound shows the 400 ms deadline worked
  })

  it('prices to the fen for people, exactly for sums', () => {
    expect(costOf({ inputPerMTok: 2, outputPerMTok: 8 }, 1_000_000, 500_000)).toBe(6)
    expect(costOf({ inputPerMTok: 2, outputPerMTok: 8 }, 800, 100)).toBe(0.0024)
    expect(formatRmb(0.0249)).toBe('¥0.02')
    expect(formatRmb(1.005 + 0.001)).toBe('¥1.01')
  })
})

describe('cost accounting and the daily budget', () => {
  async function probeApp(env: Record<string, string> = {}): Promise<{ t: TestApp; fake: FakeOpenAI }> {
    const fake = await fakeServer()
    fake.handler = () => '这是一段生成的内容。'
    const t = createTestApp({ clock: systemClock, user: DEFAULT_USER, fake, env })
    cleanups.push(() => t.close())
    // A probe intent that makes one LLM call, like a pipeline step.
    t.app.router.resolve('explicit', (ctx) => (ctx.text.startsWith('probe') ? { intent: 'probe' } : undefined))
    t.app.router.handle('probe', async (ctx) => {
      const res = await chatFor(ctx, { messages: [{ role: 'user', content: ctx.text }] }, { purpose: 'probe' })
      await ctx.reply(res.text)
    })
    return { t, fake }
  }

  it('records every call and puts tokens and cost on the usage record', async () => {
    const { t } = await probeApp()
    const r = await t.ask('probe 写点什么')
    expect(r.replies[0]).toContain('这是一段生成的内容')
    const calls = llmCalls(t.db)
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({
      model: 'fake-model',
      intent: 'probe',
      user_id: 'u-wang',
      status: 'ok',
      estimated: 0,
    })
    expect(calls[0]!.tokens_in).toBeGreaterThan(0)
    const usage = t.db.sqlite.prepare('SELECT tokens, cost_rmb FROM usage_records').get() as {
      tokens: number
      cost_rmb: number
    }
    expect(usage.tokens).toBe(calls[0]!.tokens_in + calls[0]!.tokens_out)
    expect(usage.cost_rmb).toBeCloseTo(calls[0]!.cost_rmb, 9)
  })

  it('records failed calls and answers with an apology', async () => {
    const { t, fake } = await probeApp({ LLM_MAX_RETRIES: '0' })
    fake.handler = () => ({ status: 500 })
    const r = await t.ask('probe 写点什么')
    expect(r.status).toBe('failed')
    expect(r.replies[0]).toContain('抱歉')
    expect(llmCalls(t.db)[0]).toMatchObject({ status: 'error', tokens_in: 0 })
  })

  it('refuses with a friendly reply once the daily budget is spent; admins are exempt', async () => {
    // 2 RMB / 8 RMB per MTok, at most 100 output tokens: a call is reserved at ≈ ¥0.00083 (prompt + 100 out)
    // and costs ≈ ¥0.0001, so a ¥0.0009 budget pays for one call and cannot reserve a second.
    const { t, fake } = await probeApp({
      LLM_DAILY_BUDGET_RMB: '0.0009',
      LLM_MAX_OUTPUT_TOKENS: '100',
      ANDY_ADMIN_STAFF_IDS: 'boss',
    })
    await t.ask('probe 第一次')
    const second = await t.ask('probe 第二次')
    expect(second.replies[0]).toContain('今天的 AI 额度')
    expect(second.replies[0]).toContain('明天')
    expect(second.status).toBe('rejected')
    expect(fake.requests).toHaveLength(1)
    // Another user has their own budget; an admin has none.
    expect((await t.ask('probe 别人', { nick: '小李', staffId: 'u-li' })).replies[0]).toContain('生成的内容')
    await t.ask('probe 老板', { nick: '老板', staffId: 'boss' })
    expect((await t.ask('probe 老板又来', { nick: '老板', staffId: 'boss' })).replies[0]).toContain('生成的内容')
    expect(fake.requests).toHaveLength(4)
  })
})
