import { afterEach, describe, expect, it } from 'vitest'
import { getInbound } from '../../src/db/inbox.js'
import { type E2eBot, e2eBot, msgUuidOf, sleep } from '../helpers/e2e-bot.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'

/**
 * Exactly-once replies through the real stream client, the fake gateway and a loopback webhook sink:
 * redeliveries, restarts, several robots, and a burst. A reply is identified by its msgUuid
 * (robotCode/msgId:part), the idempotency key Andy puts on every part.
 */

let env: E2eBot | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

const countByUuid = (e: E2eBot): Map<string, number> => {
  const m = new Map<string, number>()
  for (const r of e.sink.requests) m.set(msgUuidOf(r.body), (m.get(msgUuidOf(r.body)) ?? 0) + 1)
  return m
}

describe('exactly one reply per message', () => {
  it('answers once when a message is delivered again at once, after 1 s and after a restart', async () => {
    env = await e2eBot()
    const e = env
    const first = await e.start()
    const payloads = ['央企 客户案例', '银行 打单方案', '外企 案例'].map((text, i) =>
      robotTextPayload({
        text,
        msgId: `triple-${i}`,
        senderStaffId: `rep${i}`,
        conversationId: `cid-triple-${i}`,
        sessionWebhook: e.sink.url(`/s/${i}`),
      }),
    )
    // Immediately: the same frame twice in a row (as DingTalk does when an ack is slow).
    const acks = await Promise.all(
      payloads.flatMap((p) => [e.gateway.sendRobotMessage(p), e.gateway.sendRobotMessage(p)]),
    )
    expect(acks.every((a) => a.frame.code === 200)).toBe(true)
    await e.sink.waitFor(3)
    await sleep(1000)
    for (const p of payloads) expect((await e.gateway.sendRobotMessage(p)).frame.code).toBe(200)
    await first.bot.app.idle(60_000)
    await e.stop(first)

    const second = await e.start()
    for (const p of payloads) expect((await e.gateway.sendRobotMessage(p)).frame.code).toBe(200)
    await second.bot.app.idle(60_000)
    await sleep(200)

    expect(e.sink.requests).toHaveLength(3)
    expect([...countByUuid(e).keys()].sort()).toEqual([
      'dingfakeclientid/triple-0:1',
      'dingfakeclientid/triple-1:1',
      'dingfakeclientid/triple-2:1',
    ])
    const rows = second.db.sqlite
      .prepare(`SELECT status, attempts FROM inbound_messages WHERE msg_id LIKE 'triple-%'`)
      .all()
    expect(rows).toEqual([
      { status: 'replied', attempts: 1 },
      { status: 'replied', attempts: 1 },
      { status: 'replied', attempts: 1 },
    ])
    expect(second.bot.transport!.stats().duplicates).toBe(3)
  })

  it('lets each of two robots in one group answer the same msgId once', async () => {
    env = await e2eBot()
    const e = env
    const { bot } = await e.start()
    const base = {
      text: '制造业 客户案例',
      msgId: 'shared-msg-1',
      conversationType: '2' as const,
      conversationId: 'cid-two-robots',
      sessionWebhook: e.sink.url('/group'),
    }
    const a = robotTextPayload({ ...base, robotCode: 'robotA' })
    const b = robotTextPayload({ ...base, robotCode: 'robotB' })
    for (const p of [a, b, a, b]) expect((await e.gateway.sendRobotMessage(p)).frame.code).toBe(200)
    await e.sink.waitFor(2)
    await bot.app.idle(60_000)
    await sleep(200)
    expect([...countByUuid(e).entries()].sort()).toEqual([
      ['robotA/shared-msg-1:1', 1],
      ['robotB/shared-msg-1:1', 1],
    ])
  })

  it('answers a burst of 500 messages from 50 users once each, in order per user, acking before replying', async () => {
    env = await e2eBot()
    const e = env
    const { bot, db } = await e.start()
    const texts = ['央企 客户案例', '制造业 案例', '银行 打单方案', '金融 案例', '外企 案例']
    const sends = []
    for (let i = 0; i < 10; i++) {
      for (let u = 0; u < 50; u++) {
        const msgId = `burst-u${u}-m${i}`
        const payload = robotTextPayload({
          text: texts[(u + i) % texts.length]!,
          msgId,
          conversationType: '1',
          conversationId: `cid-user-${u}`,
          senderStaffId: `user${u}`,
          sessionWebhook: e.sink.url(`/u/${u}`),
        })
        sends.push(e.gateway.sendRobotMessage(payload, { messageId: `frame-${msgId}` }))
      }
    }
    const acks = await Promise.all(sends)
    expect(acks.every((a) => a.frame.code === 200)).toBe(true)
    await e.sink.waitFor(500)
    await bot.app.idle(60_000)
    await sleep(200)

    const counts = countByUuid(e)
    expect(e.sink.requests).toHaveLength(500)
    expect(counts.size).toBe(500)
    // Each user's replies arrive in the order the user sent the messages.
    for (let u = 0; u < 50; u++) {
      const order = e.sink.requests
        .filter((r) => r.path === `/u/${u}`)
        .map((r) => Number(/-m(\d+):1$/.exec(msgUuidOf(r.body))![1]))
      expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    }
    // Store-then-ack: every frame's ack reached the gateway before the reply to it reached the sink.
    const ackAt = new Map(e.gateway.acks.map((a) => [a.messageId, a.at]))
    for (const r of e.sink.requests) {
      const msgId = /\/(burst-[^:]+):1$/.exec(msgUuidOf(r.body))![1]!
      expect(ackAt.get(`frame-${msgId}`)!).toBeLessThanOrEqual(r.at)
    }
    const n = db.sqlite
      .prepare(`SELECT count(*) AS n FROM inbound_messages WHERE status = 'replied' AND msg_id LIKE 'burst-%'`)
      .get() as { n: number }
    expect(n.n).toBe(500)
    expect(getInbound(db, 1)!.attempts).toBe(1)
  })
})
