import { describe, expect, it } from 'vitest'
import { GIVE_UP_APOLOGY } from '../../src/app.js'
import type { InboundEnvelope } from '../../src/core/message.js'
import { openDb } from '../../src/db/client.js'
import { getInbound, insertInbound, markProcessing } from '../../src/db/inbox.js'
import { markPartSent, partsOf, upsertPart } from '../../src/db/outbox.js'
import { LocalReplier, localEnvelope } from '../../src/transport/local.js'
import { loadFixtures } from '../helpers/fixtures.js'
import { createTestApp } from '../helpers/test-app.js'

/** Inbox status, attempts and resumption: what `andy start` does with messages a previous run left behind. */

function stored(msgId: string, text = '央企 客户案例', user = 'u1'): InboundEnvelope {
  const message = {
    msgId,
    msgtype: 'text',
    text: { content: text },
    conversationId: `cid-${user}`,
    conversationType: '1',
    senderStaffId: user,
    senderCorpId: 'corp',
    sessionWebhook: 'http://127.0.0.1:9/x',
  }
  return { source: 'stream', robotCode: 'robot-1', message, raw: JSON.stringify(message) }
}

function seededDb() {
  const db = openDb(':memory:')
  loadFixtures(db)
  return db
}

describe('resuming unfinished messages', () => {
  it('re-handles an interrupted message, and gives a poison message up after ANDY_MAX_ATTEMPTS with one apology', async () => {
    const db = seededDb()
    // A previous process started 'poison' three times and died each time, after delivering part 1 once.
    const poison = insertInbound(db, stored('poison', '央企 客户案例', 'p'), 1).id
    for (let i = 0; i < 3; i++) markProcessing(db, poison, 2 + i)
    const p1 = upsertPart(db, poison, {
      no: 1,
      key: 'robot-1/poison:1',
      kind: 'markdown',
      title: 't',
      body: 'first part',
    })
    markPartSent(db, p1.id, 'webhook', 5)
    // 'interrupted' was started once; 'waiting' never started.
    const interrupted = insertInbound(db, stored('interrupted', '外企 案例', 'i'), 1).id
    markProcessing(db, interrupted, 2)
    const waiting = insertInbound(db, stored('waiting', '银行 打单方案', 'w'), 1).id

    const replier = new LocalReplier()
    const t = createTestApp({ db, repliers: { stream: replier } })
    expect(await t.app.resumeUnfinished()).toBe(3)
    expect(await t.app.idle(60_000)).toBe(true)

    const poisonParts = replier.parts.filter((p) => p.target.msgId === 'poison')
    expect(poisonParts.map((p) => [p.part.key, p.part.body])).toEqual([['robot-1/poison:2', GIVE_UP_APOLOGY]])
    expect(getInbound(db, poison)).toMatchObject({ status: 'failed', attempts: 3 })
    expect(getInbound(db, poison)!.last_error).toMatch(/^gave up after 3 attempts/)
    expect(partsOf(db, poison).map((p) => p.status)).toEqual(['sent', 'sent'])

    expect(getInbound(db, interrupted)).toMatchObject({ status: 'replied', attempts: 2, last_error: null })
    expect(getInbound(db, waiting)).toMatchObject({ status: 'replied', attempts: 1 })
    expect(replier.parts.find((p) => p.target.msgId === 'interrupted')!.part.body).toContain('上海安盛人寿保险有限公司')
    const usage = db.sqlite.prepare(`SELECT msg_id, status FROM usage_records ORDER BY msg_id`).all()
    expect(usage).toEqual([
      { msg_id: 'interrupted', status: 'ok' },
      { msg_id: 'poison', status: 'failed' },
      { msg_id: 'waiting', status: 'ok' },
    ])
  })

  it('honours a higher ANDY_MAX_ATTEMPTS', async () => {
    const db = seededDb()
    const id = insertInbound(db, stored('thrice'), 1).id
    for (let i = 0; i < 3; i++) markProcessing(db, id, 2)
    const t = createTestApp({ db, env: { ANDY_MAX_ATTEMPTS: '5' }, repliers: { stream: new LocalReplier() } })
    await t.app.resumeUnfinished()
    await t.app.idle(60_000)
    expect(getInbound(db, id)).toMatchObject({ status: 'replied', attempts: 4 })
  })

  it('resumes a backlog larger than one page', async () => {
    const db = seededDb()
    const n = 1205
    db.sqlite.exec('BEGIN')
    for (let i = 0; i < n; i++) insertInbound(db, localEnvelope('外企 案例', { nick: `n${i % 40}` }, i), i)
    db.sqlite.exec('COMMIT')
    const t = createTestApp({ db })
    expect(await t.app.resumeUnfinished()).toBe(n)
    expect(await t.app.idle(60_000)).toBe(true)
    const left = db.sqlite.prepare(`SELECT count(*) AS n FROM inbound_messages WHERE status != 'replied'`).get() as {
      n: number
    }
    expect(left.n).toBe(0)
    expect(t.local.parts).toHaveLength(n)
  })
})

describe('stop()', () => {
  it('lets the running message finish and leaves queued ones in the inbox for the next start', async () => {
    const db = seededDb()
    const t = createTestApp({ db, env: { ANDY_MAX_CONCURRENCY: '1' } })
    t.app.router.handle('pitch', async (ctx) => {
      await new Promise((r) => setTimeout(r, 300))
      await ctx.reply('slow pitch answer')
    })
    const user = { nick: '慢', staffId: 'slow' }
    const running = await t.app.accept(localEnvelope('/打单 银行', user, 1))
    const queued = await Promise.all([
      t.app.accept(localEnvelope('外企 案例', user, 2)),
      t.app.accept(localEnvelope('央企 案例', { nick: '别人', staffId: 'other' }, 3)),
    ])
    // Event-driven: stop once the first message is running (a fixed pause is too short on a loaded machine).
    while (getInbound(db, running.inboxId)!.status !== 'processing') await new Promise((r) => setTimeout(r, 5))
    expect(await t.app.stop(60_000)).toBe(true)
    await expect(t.app.accept(localEnvelope('late', user, 4))).rejects.toThrow(/shutting down/)
    expect(getInbound(db, running.inboxId)).toMatchObject({ status: 'replied' })
    for (const q of queued) expect(getInbound(db, q.inboxId)).toMatchObject({ status: 'received', attempts: 0 })
    expect(t.local.parts.map((p) => p.part.body)).toEqual(['slow pitch answer'])

    const next = createTestApp({ db })
    expect(await next.app.resumeUnfinished()).toBe(2)
    await next.app.idle(60_000)
    for (const q of queued) expect(getInbound(db, q.inboxId)!.status).toBe('replied')
  })

  it('reports an unfinished grace period and keeps the message unfinished', async () => {
    const db = seededDb()
    const t = createTestApp({ db })
    let release!: () => void
    t.app.router.handle('pitch', () => new Promise<void>((r) => (release = r)))
    const { inboxId } = await t.app.accept(localEnvelope('/打单 银行', { nick: 'x' }, 1))
    while (getInbound(db, inboxId)!.status !== 'processing') await new Promise((r) => setTimeout(r, 5))
    expect(await t.app.stop(100)).toBe(false)
    expect(getInbound(db, inboxId)).toMatchObject({ status: 'processing', attempts: 1 })
    release()
    await t.app.idle(60_000)
  })
})
