import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OutboundPart, Replier } from '../../src/core/delivery.js'
import { type Db, openDb } from '../../src/db/client.js'
import { openPg, type PgDb } from '../../src/db/pg/client.js'
import { createPgStores } from '../../src/db/pg/stores.js'
import { inTransaction } from '../../src/db/pg/tx.js'
import { pgUsageReadStore } from '../../src/db/pg/usage-read.js'
import { insertUsagePg } from '../../src/db/pg/usage-store.js'
import { storesOf } from '../../src/db/stores/index.js'
import type { UsageReadStore, UsageStatsFilter } from '../../src/db/stores/usage-types.js'
import type { UsageInput } from '../../src/db/usage.js'
import { insertUsageMany } from '../../src/db/usage-stats.js'
import { generateUsageRows } from '../../src/demo/usage.js'
import { runDigest } from '../../src/stats/digest.js'
import { formatStatsReply } from '../../src/stats/format.js'
import { ALL_TIME_FROM } from '../../src/stats/period.js'
import { computeUsageStatsAsync, readStatsQueryFrom } from '../../src/stats/usage-stats.js'
import { statsSheets } from '../../src/stats/workbook.js'
import { cliRunner } from '../helpers/cli.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'
import { fixedClock, silentLogger, tempDir } from '../helpers/test-app.js'

/**
 * The same usage records written through both dialects (SQLite's insertUsage path and PostgreSQL's
 * insertUsagePg, each with its own rollup upserts) give the same 统计 answers: every read of the
 * UsageReadStore, the whole reply, and the workbook's sheets — over periods that combine whole calendar
 * months (usage_monthly_users) with partial months at either end (usage_daily_users), single days, and
 * filters that force the raw records.
 */

/** 600 records over 75 days ending 2026-11-28, plus the awkward ones: no user, no group, no latency, gaps. */
function records(): UsageInput[] {
  const rows = [...generateUsageRows({ rows: 600, endDate: '2026-11-28', days: 75, users: 25, groups: 6, seed: 7 })]
  const base = { assistant_type: '4', assistant_name: '客户案例', status: 'ok' }
  rows.push(
    {
      ...base,
      use_time: '2026-10-31 23:59:59',
      use_date: '2026-10-31',
      intent: 'case',
      hits: 0,
      consult_content: '没有的案例',
    },
    {
      ...base,
      use_time: '2026-11-01 00:00:00',
      use_date: '2026-11-01',
      intent: 'case',
      hits: 0,
      consult_content: '没有的案例',
      user_id: 'solo',
      user_dd_nick: '独行侠',
      conversation_type: '1',
    },
    {
      ...base,
      use_time: '2026-11-02 08:00:00',
      use_date: '2026-11-02',
      intent: 'unanswered',
      hits: 0,
      consult_content: null,
      latency_ms: null,
      status: 'failed',
      error: 'x',
    },
    {
      ...base,
      use_time: '2026-11-03 09:00:00',
      use_date: '2026-11-03',
      intent: 'case',
      hits: 3,
      user_id: 'dup1',
      user_dd_nick: '张三',
      dd_group_name: '华东销售群',
      conversation_type: '2',
      latency_ms: 61_000,
      tokens: 12,
      cost_rmb: 0.0012345,
    },
    {
      ...base,
      use_time: '2026-11-03 09:01:00',
      use_date: '2026-11-03',
      intent: 'case',
      hits: 3,
      user_id: 'dup2',
      user_dd_nick: '张三',
      latency_ms: 100,
      status: 'rejected',
    },
  )
  return rows
}

const PERIODS: Array<[string, string]> = [
  ['2026-09-15', '2026-11-28'], // partial month, whole October, partial November
  ['2026-10-01', '2026-10-31'], // one whole month
  ['2026-10-20', '2026-11-10'], // two partial months
  ['2026-11-03', '2026-11-03'], // one day
  [ALL_TIME_FROM, '2026-11-28'], // 全部
  ['2027-01-01', '2027-01-31'], // nothing
]

function filters(): UsageStatsFilter[] {
  const out: UsageStatsFilter[] = []
  for (const [from, to] of PERIODS) {
    const p = { from, to }
    out.push(p, { ...p, raw: true }, { ...p, intents: ['case', 'unanswered'] }, { ...p, conversationType: '2' })
  }
  const p = { from: '2026-09-15', to: '2026-11-28' }
  out.push(
    { ...p, userId: 'dup1' },
    { ...p, userNick: '张三' },
    { ...p, groupName: '华东销售群' },
    { ...p, consultContent: '案例' },
    { ...p, intents: ['case'], conversationType: '1', raw: true },
  )
  return out
}

let server: PgServer | undefined
let pgDb: PgDb | undefined
let pgUrl = ''
let sqlite: Db | undefined
let lite: UsageReadStore
let pgs: UsageReadStore

beforeAll(async () => {
  if (PG_DISABLED) return
  server = await startPgServer()
  pgUrl = await server.createDatabase()
  pgDb = await openPg(pgUrl, { migrate: true })
  sqlite = openDb(':memory:')
  const rows = records()
  insertUsageMany(sqlite, rows)
  await inTransaction(pgDb.pool, async (c) => {
    for (const u of rows) await insertUsagePg(c, u)
  })
  const llm = (d: string, model: string, status: string, cost: number) => [model, 'u1', 100, 20, cost, status, d]
  const calls = [
    llm('2026-11-01', 'qwen-plus', 'ok', 0.5),
    llm('2026-11-01', 'qwen-plus', 'failed', 0),
    llm('2026-11-02', 'glm-4', 'ok', 0.25),
  ]
  const sql = 'INSERT INTO llm_calls (model, user_id, tokens_in, tokens_out, cost_rmb, status, use_date) VALUES'
  for (const c of calls) {
    sqlite.sqlite.prepare(`${sql} (?, ?, ?, ?, ?, ?, ?)`).run(...c)
    await pgDb.pool.query(`${sql} ($1, $2, $3, $4, $5, $6, $7)`, c)
  }
  lite = storesOf({ db: sqlite }).usage
  pgs = pgUsageReadStore(pgDb.pool)
}, 180_000)

afterAll(async () => {
  sqlite?.close()
  await pgDb?.close()
  await server?.stop()
})

describe.skipIf(PG_DISABLED)('统计 on SQLite and PostgreSQL', () => {
  it('every read gives the same answer for the same records, rollup and raw alike', async () => {
    let checked = 0
    for (const f of filters()) {
      const both = async <T>(read: (s: UsageReadStore) => Promise<T>): Promise<T> => {
        const [a, b] = await Promise.all([read(lite), read(pgs)])
        expect(b, JSON.stringify(f)).toEqual(a)
        checked++
        return a
      }
      const days = await both((s) => s.countsByDayIntent(f))
      const totals = await both((s) => s.totalsByIntent(f, [...new Set(days.map((d) => d.intent))]))
      await both((s) => s.totalsByDay(f))
      await both((s) => s.topUsers(f, 10))
      await both((s) => s.topGroups(f, 100))
      await both((s) => s.latencyHistogram(f))
      await both((s) => s.zeroResultQuestions(f, 50))
      await both((s) => s.latestUsage(f, 25))
      // The rollup answers what the raw records answer, on PostgreSQL too.
      if (!f.raw)
        expect(await pgs.totalsByDay({ ...f, raw: true }), JSON.stringify(f)).toEqual(await pgs.totalsByDay(f))
      if (
        f.from === '2026-09-15' &&
        !f.userId &&
        !f.raw &&
        !f.intents &&
        !f.conversationType &&
        !f.userNick &&
        !f.groupName &&
        !f.consultContent
      )
        expect(totals.reduce((s, t) => s + t.n, 0)).toBe(605)
    }
    expect(checked).toBeGreaterThan(100)
  })

  it('the detail pages, the HTTP list, known names and the LLM cost are the same', async () => {
    const all = { from: ALL_TIME_FROM, to: '2026-11-28' }
    const pages = async (s: UsageReadStore) => {
      const out: unknown[][] = []
      for await (const p of s.pages(all, 100)) out.push(p)
      return out
    }
    const [a, b] = await Promise.all([pages(lite), pages(pgs)])
    expect(a.length).toBe(7)
    expect(b).toEqual(a)
    for (const q of [{}, { conversation_type: '2' }, { consult_content: '案例', user_dd_nick: '张三' }]) {
      const page = { page: 2, perpage: 7 }
      expect(await pgs.list(q, page)).toEqual(await lite.list(q, page))
    }
    const words = ['张三', '华东销售群', '无此人']
    expect(await pgs.knownNames(words, '2026-11-01', '2026-11-28')).toEqual(
      await lite.knownNames(words, '2026-11-01', '2026-11-28'),
    )
    const cost = await lite.llmCostByDay({ from: '2026-11-01', to: '2026-11-30' })
    expect(cost.map((r) => [r.use_date, r.model, r.calls, r.failed])).toEqual([
      ['2026-11-01', 'qwen-plus', 2, 1],
      ['2026-11-02', 'glm-4', 1, 0],
    ])
    expect(await pgs.llmCostByDay({ from: '2026-11-01', to: '2026-11-30' })).toEqual(cost)
  })

  it('a whole 统计 reply and the 统计 导出 sheets are the same', async () => {
    const now = Date.parse('2026-11-28T02:00:00Z')
    for (const text of [
      '统计 最近30天',
      '统计 全部',
      '统计 2026-09-15到2026-11-10 群聊',
      '统计 张三',
      '统计 本月 内容:案例',
    ]) {
      const [qa, qb] = await Promise.all([readStatsQueryFrom(lite, text, now), readStatsQueryFrom(pgs, text, now)])
      expect(qb).toEqual(qa)
      const [sa, sb] = await Promise.all([
        computeUsageStatsAsync(lite, qa, { kind: 'all' }),
        computeUsageStatsAsync(pgs, qb, { kind: 'all' }),
      ])
      expect(sb).toEqual(sa)
      expect(formatStatsReply(sb)).toBe(formatStatsReply(sa))
      const sheets = async (s: UsageReadStore, st: typeof sa) =>
        (await statsSheets(s, st, 50)).sheets.map((sh) => [sh.name, [...(sh.rows as Iterable<unknown>)]])
      expect(await sheets(pgs, sb)).toEqual(await sheets(lite, sa))
    }
  })

  it('the weekly digest on PostgreSQL is posted once across instances, with the numbers SQLite gives', async () => {
    const tmp = tempDir('andy-digest-pg-')
    const sent = (into: OutboundPart[]): Replier => ({
      deliver: async (_t, part) => {
        into.push(part)
        return { channel: 'test' }
      },
    })
    const base = {
      db: sqlite!,
      logger: silentLogger,
      clock: fixedClock('2026-11-23T01:05:00Z'),
      conversationId: 'cid-admin',
      dbPath: `${tmp.dir}/andy.db`,
    }
    try {
      const onSqlite: OutboundPart[] = []
      expect(await runDigest({ ...base, replier: sent(onSqlite) })).toMatchObject({ outcome: 'sent' })
      // Two instances, each with its own stores on the same PostgreSQL, due at the same moment.
      const p1: OutboundPart[] = []
      const p2: OutboundPart[] = []
      const results = await Promise.all([
        runDigest({ ...base, stores: createPgStores(pgDb!), replier: sent(p1) }),
        runDigest({ ...base, stores: createPgStores(pgDb!), replier: sent(p2) }),
      ])
      expect(results.map((r) => r.outcome).sort()).toEqual(['sent', 'skipped'])
      const posted = p1.length ? p1 : p2
      expect(posted.map((p) => p.kind)).toEqual(['markdown', 'image', 'file'])
      expect(posted[0]!.body).toContain('上周（11-16 至 11-22）')
      expect(posted[0]!.body).toBe(onSqlite[0]!.body)
    } finally {
      tmp.cleanup()
    }
  })

  it('andy stats with DATABASE_URL prints the usage recorded in PostgreSQL, not the local file', async () => {
    const tmp = tempDir('andy-stats-pg-')
    try {
      const env = { ...process.env, DATABASE_URL: pgUrl, DB_PATH: `${tmp.dir}/local.db`, LOG_LEVEL: 'silent' }
      const r = await cliRunner(env)('stats', '--since', '2026-09-15', '--until', '2026-11-28', '--by', 'group')
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain('共 605 次')
      expect(r.stdout).toContain('华东销售群')
    } finally {
      tmp.cleanup()
    }
  })

  it('the 统计 导出 LLM成本 sheet counts the calls every instance recorded in PostgreSQL', async () => {
    // Two instances (each its own pool and stores) record calls in December, a month no other test reads.
    const instances = [await openPg(pgUrl, { max: 2 }), await openPg(pgUrl, { max: 2 })]
    const call = (model: string, status: 'ok' | 'error', cost: number, day: string) => ({
      model,
      user_id: 'rep1',
      tokens_in: 1000,
      tokens_out: 200,
      estimated: false,
      cost_rmb: cost,
      latency_ms: 900,
      status,
      use_date: day,
    })
    const tmp = tempDir('andy-stats-llm-pg-')
    try {
      const [a, b] = instances.map((p) => createPgStores(p).llm.calls)
      await a!.record(call('qwen-plus', 'ok', 0.25, '2026-12-01'))
      await b!.record(call('qwen-plus', 'ok', 0.5, '2026-12-01'))
      await b!.record(call('qwen-plus', 'error', 0, '2026-12-01'))
      await a!.record(call('qwen-vl-max', 'ok', 2, '2026-12-02'))
      const expected = [
        ['2026-12-01', 'qwen-plus', 3, 1, 3000, 600, 0.75],
        ['2026-12-02', 'qwen-vl-max', 1, 0, 1000, 200, 2],
      ]
      // The sheet's rows, as the bot's 统计 导出 builds them from an instance's stores…
      const stores = createPgStores(pgDb!)
      const query = await readStatsQueryFrom(
        stores.usage,
        '统计 2026-12-01到2026-12-02',
        Date.parse('2026-12-02T04:00:00Z'),
      )
      const stats = await computeUsageStatsAsync(stores.usage, query, { kind: 'all' })
      const { sheets } = await statsSheets(stores.usage, stats, 50)
      const cost = sheets.find((sh) => sh.name === 'LLM成本')!
      expect(
        [...(cost.rows as Iterable<Record<string, unknown>>)].map((r) => [
          r.use_date,
          r.model,
          r.calls,
          r.failed,
          r.tokens_in,
          r.tokens_out,
          r.cost,
        ]),
      ).toEqual(expected)
      // …and in the workbook `andy stats --xlsx` writes with DATABASE_URL, whose local file has no calls.
      const xlsx = join(tmp.dir, 'stats.xlsx')
      const env = { ...process.env, DATABASE_URL: pgUrl, DB_PATH: `${tmp.dir}/local.db`, LOG_LEVEL: 'silent' }
      const r = await cliRunner(env)('stats', '--since', '2026-12-01', '--until', '2026-12-02', '--xlsx', xlsx)
      expect(r.code, r.stderr).toBe(0)
      const wb = new ExcelJS.Workbook()
      await wb.xlsx.readFile(xlsx)
      const rows: unknown[][] = []
      wb.getWorksheet('LLM成本')!.eachRow((row, i) => i > 1 && rows.push((row.values as unknown[]).slice(1)))
      expect(rows).toEqual(expected)
    } finally {
      tmp.cleanup()
      for (const p of instances) await p.close()
    }
  })
})
