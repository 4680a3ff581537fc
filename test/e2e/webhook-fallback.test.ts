import { afterEach, describe, expect, it } from 'vitest'
import { partsOf } from '../../src/db/outbox.js'
import { type E2eBot, e2eBot, msgUuidOf, sleep, until } from '../helpers/e2e-bot.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'
import { PATHS } from '../helpers/fake-openapi.js'

/**
 * When the sessionWebhook fails — errcode 300001 (session gone), HTTP 500, no answer, or the message is
 * already past sessionWebhookExpiredTime — the reply still arrives, through the robot OpenAPI fake
 * (groupMessages/send for groups, oToMessages/batchSend for 1:1), with one access token fetched and reused.
 */

let env: E2eBot | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

describe('webhook failures fall back to the OpenAPI', () => {
  it('delivers every reply exactly once despite 300001, 500, a timeout and an expired webhook', async () => {
    env = await e2eBot()
    const e = env
    // The timed-out webhook never answers; the healthy one has seconds to spare even on a loaded machine.
    const { bot, db } = await e.start({
      delivery: { webhook: { timeoutMs: 5000 }, webhookAttempts: 1, retryBaseMs: 20, retryMaxMs: 50 },
    })
    e.sink.respondWith = (r) => {
      const id = msgUuidOf(r.body)
      if (id.includes('/wh-expired-session:')) return { errcode: 300001, errmsg: 'session 不存在' }
      if (id.includes('/wh-500:')) return { status: 500 }
      if (id.includes('/wh-timeout:')) return { delayMs: 60_000 }
      return undefined
    }
    const group = (msgId: string, text: string) =>
      robotTextPayload({
        text,
        msgId,
        conversationType: '2',
        conversationId: `cid-${msgId}`,
        senderStaffId: 'rep-g',
        sessionWebhook: e.sink.url(`/${msgId}`),
      })
    const createAt = Date.now() - 2 * 3_600_000
    const messages = [
      group('wh-expired-session', '央企 客户案例'),
      group('wh-500', '银行 打单方案'),
      group('wh-timeout', '外企 案例'),
      // Two hours old: its webhook expired 30 min ago, so Andy does not even try it (1:1 chat → batchSend).
      robotTextPayload({
        text: '制造业 客户案例',
        msgId: 'wh-old',
        conversationType: '1',
        conversationId: 'cid-old',
        senderStaffId: 'rep-old',
        sessionWebhook: e.sink.url('/wh-old'),
        createAt,
        sessionWebhookExpiredTime: createAt + 5_400_000,
      }),
      group('wh-ok', '金融 案例'),
    ]
    for (const m of messages) expect((await e.gateway.sendRobotMessage(m)).frame.code).toBe(200)
    await until(() => e.openapi.sends.length >= 4, 'four OpenAPI sends')
    await bot.app.idle(60_000)
    await sleep(200)

    const groupSends = e.openapi.sends.filter((s) => s.kind === 'group')
    expect(groupSends.map((s) => s.openConversationId).sort()).toEqual([
      'cid-wh-500',
      'cid-wh-expired-session',
      'cid-wh-timeout',
    ])
    for (const s of groupSends) {
      expect(s.msgKey).toBe('sampleMarkdown')
      expect(String(s.msgParam.text)).toMatch(/找到 \d+ 条/)
    }
    const oto = e.openapi.sends.filter((s) => s.kind === 'oto')
    expect(oto).toHaveLength(1)
    expect(oto[0]!.userIds).toEqual(['rep-old'])
    expect(String(oto[0]!.msgParam.text)).toContain('内容客户案例：找到')
    // The healthy one went through the webhook only; the expired one never touched it.
    expect(e.sink.requests.filter((r) => r.path === '/wh-ok')).toHaveLength(1)
    expect(e.sink.requests.filter((r) => r.path === '/wh-old')).toHaveLength(0)
    expect(e.openapi.sends.some((s) => s.openConversationId === 'cid-wh-ok')).toBe(false)
    // One token for all four OpenAPI sends.
    expect(e.openapi.tokenRequests).toBe(1)
    expect(e.openapi.count(PATHS.group) + e.openapi.count(PATHS.oto)).toBe(4)
    // Recorded: each message replied, through the channel that worked.
    const channels = db.sqlite
      .prepare(
        `SELECT m.msg_id, m.status, p.channel FROM inbound_messages m JOIN outbound_parts p ON p.inbound_id = m.id ORDER BY m.msg_id`,
      )
      .all()
    expect(channels).toEqual([
      { msg_id: 'wh-500', status: 'replied', channel: 'openapi' },
      { msg_id: 'wh-expired-session', status: 'replied', channel: 'openapi' },
      { msg_id: 'wh-ok', status: 'replied', channel: 'webhook' },
      { msg_id: 'wh-old', status: 'replied', channel: 'openapi' },
      { msg_id: 'wh-timeout', status: 'replied', channel: 'openapi' },
    ])
    expect(partsOf(db, 1).every((p) => p.status === 'sent')).toBe(true)
  })
})
