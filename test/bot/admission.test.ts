import { describe, expect, it } from 'vitest'
import { Admission, FORBIDDEN_TEXT, rateLimitedText } from '../../src/bot/admission.js'
import type { InboundEnvelope, RobotMessage } from '../../src/core/message.js'
import { getInbound } from '../../src/db/inbox.js'
import { LocalReplier } from '../../src/transport/local.js'
import { loadFixtures } from '../helpers/fixtures.js'
import { createTestApp } from '../helpers/test-app.js'

/** Per-user rate limit and the org allow-list, through the app as DingTalk messages reach it. */

function streamApp(env: Record<string, string> = {}) {
  const replies = new LocalReplier()
  const t = createTestApp({ env, repliers: { stream: replies } })
  loadFixtures(t.db)
  return { ...t, replies }
}

let seq = 0
function envelope(m: Omit<Partial<RobotMessage>, 'text'> & { text?: string } = {}): InboundEnvelope {
  const { text = '央企 客户案例', ...rest } = m
  const message = {
    msgId: `adm-${++seq}`,
    msgtype: 'text',
    text: { content: text },
    conversationId: 'cid-1',
    conversationType: '1',
    senderStaffId: 'u1',
    senderNick: '李四',
    senderCorpId: 'corp-home',
    chatbotCorpId: 'corp-home',
    sessionWebhook: 'http://127.0.0.1:9/unused',
    ...rest,
  } as RobotMessage
  return { source: 'stream', robotCode: 'robot-1', message, raw: JSON.stringify(message) }
}

const usage = (db: ReturnType<typeof streamApp>['db']) =>
  db.sqlite.prepare('SELECT msg_id, intent, status FROM usage_records ORDER BY id').all() as Array<{
    msg_id: string
    intent: string
    status: string
  }>

const repliesTo = (r: LocalReplier, user: string) =>
  r.parts.filter((p) => p.target.senderStaffId === user).map((p) => p.part.body)

describe('per-user rate limit', () => {
  it('answers the first excess message once, records every limited one, and serves again after a minute', async () => {
    const t = streamApp({ ANDY_USER_RATE_PER_MIN: '3' })
    const results = []
    for (let i = 0; i < 6; i++) {
      results.push(await t.app.handleNow(envelope()))
      t.clock.advance(1000)
    }
    expect(results.map((r) => r.intent)).toEqual([
      'case',
      'case',
      'case',
      'rate_limited',
      'rate_limited',
      'rate_limited',
    ])
    const bodies = repliesTo(t.replies, 'u1')
    expect(bodies).toHaveLength(4) // three answers and one notice: no reply storm
    expect(bodies[3]).toBe(rateLimitedText(3))
    expect(usage(t.db).map((u) => u.status)).toEqual(['ok', 'ok', 'ok', 'rejected', 'rejected', 'rejected'])
    expect(getInbound(t.db, results[4]!.inboxId)).toMatchObject({
      status: 'skipped',
      intent: 'rate_limited',
      last_error: 'rate_limited',
    })

    // Another user is not affected.
    expect((await t.app.handleNow(envelope({ senderStaffId: 'u2', conversationId: 'cid-2' }))).intent).toBe('case')
    // A minute after the first messages, u1 is served again.
    t.clock.advance(60_000)
    const again = await t.app.handleNow(envelope())
    expect(again.intent).toBe('case')
    expect(again.status).toBe('ok')
  })

  it('counts a sender across conversations and never limits the local terminal', async () => {
    const t = streamApp({ ANDY_USER_RATE_PER_MIN: '2' })
    await t.app.handleNow(envelope({ conversationId: 'a' }))
    await t.app.handleNow(envelope({ conversationId: 'b', conversationType: '2' }))
    expect((await t.app.handleNow(envelope({ conversationId: 'c' }))).intent).toBe('rate_limited')
    for (let i = 0; i < 5; i++) expect((await t.ask('央企 客户案例')).intent).toBe('case')
  })
})

describe('ANDY_ALLOWED_CORP_IDS', () => {
  it('refuses other orgs politely, once per conversation per hour, and logs each refusal', async () => {
    const t = streamApp({ ANDY_ALLOWED_CORP_IDS: 'corp-home,corp-sister' })
    const lines: string[] = []
    const logger = t.app.deps.logger
    const spy = logger.warn.bind(logger)
    logger.warn = ((obj: unknown, msg?: string) => {
      lines.push(`${JSON.stringify(obj)} ${msg ?? ''}`)
      return spy(obj as object, msg as string)
    }) as typeof logger.warn
    const outsider = {
      senderStaffId: 'x1',
      senderCorpId: 'corp-other',
      chatbotCorpId: 'corp-home',
      conversationId: 'cid-ext',
      conversationType: '2',
    }
    const first = await t.app.handleNow(envelope(outsider))
    const second = await t.app.handleNow(envelope({ ...outsider, text: '再问一次' }))
    expect(first).toMatchObject({ intent: 'forbidden', status: 'rejected' })
    expect(second).toMatchObject({ intent: 'forbidden', status: 'rejected' })
    expect(repliesTo(t.replies, 'x1')).toEqual([`@x1 ${FORBIDDEN_TEXT}`])
    expect(getInbound(t.db, second.inboxId)).toMatchObject({ status: 'skipped', intent: 'forbidden' })
    expect(lines.filter((l) => l.includes('message refused') && l.includes('corp-other'))).toHaveLength(2)
    expect(usage(t.db).filter((u) => u.intent === 'forbidden')).toHaveLength(2)
    // An hour later the conversation is told again.
    t.clock.advance(3_600_000)
    await t.app.handleNow(envelope(outsider))
    expect(repliesTo(t.replies, 'x1')).toHaveLength(2)

    // Members of listed orgs are served; the handler never ran for the outsiders.
    expect((await t.app.handleNow(envelope({ senderCorpId: 'corp-sister' }))).intent).toBe('case')
    expect((await t.app.handleNow(envelope())).intent).toBe('case')
  })

  it('judges a message without senderCorpId by the robot org only when the sender has a staff id', async () => {
    const t = streamApp({ ANDY_ALLOWED_CORP_IDS: 'corp-home' })
    expect((await t.app.handleNow(envelope({ senderCorpId: undefined }))).intent).toBe('case')
    const anon = await t.app.handleNow(
      envelope({
        senderCorpId: undefined,
        senderStaffId: undefined,
        senderId: '$:LWCP_v1:$ext',
        conversationId: 'cid-x',
      }),
    )
    expect(anon.intent).toBe('forbidden')
  })

  it('still records an org-quota callback from anywhere without answering it', async () => {
    const t = streamApp({ ANDY_ALLOWED_CORP_IDS: 'corp-home' })
    const e = envelope({
      senderCorpId: undefined,
      senderStaffId: undefined,
      chatbotCorpId: undefined,
      errorCode: 20001,
      errorMessage: 'quota',
    })
    delete (e.message as { text?: unknown }).text
    const r = await t.app.handleNow(e)
    expect(r.intent).toBe('quota')
    expect(t.replies.parts).toHaveLength(0)
  })
})

describe('Admission memory', () => {
  it('stays bounded with 100,000 distinct senders and conversations', () => {
    const a = new Admission({ allowedCorpIds: ['corp-home'], ratePerMin: 20, sweepAbove: 1000 })
    let t = 0
    for (let i = 0; i < 100_000; i++) {
      t += 10 // 100 messages a second
      a.check(
        'stream',
        { msgId: `m${i}`, senderStaffId: `s${i}`, senderCorpId: 'corp-home', conversationId: `c${i}` } as RobotMessage,
        t,
      )
      a.check(
        'stream',
        {
          msgId: `x${i}`,
          senderStaffId: `x${i}`,
          senderCorpId: 'corp-other',
          conversationId: `cx${i}`,
        } as RobotMessage,
        t,
      )
    }
    // About one minute of senders (6,000) is remembered; refused conversations are capped at the sweep size.
    expect(a.size.senders).toBeLessThanOrEqual(2 * 6_000)
    expect(a.size.refusals).toBeLessThanOrEqual(1000)
  })
})

describe('Admission of a message checked again', () => {
  it('gives the first verdict and uses up the rate once (several instances take a message later)', () => {
    const a = new Admission({ allowedCorpIds: [], ratePerMin: 2 })
    const m = (id: string) => ({ msgId: id, senderStaffId: 'u1', conversationId: 'c1' }) as RobotMessage
    expect(a.check('stream', m('one'), 1).ok).toBe(true)
    for (let i = 0; i < 5; i++) expect(a.check('stream', m('one'), 2 + i).ok).toBe(true)
    expect(a.check('stream', m('two'), 10).ok).toBe(true)
    expect(a.check('stream', m('three'), 11).ok).toBe(false)
    expect(a.check('stream', m('three'), 12).ok).toBe(false)
  })
})
