import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.js'
import {
  DingtalkApi,
  DingtalkApiError,
  type DingtalkApiOptions,
  sampleMarkdown,
} from '../../src/transport/dingtalk-api.js'
import { SlidingWindowLimiter } from '../../src/transport/rate-limiter.js'
import { FakeClock } from '../helpers/fake-clock.js'
import { FAULTS, FakeOpenApi, PATHS } from '../helpers/fake-openapi.js'
import { until } from '../helpers/wait.js'

let fake: FakeOpenApi
let lines: string[]

beforeEach(async () => {
  fake = await FakeOpenApi.start()
  lines = []
})
afterEach(async () => {
  await fake.close()
})

function makeApi(over: Partial<DingtalkApiOptions> = {}): DingtalkApi {
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(s) } })
  return new DingtalkApi({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    robotCode: 'dingrobot',
    apiBase: fake.base,
    oapiBase: fake.base,
    logger,
    qpsPerPath: 1000,
    retry: { baseMs: 20, maxMs: 80, qpsWaitMs: 300 },
    ...over,
  })
}

const md = sampleMarkdown('报价', '**客户**：华东制造')
const group = (api: DingtalkApi, i = 0) => api.sendGroup('cidGroup1', md.msgKey, { ...md.msgParam, text: `第${i}条` })

async function rejection(p: Promise<unknown>): Promise<DingtalkApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DingtalkApiError)
  return err as DingtalkApiError
}

describe('DingtalkApi token', () => {
  it('should fetch the token once and reuse it across many sends', async () => {
    const api = makeApi()
    await Promise.all(Array.from({ length: 15 }, (_, i) => group(api, i)))
    for (let i = 0; i < 5; i++) await api.sendToUser('staff7', md.msgKey, md.msgParam)
    expect(fake.tokenRequests).toBe(1)
    const used = new Set(
      fake.calls.filter((c) => c.path !== PATHS.token).map((c) => c.headers['x-acs-dingtalk-access-token']),
    )
    expect([...used]).toEqual([fake.issuedTokens[0]])
    expect(fake.sends).toHaveLength(20)
    expect(fake.sends[0]).toMatchObject({
      kind: 'group',
      robotCode: 'dingrobot',
      openConversationId: 'cidGroup1',
      msgKey: 'sampleMarkdown',
    })
    expect(fake.sends.at(-1)).toMatchObject({
      kind: 'oto',
      userIds: ['staff7'],
      msgParam: { title: '报价', text: '**客户**：华东制造' },
    })
    expect(api.stats()).toMatchObject({
      tokenFetches: 1,
      calls: { [PATHS.group]: 15, [PATHS.oto]: 5, [PATHS.token]: 1 },
    })
  })

  it('should refresh the token about 5 minutes before it expires', async () => {
    let now = 1_000_000
    const api = makeApi({ clock: { now: () => now } })
    await group(api)
    now += (7200 - 360) * 1000 // 6 min left: still cached
    await group(api)
    expect(fake.tokenRequests).toBe(1)
    now += 120_000 // 4 min left: refresh first
    await group(api)
    expect(fake.tokenRequests).toBe(2)
    expect(fake.sends).toHaveLength(3)
  })

  it('should refresh once and retry when a token is rejected, also for concurrent calls', async () => {
    const api = makeApi()
    await group(api)
    fake.expireTokens()
    await Promise.all([group(api, 1), group(api, 2), group(api, 3)])
    expect(fake.tokenRequests).toBe(2)
    expect(fake.sends).toHaveLength(4)
    expect(
      fake
        .callsTo(PATHS.group)
        .map((c) => c.status)
        .filter((s) => s === 400),
    ).toHaveLength(3)
    // legacy oapi answers errcode 40014 with HTTP 200
    fake.expireTokens()
    await api.uploadMedia(Buffer.from('x'), 'a.pdf', 'file')
    expect(fake.tokenRequests).toBe(3)
  })

  it('should not loop when the fresh token is rejected too', async () => {
    const api = makeApi()
    fake.failNext(PATHS.group, FAULTS.invalidAuth, 5)
    const err = await rejection(group(api))
    expect(err).toMatchObject({ code: 'InvalidAuthentication', transient: false, httpStatus: 400 })
    expect(fake.tokenRequests).toBe(2)
    expect(fake.count(PATHS.group)).toBe(2)
  })

  it('should fail clearly on wrong credentials without retrying', async () => {
    const api = makeApi({ clientSecret: 'wrong' })
    const err = await rejection(group(api))
    expect(err.code).toBe('invalidClientIdOrSecret')
    expect(fake.tokenRequests).toBe(1)
    expect(fake.count(PATHS.group)).toBe(0)
  })
})

describe('DingtalkApi retries', () => {
  it('should wait about a second after a QPS 403 and then succeed', async () => {
    const api = makeApi()
    fake.failNext(PATHS.group, FAULTS.qpsLimit)
    await group(api)
    const [first, second] = fake.callsTo(PATHS.group)
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(280) // qpsWaitMs knob: 300
    expect(fake.sends).toHaveLength(1)
  })

  it('should retry 500 twice and succeed on the third attempt', async () => {
    const api = makeApi()
    fake.failNext(PATHS.group, FAULTS.serverError, 2)
    await group(api)
    expect(fake.count(PATHS.group)).toBe(3)
    expect(api.stats()).toMatchObject({ retries: 2, errors: { [PATHS.group]: 2 }, errorCodes: { 'system.error': 2 } })
  })

  it('should retry send.too.fast and a hung request (timeout)', async () => {
    // The token call and the answered sends share this timeout: 2 s leaves them room on a busy machine.
    const api = makeApi({ timeoutMs: 2000 })
    fake.failNext(PATHS.group, FAULTS.sendTooFast)
    fake.failNext(PATHS.group, { hang: true })
    await group(api)
    expect(fake.count(PATHS.group)).toBe(3)
    expect(api.stats().errorCodes).toMatchObject({ 'send.too.fast': 1, timeout: 1 })
  })

  it('should give up after 3 transient failures with a transient error', async () => {
    const api = makeApi()
    fake.failNext(PATHS.group, FAULTS.serverError, 10)
    const err = await rejection(group(api))
    expect(err).toMatchObject({ transient: true, httpStatus: 500, code: 'system.error' })
    expect(fake.count(PATHS.group)).toBe(3)
  })

  it('should not retry permanent errors', async () => {
    const api = makeApi()
    fake.failNext(PATHS.group, FAULTS.groupDisbanded, 5)
    expect(await rejection(group(api))).toMatchObject({ code: 'group.disbanded', transient: false })
    fake.failNext(PATHS.oto, FAULTS.monthlyQuota, 5)
    expect(await rejection(api.sendToUser('s1', md.msgKey, md.msgParam))).toMatchObject({
      code: 'Forbidden.AccessDenied.ApiCountLimitForOrg',
      transient: false,
      httpStatus: 403,
    })
    expect(fake.count(PATHS.group)).toBe(1)
    expect(fake.count(PATHS.oto)).toBe(1)
  })

  it('should resend only to flow-controlled users and reject invalid ones', async () => {
    const api = makeApi()
    fake.flowControlled.set('s2', 1)
    const res = await api.sendToUser(['s1', 's2'], md.msgKey, md.msgParam)
    expect(res.invalidStaffIds).toEqual([])
    expect(fake.sends.map((s) => s.userIds)).toEqual([['s1'], ['s2']])
    fake.invalidStaffIds.add('gone')
    expect(await rejection(api.sendToUser('gone', md.msgKey, md.msgParam))).toMatchObject({
      code: 'invalid_staff_id',
      transient: false,
    })
  })

  it('should refuse a msgParam over 15 000 bytes without a request', async () => {
    const api = makeApi()
    const err = await rejection(api.sendGroup('cid', 'sampleMarkdown', { title: 't', text: '字'.repeat(5100) }))
    expect(err.code).toBe('msg_param_too_long')
    expect(fake.calls).toHaveLength(0)
  })
})

describe('DingtalkApi limiter', () => {
  it('should keep each API path at or under 20 calls per second', async () => {
    // The limiter runs on a fake clock: what is checked is when it lets each call through, not how fast this machine is.
    const clock = new FakeClock()
    const limiter = new SlidingWindowLimiter({ limit: 20, windowMs: 1000, now: clock.now, timers: clock })
    const passed = new Map<string, Array<{ at: number; waited: number }>>()
    const acquire = limiter.acquire.bind(limiter)
    limiter.acquire = async (key: string) => {
      const waited = await acquire(key)
      passed.set(key, [...(passed.get(key) ?? []), { at: clock.now(), waited }])
      return waited
    }
    const api = makeApi({ qpsPerPath: undefined, limiter })
    await api.accessToken()
    let done = false
    const all = Promise.all([
      ...Array.from({ length: 60 }, (_, i) => group(api, i)),
      ...Array.from({ length: 10 }, () => api.sendToUser('s1', md.msgKey, md.msgParam)),
    ]).finally(() => {
      done = true
    })
    // Event-driven: whenever everything that can run has run, move the fake time on by 10 ms.
    while (!done) await clock.advance(10)
    await all
    expect(fake.callsTo(PATHS.group)).toHaveLength(60)
    const groupKey = [...passed.keys()].find((k) => k.includes('groupMessages'))!
    const at = passed
      .get(groupKey)!
      .map((p) => p.at)
      .sort((a, b) => a - b)
    expect(at).toHaveLength(60)
    for (let i = 0; i + 20 < at.length; i++) expect(at[i + 20]! - at[i]!).toBeGreaterThanOrEqual(1000)
    expect(at.at(-1)! - at[0]!).toBeGreaterThanOrEqual(2000)
    // another API is not held up by a saturated one
    const otoKey = [...passed.keys()].find((k) => k.includes('oToMessages'))!
    expect(passed.get(otoKey)!.map((p) => p.waited)).toEqual(Array(10).fill(0))
    expect(api.stats().limiterWaits).toBeGreaterThanOrEqual(40)
  })
})

describe('DingtalkApi media', () => {
  it('should upload multipart with type and media fields and the exact bytes', async () => {
    const api = makeApi()
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256))
    const mediaId = await api.uploadMedia(bytes, '客户案例 2026.xlsx', 'file')
    const dir = await mkdtemp(join(tmpdir(), 'andy-upload-'))
    try {
      await writeFile(join(dir, 'p.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]))
      await api.uploadMedia(join(dir, 'p.png'), 'p.png', 'image')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    expect(fake.uploads).toHaveLength(2)
    expect(fake.uploads[0]).toMatchObject({ type: 'file', fileName: '客户案例 2026.xlsx', mediaId })
    expect(fake.uploads[0]!.bytes.equals(bytes)).toBe(true)
    expect(fake.uploads[1]).toMatchObject({
      type: 'image',
      fileName: 'p.png',
      bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    })
  })

  it('should refuse files over the size limit before any request', async () => {
    const api = makeApi()
    expect(await rejection(api.uploadMedia(Buffer.alloc(20 * 1024 * 1024 + 1), 'big.zip', 'file'))).toMatchObject({
      code: 'file_too_large',
      transient: false,
    })
    expect((await rejection(api.uploadMedia(Buffer.alloc(2 * 1024 * 1024 + 1), 'v.mp3', 'voice'))).message).toContain(
      '2.0 MB',
    )
    expect(fake.calls).toHaveLength(0)
  })

  it('should download a file by its downloadCode', async () => {
    const api = makeApi()
    const png = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251))
    fake.addDownload('code-ok', png, { contentType: 'image/png', fileName: '现场照片.png' })
    const got = await api.downloadFile('code-ok')
    expect(got.buffer.equals(png)).toBe(true)
    expect(got).toMatchObject({ contentType: 'image/png', fileName: '现场照片.png' })
    expect(fake.callsTo(PATHS.download)[0]!.body).toEqual({ downloadCode: 'code-ok', robotCode: 'dingrobot' })
  })

  it('should map an expired downloadCode to its own error, without retries', async () => {
    const api = makeApi()
    const err = await rejection(api.downloadFile('stale'))
    expect(err).toMatchObject({ code: 'download_code_expired', transient: false })
    expect(fake.count(PATHS.download)).toBe(1)
  })

  it('should abort a download past maxBytes, with or without Content-Length', async () => {
    const api = makeApi()
    fake.addDownload('big', Buffer.alloc(8 * 1024 * 1024, 1), { omitLength: true })
    fake.addDownload('big-len', Buffer.alloc(8 * 1024 * 1024, 1))
    expect(await rejection(api.downloadFile('big', { maxBytes: 1024 * 1024 }))).toMatchObject({
      code: 'file_too_large',
    })
    expect(await rejection(api.downloadFile('big-len', { maxBytes: 1024 * 1024 }))).toMatchObject({
      code: 'file_too_large',
    })
    await until(() => fake.downloadsAborted >= 2, 'both downloads aborted')
    expect(fake.downloadsAborted).toBe(2)
    expect(fake.downloadsServed).toBe(0)
  })
})

describe('DingtalkApi cards', () => {
  it('should record create → stream → finalize in order', async () => {
    const api = makeApi()
    await api.createAndDeliverCard({
      outTrackId: 'card-1',
      templateId: 'tpl.schema',
      cardParamMap: { msgTitle: '方案', flowStatus: 1, sys_full_json_obj: { order: ['msgContent'] } },
      conversationType: '2',
      conversationId: 'cidGroup1',
      staffId: 'staff1',
      atUserIds: ['staff1'],
    })
    await api.streamCard({ outTrackId: 'card-1', key: 'msgContent', content: '第一段' })
    await api.streamCard({ outTrackId: 'card-1', key: 'msgContent', content: '第一段\n第二段' })
    await api.streamCard({ outTrackId: 'card-1', key: 'msgContent', content: '第一段\n第二段\n完', isFinalize: true })
    await api.updateCard({ outTrackId: 'card-1', cardParamMap: { flowStatus: '3' } })
    expect(fake.cardCalls.map((c) => c.op)).toEqual([
      'createAndDeliver',
      'streaming',
      'streaming',
      'streaming',
      'update',
    ])
    expect(fake.cardCalls[0]!.body).toMatchObject({
      cardTemplateId: 'tpl.schema',
      outTrackId: 'card-1',
      callbackType: 'STREAM',
      userIdType: 1,
      openSpaceId: 'dtv1.card//IM_GROUP.cidGroup1',
      imGroupOpenDeliverModel: { robotCode: 'dingrobot', atUserIds: { staff1: 'staff1' } },
      cardData: { cardParamMap: { msgTitle: '方案', flowStatus: '1', sys_full_json_obj: '{"order":["msgContent"]}' } },
    })
    const streams = fake.cardCalls.filter((c) => c.op === 'streaming').map((c) => c.body)
    expect(new Set(streams.map((b) => b.guid)).size).toBe(3)
    expect(streams.map((b) => [b.isFull, b.isFinalize])).toEqual([
      [true, false],
      [true, false],
      [true, true],
    ])
  })

  it('should deliver 1:1 cards to IM_ROBOT and report failed deliveries', async () => {
    const api = makeApi()
    await api.createAndDeliverCard({
      outTrackId: 'c2',
      templateId: 't',
      cardParamMap: {},
      conversationType: '1',
      conversationId: 'cidX',
      staffId: 'staff9',
    })
    expect(fake.cardCalls[0]!.body).toMatchObject({
      openSpaceId: 'dtv1.card//IM_ROBOT.staff9',
      imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: 'dingrobot' },
    })
    fake.failNext(PATHS.cardCreate, {
      status: 200,
      body: { success: true, result: { deliverResults: [{ success: false, errorMsg: 'robot not in group' }] } },
    })
    const err = await rejection(
      api.createAndDeliverCard({
        outTrackId: 'c3',
        templateId: 't',
        cardParamMap: {},
        conversationType: '2',
        conversationId: 'cidY',
      }),
    )
    expect(err).toMatchObject({ code: 'card_deliver_failed', transient: false })
    expect(err.message).toContain('robot not in group')
    expect(await rejection(api.streamCard({ outTrackId: 'nope', key: 'k', content: 'x' }))).toMatchObject({
      code: 'param.stream.outTrackId',
    })
  })
})

describe('DingtalkApi logging', () => {
  it('should never log tokens, the secret or signed URLs', async () => {
    const api = makeApi()
    fake.failNext(PATHS.group, FAULTS.serverError)
    await group(api)
    fake.expireTokens()
    await api.uploadMedia(Buffer.from('x'), 'a.pdf', 'file')
    fake.addDownload('c', Buffer.from('hello'))
    await api.downloadFile('c')
    const log = lines.join('')
    expect(log).toContain('dingtalk call failed, retrying')
    expect(log).toContain('dingtalk download')
    expect(fake.issuedTokens.length).toBeGreaterThanOrEqual(2)
    for (const t of fake.issuedTokens) expect(log).not.toContain(t)
    expect(log).not.toContain(fake.clientSecret)
    expect(log).not.toContain('access_token=')
    expect(log).not.toContain('Signature=')
  })
})
