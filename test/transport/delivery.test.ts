import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DeliveryError, type DeliveryTarget, type OutboundPart } from '../../src/core/delivery.js'
import { createLogger } from '../../src/logger.js'
import { DeliveryRouter, type DeliveryRouterOptions } from '../../src/transport/delivery.js'
import { DingtalkApi } from '../../src/transport/dingtalk-api.js'
import { FAULTS, FakeOpenApi, PATHS } from '../helpers/fake-openapi.js'
import { WebhookSink } from '../helpers/webhook-sink.js'

let fake: FakeOpenApi
let sink: WebhookSink
let lines: string[]
const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(s) } })

beforeEach(async () => {
  ;[fake, sink] = await Promise.all([FakeOpenApi.start(), WebhookSink.start()])
  lines = []
})
afterEach(async () => {
  await Promise.all([fake.close(), sink.close()])
})

function makeApi(): DingtalkApi {
  return new DingtalkApi({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    apiBase: fake.base,
    oapiBase: fake.base,
    logger,
    retry: { baseMs: 20, maxMs: 80 },
  })
}

function makeRouter(over: Partial<DeliveryRouterOptions> = {}): DeliveryRouter {
  return new DeliveryRouter({
    api: makeApi(),
    logger,
    // Wide, so a slow loopback answer on a busy machine is not taken for a timeout; the timeout test sets 300 ms.
    webhook: { timeoutMs: 10_000 },
    retryBaseMs: 20,
    retryMaxMs: 50,
    ...over,
  })
}

const HOUR = 3600_000
function target(over: Partial<DeliveryTarget> = {}): DeliveryTarget {
  return {
    msgId: 'msg1',
    robotCode: 'dingrobot',
    conversationId: 'cidGroup1',
    conversationType: '2',
    senderStaffId: 'staff1',
    senderNick: '王经理',
    sessionWebhook: sink.url('/robot/sendBySession?session=s3cr3t'),
    sessionWebhookExpiredTime: Date.now() + 1.5 * HOUR,
    ...over,
  }
}
function part(no = 1, over: Partial<OutboundPart> = {}): OutboundPart {
  return {
    no,
    key: `msg1:${no}`,
    kind: 'markdown',
    title: '案例',
    body: `@staff1 找到 3 个案例（第${no}部分）`,
    atUserIds: ['staff1'],
    ...over,
  }
}

async function deliveryError(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DeliveryError)
  return err as DeliveryError
}

describe('DeliveryRouter markdown', () => {
  it('should use a valid sessionWebhook and leave the OpenAPI alone', async () => {
    const res = await makeRouter().deliver(target(), part())
    expect(res).toEqual({ channel: 'webhook' })
    expect(sink.requests).toHaveLength(1)
    expect(sink.requests[0]!.body).toMatchObject({
      msgtype: 'markdown',
      markdown: { title: '案例', text: '@staff1 找到 3 个案例（第1部分）' },
      at: { atUserIds: ['staff1'] },
    })
    expect(fake.calls).toHaveLength(0)
  })

  it('should send a group reply through groupMessages/send when the webhook answers 300001, fetching the token once', async () => {
    const router = makeRouter()
    sink.respondNext({ errcode: 300001, errmsg: 'session 不存在' }, 3)
    for (let i = 1; i <= 3; i++) expect(await router.deliver(target(), part(i))).toEqual({ channel: 'openapi' })
    expect(sink.requests).toHaveLength(3) // 300001 is not retried on the webhook
    expect(fake.sends).toHaveLength(3)
    expect(fake.sends[0]).toMatchObject({
      kind: 'group',
      openConversationId: 'cidGroup1',
      robotCode: 'dingrobot',
      msgKey: 'sampleMarkdown',
      msgParam: { title: '案例', text: '@staff1 找到 3 个案例（第1部分）' },
    })
    expect(fake.tokenRequests).toBe(1)
  })

  it('should go straight to the OpenAPI when the message asked for it (seed modelType=openapi)', async () => {
    const res = await makeRouter().deliver(target({ preferOpenApi: true }), part())
    expect(res.channel).toBe('openapi')
    expect(sink.requests).toHaveLength(0)
    expect(fake.sends).toEqual([
      expect.objectContaining({ kind: 'group', openConversationId: 'cidGroup1', msgKey: 'sampleMarkdown' }),
    ])
  })

  it('should send a direct reply through oToMessages/batchSend with the sender staff id', async () => {
    sink.respondNext({ errcode: 300001, errmsg: 'session 不存在' })
    const res = await makeRouter().deliver(target({ conversationType: '1', conversationId: 'cidDirect' }), part())
    expect(res.channel).toBe('openapi')
    expect(fake.sends).toEqual([
      expect.objectContaining({ kind: 'oto', userIds: ['staff1'], msgKey: 'sampleMarkdown' }),
    ])
    expect(fake.count(PATHS.group)).toBe(0)
  })

  it('should retry a webhook 500 and then fall back to the OpenAPI', async () => {
    sink.respondNext({ status: 500 }, 2)
    expect((await makeRouter().deliver(target(), part())).channel).toBe('openapi')
    expect(sink.requests).toHaveLength(2)
    expect(fake.sends).toHaveLength(1)
  })

  it('should stay on the webhook when a retry succeeds', async () => {
    sink.respondNext({ status: 502 })
    expect((await makeRouter().deliver(target(), part())).channel).toBe('webhook')
    expect(sink.requests).toHaveLength(2)
    expect(fake.calls).toHaveLength(0)
  })

  it('should fall back to the OpenAPI when the webhook times out', async () => {
    sink.respondNext({ delayMs: 30_000 }, 2)
    const started = Date.now()
    expect(
      (await makeRouter({ webhookAttempts: 1, webhook: { timeoutMs: 300 } }).deliver(target(), part())).channel,
    ).toBe('openapi')
    expect(Date.now() - started).toBeLessThan(20_000) // the webhook would have answered after 30 s
    expect(fake.sends).toHaveLength(1)
  })

  it('should go straight to the OpenAPI when the message is older than its webhook expiry (or within the margin)', async () => {
    const now = 5_000_000
    const router = makeRouter({ clock: { now: () => now } })
    await router.deliver(target({ sessionWebhookExpiredTime: now - 1 }), part(1))
    await router.deliver(target({ sessionWebhookExpiredTime: now + 4 * 60_000 }), part(2))
    expect(await router.deliver(target({ sessionWebhookExpiredTime: now + 6 * 60_000 }), part(3))).toEqual({
      channel: 'webhook',
    })
    expect(fake.sends.map((s) => s.msgParam.text)).toEqual([
      '@staff1 找到 3 个案例（第1部分）',
      '@staff1 找到 3 个案例（第2部分）',
    ])
    expect(sink.requests).toHaveLength(1)
  })

  it('should never log the webhook URL', async () => {
    sink.respondNext({ status: 500 }, 2)
    await makeRouter().deliver(target(), part())
    const log = lines.join('')
    expect(log).toContain('sessionWebhook failed')
    expect(log).not.toContain('s3cr3t')
  })
})

describe('DeliveryRouter failures', () => {
  it('should throw a permanent DeliveryError without a retry storm', async () => {
    sink.respondNext({ errcode: 300001 })
    fake.failNext(PATHS.group, FAULTS.groupDisbanded, 10)
    const err = await deliveryError(makeRouter().deliver(target(), part()))
    expect(err).toMatchObject({ permanent: true, code: 'group.disbanded' })
    expect(fake.count(PATHS.group)).toBe(1)
    expect(sink.requests).toHaveLength(1)
  })

  it('should throw a transient DeliveryError once OpenAPI retries are exhausted', async () => {
    fake.failNext(PATHS.group, FAULTS.serverError, 10)
    const err = await deliveryError(
      makeRouter().deliver(target({ sessionWebhookExpiredTime: Date.now() - HOUR }), part()),
    )
    expect(err).toMatchObject({ permanent: false, code: 'system.error' })
    expect(fake.count(PATHS.group)).toBe(3)
  })

  it('should explain what is missing when there are no OpenAPI credentials', async () => {
    const router = makeRouter({ api: undefined })
    sink.respondNext({ errcode: 300001 })
    expect(await deliveryError(router.deliver(target(), part()))).toMatchObject({
      permanent: true,
      code: 'session_expired',
    })
    expect(
      await deliveryError(router.deliver(target({ sessionWebhookExpiredTime: Date.now() - 1 }), part())),
    ).toMatchObject({ permanent: true, code: 'no_channel' })
    expect(
      await deliveryError(
        router.deliver(
          target(),
          part(2, { kind: 'file', body: JSON.stringify({ mediaId: '@lA1', fileName: 'a.xlsx' }) }),
        ),
      ),
    ).toMatchObject({ permanent: true, code: 'no_openapi' })
    expect(fake.calls).toHaveLength(0)
  })

  it('should refuse a direct OpenAPI reply without a staff id', async () => {
    const err = await deliveryError(
      makeRouter().deliver(
        target({ conversationType: '1', senderStaffId: undefined, sessionWebhook: undefined }),
        part(),
      ),
    )
    expect(err).toMatchObject({ permanent: true, code: 'no_staff_id' })
    expect(fake.sends).toHaveLength(0)
  })
})

describe('DeliveryRouter files', () => {
  it('should upload a file part and send sampleFile; an image with a mediaId goes out as sampleImageMsg', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'andy-delivery-'))
    try {
      const path = join(dir, 'export.xlsx')
      await writeFile(path, Buffer.from('PK\u0003\u0004 fake xlsx'))
      const router = makeRouter()
      const file = await router.deliver(
        target(),
        part(1, { kind: 'file', title: '导出', body: JSON.stringify({ path, fileName: '案例导出.xlsx' }) }),
      )
      const image = await router.deliver(
        target({ conversationType: '1' }),
        part(2, { kind: 'image', title: '图', body: JSON.stringify({ mediaId: '@lAimage' }) }),
      )
      expect([file.channel, image.channel]).toEqual(['openapi', 'openapi'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    expect(fake.uploads).toEqual([
      expect.objectContaining({
        type: 'file',
        fileName: '案例导出.xlsx',
        bytes: Buffer.from('PK\u0003\u0004 fake xlsx'),
      }),
    ])
    expect(fake.sends[0]).toMatchObject({
      kind: 'group',
      msgKey: 'sampleFile',
      msgParam: { mediaId: fake.uploads[0]!.mediaId, fileName: '案例导出.xlsx', fileType: 'xlsx' },
    })
    expect(fake.sends[1]).toMatchObject({
      kind: 'oto',
      userIds: ['staff1'],
      msgKey: 'sampleImageMsg',
      msgParam: { photoURL: '@lAimage' },
    })
    expect(sink.requests).toHaveLength(0)
  })
})

describe('DeliveryRouter per-conversation limit', () => {
  it('should delay, not drop, messages over the limit and leave other conversations alone', async () => {
    const router = makeRouter({ perConversationLimit: 3, conversationWindowMs: 1500 })
    const started = Date.now()
    const busy = Promise.all(Array.from({ length: 7 }, (_, i) => router.deliver(target(), part(i + 1))))
    const other = await router.deliver(target({ conversationId: 'cidOther' }), part(9))
    const otherAt = Date.now()
    await busy
    const text = (r: { body: unknown }) => (r.body as { markdown: { text: string } }).markdown.text
    const busyAt = sink.requests
      .filter((r) => !text(r).includes('第9部分'))
      .map((r) => r.at)
      .sort((a, b) => a - b)
    expect(other.channel).toBe('webhook')
    expect(busyAt).toHaveLength(7)
    // The other conversation went out before the busy one's 4th part, which had to wait a window.
    expect(otherAt).toBeLessThan(busyAt[3]!)
    // 3 per 1500 ms: parts 4–6 wait one window, part 7 two (lower bounds hold on any machine)
    expect(busyAt[3]! - started).toBeGreaterThanOrEqual(1450)
    expect(busyAt[6]! - started).toBeGreaterThanOrEqual(2950)
  })

  it('should forget idle conversations', async () => {
    const router = makeRouter({ perConversationLimit: 2, conversationWindowMs: 100, maxTrackedConversations: 5 })
    for (let i = 0; i < 5; i++) await router.deliver(target({ conversationId: `cid${i}` }), part(i + 1))
    expect(router.trackedConversations()).toBe(5)
    await new Promise((r) => setTimeout(r, 150))
    await router.deliver(target({ conversationId: 'cidNew' }), part(9))
    expect(router.trackedConversations()).toBe(1)
  })
})
