import { createHmac } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { type E2eBot, e2eBot } from '../helpers/e2e-bot.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'

/**
 * `andy start` (startBot) when DingTalk is unreachable: the HTTP API listens first and stays up, /healthz
 * answers 503 with the stream's state and last error while the stream reconnects in the background, and
 * the bot answers once DingTalk is back. With DINGTALK_RECEIVE_MODE=http no stream is opened at all.
 */

const APP_KEY = 'a'.repeat(16) + '0123456789abcdef'

let harness: E2eBot | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

async function getJson(url: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url)
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

describe('andy start while DingTalk is unreachable', () => {
  it('serves the HTTP API at once, reports the stream on /healthz with 503, and connects when DingTalk is back', async () => {
    harness = await e2eBot({ env: { HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', API_APP_KEY: APP_KEY } })
    const e = harness
    e.gateway.refuseOpens(true, 'reset') // every connections/open fails at the socket: DingTalk is unreachable
    const { bot } = await e.start({ waitForStreamMs: undefined })
    const base = `http://127.0.0.1:${bot.http!.port}`

    // The gateway was tried (and is being retried) while HTTP already answers.
    await expect.poll(() => e.gateway.openCalls, { timeout: 20_000 }).toBeGreaterThanOrEqual(2)
    const health = await getJson(`${base}/healthz`)
    expect(health.status).toBe(503)
    expect(['connecting', 'backoff']).toContain(health.json.stream)
    expect(String(health.json.stream_error)).toMatch(/connections\/open/)
    expect(health.json.db).toBe('ok')

    const list = await getJson(`${base}/api/ANrkhCaseDetail?app_key=${APP_KEY}&perpage=2`)
    expect(list.status).toBe(200)
    expect(list.json.ret).toBe(200)
    expect((list.json.data as { zong_shu: number }).zong_shu).toBeGreaterThan(0)

    e.gateway.refuseOpens(false)
    await bot.transport!.waitUntilConnected(30_000)
    const healthy = await getJson(`${base}/healthz`)
    expect(healthy.status).toBe(200)
    expect(healthy.json).toMatchObject({ status: 'ok', stream: 'connected' })
    expect(healthy.json.stream_error).toBeUndefined()

    await e.gateway.sendRobotMessage(
      robotTextPayload({ text: '央企 客户案例', sessionWebhook: e.sink.url('/robot/sendBySession?session=back') }),
    )
    await e.sink.waitFor(1)
    expect(JSON.stringify(e.sink.requests[0]!.body)).toContain('内容客户案例')
  })
})

describe('DINGTALK_RECEIVE_MODE=http', () => {
  it('opens no stream, is healthy without one, and answers signed HTTP callbacks', async () => {
    harness = await e2eBot({
      env: { HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', API_APP_KEY: APP_KEY, DINGTALK_RECEIVE_MODE: 'http' },
    })
    const e = harness
    const { bot } = await e.start()
    expect(bot.transport).toBeUndefined()
    const base = `http://127.0.0.1:${bot.http!.port}`
    const health = await getJson(`${base}/healthz`)
    expect(health).toMatchObject({ status: 200, json: { status: 'ok', stream: 'disabled' } })

    const ts = String(Date.now())
    const sign = createHmac('sha256', e.env.DINGTALK_CLIENT_SECRET!)
      .update(`${ts}\n${e.env.DINGTALK_CLIENT_SECRET!}`)
      .digest('base64')
    const payload = robotTextPayload({
      text: '央企 客户案例',
      sessionWebhook: e.sink.url('/robot/sendBySession?session=cb'),
    })
    const res = await fetch(`${base}/dingtalk/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', timestamp: ts, sign },
      body: JSON.stringify(payload),
    })
    expect(await res.json()).toEqual({ msgtype: 'empty' })
    await e.sink.waitFor(1)
    expect(JSON.stringify(e.sink.requests[0]!.body)).toContain('内容客户案例')
    expect(e.gateway.openCalls).toBe(0)
  })
})
