import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { chatFor } from '../../src/bot/model-call.js'
import { openPg, type PgDb } from '../../src/db/pg/client.js'
import { createPgStores } from '../../src/db/pg/stores.js'
import type { Stores } from '../../src/db/stores/index.js'
import { FakeOpenAI } from '../helpers/fake-openai.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'
import { createTestApp, DEFAULT_USER, type TestApp } from '../helpers/test-app.js'

/**
 * The daily budget's reservations on several instances: a call's worst-case cost is reserved in
 * PostgreSQL, so while one instance's call runs, another instance sees it and refuses a call for the same
 * user that the budget could not also pay for.
 */

let server: PgServer | undefined
let url = ''
const cleanups: Array<() => Promise<void> | void> = []

beforeAll(async () => {
  if (PG_DISABLED) return
  server = await startPgServer()
}, 120_000)
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})
afterAll(async () => {
  await server?.stop()
})

async function instance(fake: FakeOpenAI, env: Record<string, string>): Promise<{ t: TestApp; pg: PgDb; s: Stores }> {
  const pg = await openPg(url, { migrate: true, max: 4 })
  const s = createPgStores(pg)
  const t = createTestApp({ user: DEFAULT_USER, fake, env, extraDeps: { stores: s } })
  cleanups.push(async () => {
    await t.close()
    await s.close()
  })
  // A probe intent that makes one LLM call, like a pipeline step.
  t.app.router.resolve('explicit', (ctx) => (ctx.text.startsWith('probe') ? { intent: 'probe' } : undefined))
  t.app.router.handle('probe', async (ctx) => {
    const res = await chatFor(ctx, { messages: [{ role: 'user', content: ctx.text }] }, { purpose: 'probe' })
    await ctx.reply(res.text)
  })
  return { t, pg, s }
}

describe.skipIf(PG_DISABLED)('the daily LLM budget on several instances', () => {
  it("refuses a call on one instance while another instance's call holds the budget, and frees it after", async () => {
    url = await server!.createDatabase()
    const fake = await FakeOpenAI.start()
    cleanups.push(() => fake.close())
    // The first call waits until the test lets it answer: it is in flight while instance b is asked.
    let inFlight!: () => void
    const started = new Promise<void>((r) => (inFlight = r))
    let answer!: () => void
    const answered = new Promise<void>((r) => (answer = r))
    fake.handler = async (_b, n) => {
      if (n === 1) {
        inFlight()
        await answered
      }
      return '这是一段生成的内容。'
    }
    // ¥2 / ¥8 per MTok, at most 100 output tokens: each call is reserved at ≈ ¥0.00083 and costs ≈ ¥0.0001,
    // so a ¥0.0012 budget pays for one call in flight, not two; once the first is recorded, a second fits.
    const env = { LLM_DAILY_BUDGET_RMB: '0.0012', LLM_MAX_OUTPUT_TOKENS: '100', LLM_MAX_RETRIES: '0' }
    const a = await instance(fake, env)
    const b = await instance(fake, env)

    const first = a.t.ask('probe 第一次')
    await started
    // The same user in a group chat (their 1:1 message is still running on a): served by b at once.
    const refused = await b.t.ask('probe 同时在群里', { group: '华东销售群' })
    expect(refused.replies[0]).toContain('今天的 AI 额度')
    expect(refused.status).toBe('rejected')
    expect(fake.requests).toHaveLength(1)
    // Another user's budget is their own, on either instance.
    const other = await b.t.ask('probe 别人', { nick: '小李', staffId: 'u-li' })
    expect(other.replies[0]).toContain('生成的内容')

    answer()
    expect((await first).replies[0]).toContain('生成的内容')
    // The call is recorded and its reservation gone: b now sees only what it cost, and a call fits again.
    const left = await a.pg.pool.query('SELECT count(*)::int AS n FROM llm_reservations')
    expect(left.rows[0].n).toBe(0)
    expect((await b.t.ask('probe 之后', { group: '华东销售群' })).replies[0]).toContain('生成的内容')
    expect(fake.requests).toHaveLength(3)
  })

  it('check-and-reserve is atomic across instances; an expired reservation no longer counts', async () => {
    url = await server!.createDatabase()
    const pools = await Promise.all([0, 1, 2, 3].map(() => openPg(url, { migrate: true, max: 2 })))
    cleanups.push(async () => {
      for (const p of pools) await p.close()
    })
    const stores = pools.map((p) => createPgStores(p).llm.calls.reservations!)
    const r = { userId: 'u1', useDate: '2026-12-03', rmb: 0.4 }
    // Eight reservations of ¥0.40 at once from four instances against ¥1.00: exactly two get through.
    const results = await Promise.all(stores.flatMap((s) => [s.reserve(r, 1, 1000, 5000), s.reserve(r, 1, 1000, 5000)]))
    const granted = results.filter((x) => 'id' in x)
    expect(granted).toHaveLength(2)
    expect(results.filter((x) => 'spent' in x).map((x) => ('spent' in x ? x.spent : 0))).toEqual(Array(6).fill(0.8))
    expect(await stores[0]!.reservedOn('u1', '2026-12-03', 1000)).toBeCloseTo(0.8, 9)
    // Recorded spend counts too: ¥0.30 recorded + ¥0.80 reserved leaves no room for ¥0.40 until one is released.
    await createPgStores(pools[0]!).llm.calls.record({
      model: 'm',
      user_id: 'u1',
      tokens_in: 1,
      tokens_out: 1,
      estimated: false,
      cost_rmb: 0.3,
      latency_ms: 1,
      status: 'ok',
      use_date: '2026-12-03',
    })
    const full = await stores[1]!.reserve(r, 1.4, 1000, 5000)
    expect('spent' in full && full.spent).toBeCloseTo(1.1, 9)
    await stores[2]!.release((granted[0] as { id: number }).id)
    expect(await stores[1]!.reserve(r, 1.4, 1000, 5000)).toHaveProperty('id')
    // An instance that died mid-call: its reservation stops counting when it expires.
    expect(await stores[3]!.reservedOn('u1', '2026-12-03', 5000)).toBe(0)
    expect(await stores[3]!.reserve({ ...r, rmb: 1.2 }, 1.5, 5000, 9000)).toHaveProperty('id')
    // Another day and another user are budgets of their own.
    expect(await stores[0]!.reserve({ ...r, useDate: '2026-12-04' }, 1, 5000, 9000)).toHaveProperty('id')
    expect(await stores[0]!.reserve({ ...r, userId: 'u2' }, 1, 5000, 9000)).toHaveProperty('id')
  })
})
