import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPg, type PgDb } from '../../src/db/pg/client.js'
import { pgSendBudget } from '../../src/db/pg/send-budget.js'
import { SlidingWindowLimiter } from '../../src/transport/rate-limiter.js'
import { SharedLimiter } from '../../src/transport/shared-limiter.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'

/** DingTalk's send budgets shared by instances: two instances (two pools, two local limiters) on one PostgreSQL. */

let server: PgServer | undefined
const dbs: PgDb[] = []
beforeAll(async () => {
  if (!PG_DISABLED) server = await startPgServer()
})
afterAll(async () => {
  for (const d of dbs) await d.close()
  await server?.stop()
})

async function twoInstances(): Promise<[PgDb, PgDb]> {
  const url = await server!.createDatabase()
  const a = await openPg(url, { migrate: true })
  const b = await openPg(url)
  dbs.push(a, b)
  return [a, b]
}

describe.skipIf(PG_DISABLED)('shared send budgets on PostgreSQL', () => {
  it('a conversation budget of 20 a minute is 20 for two instances together, not 40', async () => {
    const [a, b] = await twoInstances()
    const budgets = [pgSendBudget(a.pool), pgSendBudget(b.pool)]
    const got = await Promise.all(Array.from({ length: 30 }, (_, i) => budgets[i % 2]!.take('conv:c1', 20, 60_000)))
    expect(got.filter((w) => w === 0)).toHaveLength(20)
    // The rest are told to wait about a token's refill time (3 s at 20 a minute), not refused for good.
    for (const w of got.filter((x) => x > 0)) expect(w).toBeGreaterThan(1000)
    // Another conversation has its own budget.
    expect(await budgets[1]!.take('conv:c2', 20, 60_000)).toBe(0)
  })

  it('bulk output leaves the reserved tokens to short answers', async () => {
    const [a] = await twoInstances()
    const budget = pgSendBudget(a.pool)
    const bulk = await Promise.all(Array.from({ length: 20 }, () => budget.take('conv:c1', 20, 60_000, 5)))
    expect(bulk.filter((w) => w === 0)).toHaveLength(15)
    expect(await budget.take('conv:c1', 20, 60_000)).toBe(0)
  })

  it('SharedLimiter waits for the shared budget after the local window', async () => {
    const [a, b] = await twoInstances()
    const slept: number[] = []
    const make = (db: PgDb) =>
      new SharedLimiter(
        new SlidingWindowLimiter({ limit: 2, windowMs: 60_000 }),
        pgSendBudget(db.pool),
        { scope: 'conversation', limit: 2, windowMs: 60_000 },
        async (ms) => {
          slept.push(ms)
          // The wait passes: a token comes back (as the refill would).
          await db.pool.query(`UPDATE send_budgets SET tokens = tokens + 1`)
        },
      )
    const [x, y] = [make(a), make(b)]
    await x.acquire('c1')
    await y.acquire('c1')
    expect(slept).toEqual([])
    await x.acquire('c1')
    expect(slept).toHaveLength(1)
    expect(slept[0]).toBeGreaterThan(1000)
  })
})
