import { afterEach, describe, expect, it } from 'vitest'
import { type E2eBot, e2eBot, FAST_TUNING, msgUuidOf, sleep, until } from '../helpers/e2e-bot.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'

/**
 * The whole bot (startBot) through gateway faults: a `disconnect` frame, an abrupt drop, a zombie
 * connection and refused opens. It must reconnect with back-off (the open calls are counted: no storm)
 * and answer every message sent meanwhile exactly once. DingTalk keeps unacked messages and pushes
 * them again on the next connection; the fake gateway holds a message until a live connection exists.
 */

let env: E2eBot | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

describe('connection faults', () => {
  it('reconnects after disconnect, drop, zombie and refused opens, and loses no message', async () => {
    env = await e2eBot({ env: { ANDY_LIVENESS_TIMEOUT_MS: '1200' } })
    const e = env
    const { bot } = await e.start()
    const transport = bot.transport!
    const send = (n: number) =>
      e.gateway.sendRobotMessage(
        robotTextPayload({
          text: '央企 客户案例',
          msgId: `fault-${n}`,
          senderStaffId: `rep${n}`,
          conversationId: `cid-fault-${n}`,
          sessionWebhook: e.sink.url(),
        }),
        {},
      )
    expect(e.gateway.openCalls).toBe(1)

    // 1. SYSTEM disconnect: a new connection opens at once; a message sent right away goes there.
    const t0 = Date.now()
    await e.gateway.sendDisconnect({ closeAfterMs: 3000 })
    const a1 = await send(1)
    expect(a1.connectionId).toBe(e.gateway.connections[1]!.id)
    expect(Date.now() - t0).toBeLessThan(15_000) // only a sanity bound: the gateway itself closes the old one after 3 s
    expect(e.gateway.openCalls).toBe(2)

    // 2. Abrupt drop (no close frame).
    e.gateway.dropConnection()
    await send(2)
    expect(e.gateway.openCalls).toBe(3)

    // 3. Zombie: the socket stays open but the gateway goes silent (drops our acks, answers no ping).
    const zombie = e.gateway.current!
    e.gateway.goSilent(zombie)
    const lostAck = e.gateway.sendRobotMessage(
      robotTextPayload({
        text: '银行 打单方案',
        msgId: 'fault-3',
        senderStaffId: 'rep3',
        conversationId: 'cid-fault-3',
        sessionWebhook: e.sink.url(),
      }),
      { connection: zombie, ackTimeoutMs: 500 },
    )
    await expect(lostAck).rejects.toThrow(/no ack/)
    await until(() => e.gateway.openConnections().some((c) => !c.silent), 'watchdog reconnect')
    // Unacked, so DingTalk pushes it again on the new connection: acked, stored once, answered once.
    const again = await e.gateway.sendRobotMessage(
      robotTextPayload({
        text: '银行 打单方案',
        msgId: 'fault-3',
        senderStaffId: 'rep3',
        conversationId: 'cid-fault-3',
        sessionWebhook: e.sink.url(),
      }),
    )
    expect(again.frame.code).toBe(200)
    await until(() => zombie.closedAt !== undefined, 'zombie socket closed')
    expect(e.gateway.openCalls).toBe(4)

    // 4. The gateway refuses opens for a while: back-off with growing gaps, then recovery.
    e.gateway.refuseOpens(4)
    const before = e.gateway.openCalls
    e.gateway.dropConnection()
    await send(4)
    const opens = e.gateway.openCallLog.slice(before).map((c) => c.at)
    expect(opens).toHaveLength(5) // four refused, one accepted: no storm
    const gaps = opens.slice(1).map((t, i) => t - opens[i]!)
    // Growing gaps: the last wait is the capped back-off (800 ms). A lower bound, with room to spare: load can
    // only delay a timer (comparing with the first gap, which load can stretch too, was flaky).
    expect(gaps[3]!).toBeGreaterThanOrEqual(FAST_TUNING.backoffCapMs! / 2)

    await until(() => e.sink.requests.length >= 4, 'four replies')
    await bot.app.idle(60_000)
    await sleep(200)
    const uuids = e.sink.requests.map((r) => msgUuidOf(r.body)).sort()
    expect(uuids).toEqual([
      'dingfakeclientid/fault-1:1',
      'dingfakeclientid/fault-2:1',
      'dingfakeclientid/fault-3:1',
      'dingfakeclientid/fault-4:1',
    ])
    // One live connection, nothing leaked.
    await until(() => e.gateway.openConnections().length === 1, 'old sockets closed')
    expect(transport.state()).toBe('connected')
    expect(transport.resources().sockets).toBe(1)
  })
})
