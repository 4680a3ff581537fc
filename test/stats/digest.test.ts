import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Db, openDb } from '../../src/db/client.js'
import { claimRun, getRun, listRuns } from '../../src/db/scheduled-runs.js'
import { insertUsageMany } from '../../src/db/usage-stats.js'
import { generateUsageRows } from '../../src/demo/usage.js'
import { DIGEST_JOB, type DigestOptions, runDigest, startDigest } from '../../src/stats/digest.js'
import { DeliveryRouter } from '../../src/transport/delivery.js'
import { DingtalkApi } from '../../src/transport/dingtalk-api.js'
import { FAULTS, FakeOpenApi, PATHS } from '../helpers/fake-openapi.js'
import { fixedClock, silentLogger, tempDir } from '../helpers/test-app.js'

/** Monday 2026-11-23 09:05 China time: the digest for W47 (11-16 … 11-22) is due. */
const MONDAY_0905 = '2026-11-23T01:05:00Z'
const CID = 'cid-admin-group'

let fake: FakeOpenApi
let tmp: ReturnType<typeof tempDir>
let dbPath: string

function api(): DingtalkApi {
  return new DingtalkApi({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    robotCode: 'dingrobot',
    apiBase: fake.base,
    oapiBase: fake.base,
    logger: silentLogger,
    qpsPerPath: 1000,
    retry: { attempts: 1, baseMs: 10, maxMs: 20, qpsWaitMs: 100 },
  })
}

function options(db: Db, clock = fixedClock(MONDAY_0905)): DigestOptions {
  const replier = new DeliveryRouter({ api: api(), logger: silentLogger })
  return { db, logger: silentLogger, clock, replier, cron: '0 9 * * 1', conversationId: CID, dbPath }
}

beforeEach(async () => {
  fake = await FakeOpenApi.start()
  tmp = tempDir('andy-digest-')
  dbPath = join(tmp.dir, 'andy.db')
  const db = openDb(dbPath)
  insertUsageMany(db, generateUsageRows({ rows: 500, endDate: '2026-11-22', days: 14, users: 20, groups: 3, seed: 3 }))
  db.close()
})

afterEach(async () => {
  await fake.close()
  tmp.cleanup()
})

describe('weekly digest', () => {
  it("should post last week's summary, chart and workbook once, and not again after a restart", async () => {
    const db1 = openDb(dbPath)
    const h1 = startDigest(options(db1))
    await h1.idle()
    h1.stop()
    db1.close()
    expect(fake.sends.map((s) => s.msgKey)).toEqual(['sampleMarkdown', 'sampleImageMsg', 'sampleFile'])
    expect(fake.sends.every((s) => s.openConversationId === CID)).toBe(true)
    const md = fake.sends[0]!.msgParam as { title: string; text: string }
    expect(md.title).toBe('Andy 周报 2026-W47')
    expect(md.text).toContain('上周（11-16 至 11-22）')
    expect(md.text).not.toContain('统计 导出')
    expect(fake.uploads.map((u) => [u.type, u.fileName])).toEqual([
      ['image', 'Andy周报-2026-W47.png'],
      ['file', '使用统计_2026-11-16_2026-11-22.xlsx'],
    ])
    expect(fake.uploads[0]!.bytes.subarray(1, 4).toString('ascii')).toBe('PNG')
    expect(fake.sends[2]!.msgParam).toMatchObject({ mediaId: fake.uploads[1]!.mediaId, fileType: 'xlsx' })

    // Restart: a new process (new connection, new scheduler) on the same database, same week.
    const db2 = openDb(dbPath)
    const h2 = startDigest(options(db2, fixedClock('2026-11-23T03:00:00Z')))
    await h2.idle()
    h2.stop()
    expect(fake.sends).toHaveLength(3)
    expect(listRuns(db2, DIGEST_JOB).map((r) => [r.period, r.status])).toEqual([['2026-W47', 'sent']])
    db2.close()
  })

  it('should schedule the next run at the next cron time in China time', async () => {
    const db = openDb(dbPath)
    const armed: number[] = []
    const timers = {
      setTimeout: ((_: () => void, ms: number) => (armed.push(ms), 1)) as unknown as typeof setTimeout,
      clearTimeout: (() => undefined) as typeof clearTimeout,
    }
    const clock = fixedClock('2026-11-24T02:00:00Z') // Tuesday: this week's digest is due (cron fired Monday 09:00)
    const h = startDigest({ ...options(db, clock), timers })
    await h.idle()
    expect(new Date(h.nextAt()!).toISOString()).toBe('2026-11-30T01:00:00.000Z') // next Monday 09:00 China
    expect(armed.at(-1)).toBe(Date.parse('2026-11-30T01:00:00Z') - clock.now())
    expect(fake.sends).toHaveLength(3) // caught up at start
    h.stop()
    db.close()
  })

  it('should resume a failed run from the first unsent part, without repeating the summary', async () => {
    const db = openDb(dbPath)
    fake.failNext(PATHS.upload, FAULTS.groupDisbanded)
    const first = await runDigest(options(db))
    expect(first).toMatchObject({ period: '2026-W47', outcome: 'failed', sent: ['markdown'] })
    expect(getRun(db, DIGEST_JOB, '2026-W47')!.status).toBe('failed')
    const second = await runDigest(options(db))
    expect(second).toMatchObject({ outcome: 'sent', sent: ['markdown', 'image', 'file'] })
    expect(fake.sends.map((s) => s.msgKey)).toEqual(['sampleMarkdown', 'sampleImageMsg', 'sampleFile'])
    expect(await runDigest(options(db))).toMatchObject({ outcome: 'skipped' })
    db.close()
  })

  it('should take over a run whose process died after claiming, but not one claimed moments ago', async () => {
    const db = openDb(dbPath)
    const now = Date.parse(MONDAY_0905)
    claimRun(db, DIGEST_JOB, '2026-W47', JSON.stringify({ claimedAt: now - 60_000, attempts: 1, sent: [] }))
    expect(await runDigest(options(db))).toMatchObject({ outcome: 'skipped' }) // another process may be sending right now
    expect(fake.sends).toHaveLength(0)
    const later = fixedClock('2026-11-23T01:30:00Z') // 26 minutes after the claim: that process is gone
    expect(await runDigest(options(db, later), Date.parse(MONDAY_0905))).toMatchObject({ outcome: 'sent' })
    expect(fake.sends).toHaveLength(3)
    db.close()
  })
})
