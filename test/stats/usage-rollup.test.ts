import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type Db, MIGRATIONS_DIR, openDb } from '../../src/db/client.js'
import { insertUsage, type UsageInput } from '../../src/db/usage.js'
import { backfillStatements, monthSplit, rebuildRollup } from '../../src/db/usage-rollup.js'
import {
  countsByDayIntent,
  insertUsageMany,
  latencyPercentiles,
  topGroups,
  topUsers,
  totalsByDay,
  totalsByIntent,
  type UsageStatsFilter,
  zeroResultQuestions,
} from '../../src/db/usage-stats.js'
import { mulberry32 } from '../../src/demo/generate.js'
import { generateUsageRows } from '../../src/demo/usage.js'

/**
 * The daily rollup answers 统计 exactly as the raw records do: same counts, sums, rankings and bucket
 * percentiles, for random periods and filters over generated records plus awkward ones (no user, no
 * 会话类型, no latency, very slow replies, odd costs, unanswerable questions).
 */

let db: Db | undefined
afterEach(() => db?.close())

const INTENTS = [
  'case',
  'pitch',
  'switch',
  'procurement',
  'software',
  'activity',
  'usage',
  'report',
  'image',
  'help',
  'unanswered',
]

function awkward(rng: () => number, n: number): UsageInput[] {
  const out: UsageInput[] = []
  for (let i = 0; i < n; i++) {
    const day = `2026-${String(1 + Math.floor(rng() * 11)).padStart(2, '0')}-${String(1 + Math.floor(rng() * 28)).padStart(2, '0')}`
    const intent = INTENTS[Math.floor(rng() * INTENTS.length)]!
    out.push({
      assistant_type: '9',
      assistant_name: 'x',
      intent,
      use_date: day,
      use_time: `${day} 0${Math.floor(rng() * 10)}:00:00`,
      user_id: rng() < 0.2 ? null : `w${Math.floor(rng() * 30)}`,
      user_dd_nick: rng() < 0.3 ? null : `昵称${Math.floor(rng() * 5)}`,
      conversation_type: rng() < 0.2 ? null : rng() < 0.5 ? '1' : '2',
      dd_group_name: rng() < 0.5 ? null : rng() < 0.2 ? '' : `群${Math.floor(rng() * 4)}`,
      consult_content: rng() < 0.1 ? null : `问题${Math.floor(rng() * 6)}`,
      hits: rng() < 0.4 ? 0 : rng() < 0.5 ? null : 3,
      latency_ms:
        rng() < 0.15
          ? null
          : [0, 100, 101, 300, 60_000, 60_001, 250_000, Math.floor(rng() * 20_000)][Math.floor(rng() * 8)]!,
      status: ['ok', 'failed', 'rejected'][Math.floor(rng() * 3)]!,
      tokens: Math.floor(rng() * 3000),
      cost_rmb: rng() < 0.5 ? 0 : rng() * 0.37,
    })
  }
  return out
}

function randomFilter(rng: () => number): UsageStatsFilter {
  const day = () =>
    `2026-${String(1 + Math.floor(rng() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rng() * 28)).padStart(2, '0')}`
  let [from, to] = [day(), day()].sort() as [string, string]
  if (rng() < 0.15) from = '2000-01-01'
  if (rng() < 0.1) to = from
  const f: UsageStatsFilter = { from, to }
  if (rng() < 0.4) f.intents = INTENTS.filter(() => rng() < 0.3)
  if (rng() < 0.3) f.conversationType = rng() < 0.5 ? '1' : '2'
  return f
}

function answers(d: Db, f: UsageStatsFilter): unknown {
  const byDay = countsByDayIntent(d, f)
  const intents = [...new Set(byDay.map((r) => r.intent))]
  return {
    byDay,
    totals: totalsByIntent(d, f, intents),
    users: topUsers(d, f, 10),
    groups: topGroups(d, f, 5),
    latency: latencyPercentiles(d, f),
    zero: zeroResultQuestions(d, f, 10),
    perDay: totalsByDay(d, f),
    allUsers: topUsers(d, f, 100_000),
  }
}

describe('the daily usage rollup', () => {
  it('should answer random periods and filters exactly like the raw records', () => {
    const seed = Math.floor(Math.random() * 1e9)
    const rng = mulberry32(seed)
    db = openDb(':memory:')
    insertUsageMany(db, generateUsageRows({ rows: 4000, endDate: '2026-11-28', days: 330, users: 40, groups: 6, seed }))
    for (const u of awkward(rng, 400)) insertUsage(db, u)
    for (let i = 0; i < 60; i++) {
      const f = randomFilter(rng)
      expect(answers(db, f), `seed ${seed}, filter ${JSON.stringify(f)}`).toEqual(answers(db, { ...f, raw: true }))
    }
    // Not vacuous: a whole year has users, groups, gaps and latencies.
    const year = answers(db, { from: '2026-01-01', to: '2026-12-31' }) as {
      users: unknown[]
      groups: unknown[]
      zero: unknown[]
      latency: { n: number }
    }
    expect(year.users.length).toBe(10)
    expect(year.groups.length).toBeGreaterThan(0)
    expect(year.zero.length).toBeGreaterThan(0)
    expect(year.latency.n).toBeGreaterThan(4000)
  })

  it('should be rebuilt from the raw records by the backfill, which is what migration 0004 runs', () => {
    db = openDb(':memory:')
    insertUsageMany(
      db,
      generateUsageRows({ rows: 1500, endDate: '2026-11-28', days: 90, users: 25, groups: 5, seed: 3 }),
    )
    const before = answers(db, { from: '2026-09-01', to: '2026-11-28' })
    db.sqlite.exec(
      'DELETE FROM usage_daily; DELETE FROM usage_daily_users; DELETE FROM usage_monthly_users; DELETE FROM usage_daily_groups; DELETE FROM usage_daily_gaps',
    )
    expect(answers(db, { from: '2026-09-01', to: '2026-11-28' })).not.toEqual(before)
    rebuildRollup(db)
    expect(answers(db, { from: '2026-09-01', to: '2026-11-28' })).toEqual(before)
    const migration = readFileSync(join(MIGRATIONS_DIR, '0004_usage_daily.sql'), 'utf8')
    for (const s of backfillStatements().filter((x) => x.startsWith('INSERT'))) expect(migration).toContain(s)
  })

  it('should keep a record and its rollup together: a failed insert leaves neither', () => {
    db = openDb(':memory:')
    const u: UsageInput = {
      assistant_type: '1',
      assistant_name: 'x',
      intent: 'case',
      use_date: '2026-11-02',
      use_time: '2026-11-02 10:00:00',
      status: 'ok',
      user_id: 'a',
      latency_ms: 120,
    }
    insertUsage(db, u)
    // A record written inside a transaction that is rolled back leaves no trace in the rollup either.
    expect(() =>
      db!.sqlite.transaction(() => {
        insertUsage(db!, { ...u, latency_ms: 90_000 })
        throw new Error('handler failed')
      })(),
    ).toThrow('handler failed')
    expect(totalsByIntent(db, { from: '2026-11-01', to: '2026-11-30' }, ['case'])[0]!.n).toBe(1)
    expect(latencyPercentiles(db, { from: '2026-11-01', to: '2026-11-30' })).toMatchObject({ n: 1, p50: 120, p95: 120 })
  })

  it('should split a period into whole months and the days at its ends', () => {
    expect(monthSplit('2026-01-01', '2026-11-28')).toEqual({
      months: ['2026-01', '2026-10'],
      head: ['2026-11-01', '2026-11-28'],
      tail: ['9', '0'],
    })
    expect(monthSplit('2026-01-15', '2026-03-31')).toEqual({
      months: ['2026-02', '2026-03'],
      head: ['2026-01-15', '2026-01-31'],
      tail: ['9', '0'],
    })
    expect(monthSplit('2024-01-31', '2024-03-01')).toEqual({
      months: ['2024-02', '2024-02'],
      head: ['2024-01-31', '2024-01-31'],
      tail: ['2024-03-01', '2024-03-01'],
    })
    expect(monthSplit('2026-11-03', '2026-11-03')).toEqual({
      months: ['9', '0'],
      head: ['2026-11-03', '2026-11-03'],
      tail: ['9', '0'],
    })
  })
})
