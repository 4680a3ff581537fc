import { afterEach, describe, expect, it } from 'vitest'
import { type E2eBot, e2eBot } from '../helpers/e2e-bot.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'

/**
 * The stream bot as `andy start` runs it (startBot), with the real dingtalk-stream client against a
 * fake gateway on loopback and replies going to a loopback webhook sink.
 */

let harness: E2eBot | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

async function setup() {
  harness = await e2eBot()
  const h = harness
  return {
    gateway: h.gateway,
    sink: h.sink,
    start: () => h.start(),
    stop: (x: Awaited<ReturnType<E2eBot['start']>>) => h.stop(x),
  }
}

describe('andy start (stream bot)', () => {
  it('acks a robot message, then replies with the matching cases through the sessionWebhook', async () => {
    const { gateway, sink, start } = await setup()
    const { bot } = await start()
    const payload = robotTextPayload({
      text: '制造业 5000人以上 国企 的客户案例',
      senderStaffId: 'rep001',
      sessionWebhook: sink.url('/robot/sendBySession?session=s1'),
    })
    const ack = await gateway.sendRobotMessage(payload)
    expect(ack.frame.code).toBe(200)
    await sink.waitFor(1)
    const body = sink.requests[0]!.body as {
      msgtype: string
      markdown: { title: string; text: string }
      at: { atUserIds: string[] }
    }
    expect(body.msgtype).toBe('markdown')
    expect(body.markdown.text).toContain('内容客户案例：找到 2 条')
    expect(body.markdown.text).toContain('中国宏达重工集团有限公司')
    expect(body.markdown.text).toContain('江苏恒远汽车零部件集团')
    expect(body.markdown.text.startsWith('@rep001 ')).toBe(true)
    expect(body.at.atUserIds).toEqual(['rep001'])
    expect(bot.transport!.stats().accepted).toBe(1)
  })

  it('never replies twice to a redelivered msgId, also after a restart on the same database', async () => {
    const { gateway, sink, start, stop } = await setup()
    const first = await start()
    const payload = robotTextPayload({ text: '央企 客户案例', sessionWebhook: sink.url() })
    await gateway.sendRobotMessage(payload)
    await sink.waitFor(1)
    await gateway.sendRobotMessage(payload) // redelivery: acked again, no work
    await first.bot.app.idle(60_000)
    expect(sink.requests).toHaveLength(1)

    await stop(first)
    await start()
    const ack = await gateway.sendRobotMessage(payload)
    expect(ack.frame.code).toBe(200)
    await new Promise((r) => setTimeout(r, 500))
    expect(sink.requests).toHaveLength(1)
  })

  it('logs and survives malformed frames, and keeps answering', async () => {
    const { gateway, sink, start } = await setup()
    await start()
    gateway.sendRaw('this is not json')
    gateway.sendRaw(JSON.stringify({ type: 'CALLBACK' }))
    await gateway.sendRobotMessage({ msgtype: 'text' }) // robot payload without msgId: acked and dropped
    await gateway.sendRobotMessage(robotTextPayload({ text: '外企 案例', sessionWebhook: sink.url() }))
    await sink.waitFor(1)
    expect((sink.requests[0]!.body as { markdown: { text: string } }).markdown.text).toContain(
      '上海安盛人寿保险有限公司',
    )
  })
})
