import { afterEach, describe, expect, it } from 'vitest'
import { timeoutApology } from '../../src/bot/deadline.js'
import { APOLOGY } from '../../src/bot/router.js'
import { type E2eBot, e2eBot, markdownOf, msgUuidOf, sleep, until } from '../helpers/e2e-bot.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'

/**
 * A handler that throws or hangs, in the running bot: that user gets an apology, everyone else is
 * answered meanwhile (a hung handler holds no scheduler slot past its deadline), the process stays up.
 */

let env: E2eBot | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

describe('handler faults', () => {
  it('apologises for a throwing and a hanging handler without holding up other users', async () => {
    env = await e2eBot({ env: { ANDY_HANDLER_TIMEOUT_MS: '5000', ANDY_MAX_CONCURRENCY: '2' } })
    const e = env
    const { bot, db } = await e.start()
    let abortedSeen: boolean | undefined
    const replyTo = (user: string) => e.sink.requests.filter((r) => r.path === `/${user}`)
    // 打单方案 hangs past the deadline (until its apology went out: an event, not a span of time that load
    // could outlast), then tries to answer anyway; 竞对切换 throws.
    bot.app.router.handle('pitch', async (ctx) => {
      await until(() => replyTo('hang').length >= 1, 'the timeout apology (in the hung handler)')
      abortedSeen = ctx.signal?.aborted
      await ctx.reply('late answer that must never arrive')
    })
    bot.app.router.handle('switch', async () => {
      throw new Error('boom in switch handler')
    })
    const msg = (user: string, text: string, n = 1) =>
      robotTextPayload({
        text,
        msgId: `${user}-${n}`,
        conversationType: '1',
        conversationId: `cid-${user}`,
        senderStaffId: user,
        sessionWebhook: e.sink.url(`/${user}`),
      })
    const t0 = Date.now()
    for (const m of [
      msg('hang', '/打单 银行'),
      msg('throw', '/竞对 制造业'),
      msg('c', '央企 客户案例'),
      msg('d', '外企 案例'),
    ]) {
      expect((await e.gateway.sendRobotMessage(m)).frame.code).toBe(200)
    }

    // The others are answered long before the hung handler's deadline.
    await until(
      () => replyTo('c').length === 1 && replyTo('d').length === 1 && replyTo('throw').length === 1,
      'other users answered',
    )
    expect(markdownOf(replyTo('throw')[0]!.body)).toBe(APOLOGY)
    expect(markdownOf(replyTo('c')[0]!.body)).toContain('找到')
    expect(replyTo('hang')).toHaveLength(0)

    // At the deadline: the apology, and the slot is free again (the same user is answered next).
    await until(() => replyTo('hang').length === 1, 'timeout apology')
    const apologyAt = replyTo('hang')[0]!.at
    expect(apologyAt - t0).toBeGreaterThanOrEqual(5000)
    for (const u of ['c', 'd', 'throw']) expect(replyTo(u)[0]!.at).toBeLessThan(apologyAt)
    expect(markdownOf(replyTo('hang')[0]!.body)).toBe(timeoutApology(5000))
    expect((await e.gateway.sendRobotMessage(msg('hang', '央企 客户案例', 2))).frame.code).toBe(200)
    await until(() => replyTo('hang').length === 2, 'next message of the same user')
    expect(markdownOf(replyTo('hang')[1]!.body)).toContain('找到')

    // The abandoned handler wakes up: its signal is aborted and its late reply is dropped.
    await until(() => abortedSeen !== undefined, 'hung handler woke up')
    expect(abortedSeen).toBe(true)
    await sleep(200)
    expect(e.sink.requests.some((r) => markdownOf(r.body).includes('late answer'))).toBe(false)
    expect(new Set(e.sink.requests.map((r) => msgUuidOf(r.body))).size).toBe(e.sink.requests.length)

    const rows = db.sqlite
      .prepare(`SELECT msg_id, status, attempts, last_error FROM inbound_messages ORDER BY id`)
      .all() as Array<Record<string, unknown>>
    expect(rows.find((r) => r.msg_id === 'hang-1')).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'handler timed out after 5000 ms',
    })
    expect(rows.find((r) => r.msg_id === 'throw-1')).toMatchObject({
      status: 'failed',
      last_error: 'boom in switch handler',
    })
    expect(
      rows
        .filter((r) => r.status === 'replied')
        .map((r) => r.msg_id)
        .sort(),
    ).toEqual(['c-1', 'd-1', 'hang-2'])
    const usage = db.sqlite.prepare(`SELECT msg_id, status, error FROM usage_records WHERE msg_id = 'hang-1'`).all()
    expect(usage).toEqual([{ msg_id: 'hang-1', status: 'failed', error: 'handler timed out after 5000 ms' }])
    expect(bot.transport!.state()).toBe('connected')
    expect(e.logs.some((l) => l.includes('handler timed out') && l.includes('"msgId":"hang-1"'))).toBe(true)
  })
})
