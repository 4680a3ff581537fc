import { afterEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config.js'
import type { InboundEnvelope } from '../../src/core/message.js'
import { createLogger } from '../../src/logger.js'
import { DingtalkStreamTransport } from '../../src/transport/dingtalk-stream.js'
import { backoffDelay, type StreamState, type StreamTuning } from '../../src/transport/stream-connection.js'
import { parseStreamFrame } from '../../src/transport/stream-protocol.js'
import type { AcceptResult, MessageSink } from '../../src/transport/types.js'
import { FakeGateway, robotTextPayload } from '../helpers/fake-gateway.js'
import { until } from '../helpers/wait.js'

/** In-memory inbox: dedupes by robotCode+msgId like the real one; can be told to fail. */
class RecordingSink implements MessageSink {
  readonly accepted: InboundEnvelope[] = []
  /** acksBefore: how many acks the gateway had seen when accept() ran. */
  readonly calls: Array<{ envelope: InboundEnvelope; acksBefore: number }> = []
  private readonly seen = new Map<string, number>()
  failFor = new Set<string>()
  constructor(private readonly gateway: FakeGateway) {}

  async accept(envelope: InboundEnvelope): Promise<AcceptResult> {
    this.calls.push({ envelope, acksBefore: this.gateway.acks.length })
    if (this.failFor.has(envelope.message.msgId)) throw new Error('SQLITE_BUSY: database is locked')
    const key = `${envelope.robotCode}:${envelope.message.msgId}`
    const existing = this.seen.get(key)
    if (existing !== undefined) return { inboxId: existing, duplicate: true }
    this.accepted.push(envelope)
    this.seen.set(key, this.accepted.length)
    return { inboxId: this.accepted.length, duplicate: false }
  }
}

const FAST: StreamTuning = {
  backoffBaseMs: 50,
  backoffCapMs: 800,
  healthyResetMs: 400,
  // Wide: on a busy machine a loopback handshake can take seconds, and a spurious retry changes the counts
  // the tests assert. The open-timeout test sets its own.
  openTimeoutMs: 10_000,
  endpointTimeoutMs: 10_000,
  drainTimeoutMs: 1500,
  closeGraceMs: 200,
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function setup(
  opts: { tuning?: StreamTuning; liveness?: number; secret?: string; startTimeoutMs?: number; start?: boolean } = {},
) {
  const gateway = await FakeGateway.start()
  cleanups.push(() => gateway.close())
  const lines: string[] = []
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(s) } })
  const config = parseConfig({
    DINGTALK_CLIENT_ID: gateway.clientId,
    DINGTALK_CLIENT_SECRET: opts.secret ?? gateway.clientSecret,
    DINGTALK_API_BASE: gateway.apiBase,
    // Only the zombie test needs a short liveness window; elsewhere a slow pong must not look like a zombie.
    ANDY_LIVENESS_TIMEOUT_MS: String(opts.liveness ?? 60_000),
  })
  const sink = new RecordingSink(gateway)
  const states: StreamState[] = []
  const transport = new DingtalkStreamTransport({
    config,
    logger,
    sink,
    tuning: opts.tuning ?? FAST,
    startTimeoutMs: opts.startTimeoutMs ?? 20_000,
    onStateChange: (s) => void states.push(s),
  })
  cleanups.push(async () => {
    await transport.stop()
    // Nothing in any log line may carry the secret or a ticket.
    const all = lines.join('\n')
    expect(all).not.toContain(gateway.clientSecret)
    for (const t of gateway.issuedTickets) expect(all).not.toContain(t)
  })
  if (opts.start !== false) await transport.start()
  return { gateway, transport, sink, lines, states }
}

describe('DingtalkStreamTransport', () => {
  it('should store a robot message, then ack it on the same connection', async () => {
    const { gateway, transport, sink, states } = await setup()
    expect(transport.state()).toBe('connected')
    expect(states).toEqual(['connecting', 'connected'])
    const body = gateway.openCallLog[0]?.body
    expect(body?.['subscriptions']).toEqual([{ type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' }])
    expect(body?.['ua']).toBe('andy/0.1 (dingtalk-stream 2.1.5)')
    expect(typeof body?.['localIp']).toBe('string')

    const payload = robotTextPayload({ text: '制造业 5000人以上 国企 的客户案例', msgId: 'msgA' })
    const ack = await gateway.sendRobotMessage(payload, { messageId: 'frame-1' })
    expect(ack.messageId).toBe('frame-1')
    expect(ack.connectionId).toBe(gateway.connections[0]?.id)
    expect(ack.frame).toEqual({
      code: 200,
      headers: { contentType: 'application/json', messageId: 'frame-1' },
      message: 'OK',
      data: '{"response":null}',
    })
    expect(sink.calls).toHaveLength(1)
    // accept() ran before the gateway saw this ack.
    expect(gateway.acks.indexOf(ack)).toBeGreaterThanOrEqual(sink.calls[0]!.acksBefore)
    const env = sink.accepted[0]
    expect(env?.source).toBe('stream')
    expect(env?.robotCode).toBe('dingfakeclientid')
    expect(env?.raw).toBe(JSON.stringify(payload))
    expect(env?.message.text?.content.trim()).toBe('制造业 5000人以上 国企 的客户案例')
    expect(transport.ackLatencies()).toHaveLength(1)
    expect(transport.ackLatencies()[0]).toBeGreaterThanOrEqual(0)

    // A redelivery (same msgId, new frame) is acked again but stored once.
    await gateway.sendRobotMessage(payload, { messageId: 'frame-2' })
    expect(sink.accepted).toHaveLength(1)
    expect(transport.stats()).toMatchObject({ accepted: 1, duplicates: 1, acked: 2, connects: 1 })
  })

  it('should echo a ping with the same opaque data', async () => {
    const { gateway } = await setup()
    const ack = await gateway.sendPing({ messageId: 'ping-1' })
    expect(ack.frame.code).toBe(200)
    expect(ack.frame.headers.messageId).toBe('ping-1')
    expect(JSON.parse(ack.frame.data ?? '')).toHaveProperty('opaque')
    const sent = ack.frame.data
    const again = await gateway.sendPing()
    expect(again.frame.data).not.toBe(sent)
  })

  it('should ignore malformed frames and keep working', async () => {
    const { gateway, sink, transport } = await setup()
    gateway.sendRaw('not json {')
    gateway.sendRaw('{"type":"CALLBACK"}')
    gateway.sendRaw('{"type":"CALLBACK","headers":{"topic":"/v1.0/im/bot/messages/get"}}')
    gateway.sendRaw('null')
    // A well-formed frame whose payload is not a robot message is acked (so it is not redelivered).
    const junk = await gateway.sendFrame({
      type: 'CALLBACK',
      headers: { topic: '/v1.0/im/bot/messages/get', messageId: 'junk' },
      data: '{"hello":1}',
    })
    expect(junk.frame.code).toBe(200)
    // Not subscribed, but an EVENT frame is acked SUCCESS (dingtalk.md §1.4).
    const ev = await gateway.sendFrame({
      type: 'EVENT',
      headers: { topic: '*', messageId: 'ev1', eventType: 'chat_update' },
      data: '{}',
    })
    expect(JSON.parse(ev.frame.data ?? '')).toMatchObject({ status: 'SUCCESS' })
    await gateway.sendRobotMessage(robotTextPayload({ text: '帮助', msgId: 'msgB' }))
    expect(sink.accepted.map((e) => e.message.msgId)).toEqual(['msgB'])
    expect(gateway.connectionCount).toBe(1)
    expect(transport.stats()).toMatchObject({ parseFailures: 1, accepted: 1 })
    expect(
      parseStreamFrame('{"type":"SYSTEM","headers":{"topic":"ping","messageId":"x"},"data":"{}"}')?.headers.topic,
    ).toBe('ping')
  })

  it('should open a new connection before the old one closes on disconnect', async () => {
    const { gateway, sink, transport } = await setup()
    const first = gateway.connections[0]!
    // The gateway would close the old socket after a minute: closed sooner, so by the client (its drain).
    const ack = await gateway.sendDisconnect({ closeAfterMs: 60_000 })
    expect(ack.connectionId).toBe(first.id)
    // Sent right away: the gateway holds it until a non-draining connection exists.
    const msgAck = await gateway.sendRobotMessage(robotTextPayload({ text: '打单方案', msgId: 'msgC' }))
    const second = gateway.connections[1]!
    expect(msgAck.connectionId).toBe(second.id)
    expect(sink.accepted.map((e) => e.message.msgId)).toEqual(['msgC'])
    expect(first.closedAt === undefined || first.closedAt >= second.openedAt).toBe(true)
    await until(() => first.closedAt !== undefined, 'old connection closed by the client')
    expect(first.closedAt! - first.openedAt).toBeLessThan(60_000)
    expect(gateway.openCalls).toBe(2)
    expect(transport.stats()).toMatchObject({ connects: 2, reconnects: 1, state: 'connected' })
  })

  it('should open exactly one new connection when a disconnect and a drop coincide', async () => {
    const { gateway, transport } = await setup()
    const first = gateway.connections[0]!
    void gateway.sendDisconnect({ closeAfterMs: 3000 }).catch(() => undefined)
    await gateway.sendDisconnect({ connection: first, closeAfterMs: 3000 }).catch(() => undefined)
    gateway.dropConnection(first)
    await until(() => transport.state() === 'connected' && gateway.connectionCount === 2, 'reconnect')
    await sleep(400)
    expect(gateway.openCalls).toBe(2)
    expect(gateway.openConnections()).toHaveLength(1)
  })

  it('should give up a hanging WebSocket handshake after the open timeout and retry', async () => {
    const { gateway, transport } = await setup({ tuning: { ...FAST, openTimeoutMs: 300 }, start: false })
    gateway.stallUpgrades(1)
    const t0 = Date.now()
    await transport.start()
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300)
    expect(gateway.openCalls).toBe(2)
    expect(transport.stats()).toMatchObject({ openFailures: 1, connects: 1 })
    expect(transport.stats().lastError).toBeUndefined()
  })

  it('should reconnect after an abrupt drop with back-off, without a storm', async () => {
    const { gateway, transport, sink } = await setup()
    gateway.dropConnection()
    await until(() => gateway.openConnections().length === 1 && gateway.connectionCount === 2, 'reconnect')
    await sleep(300)
    expect(gateway.openCalls).toBe(2)

    // Flapping: every new connection dies at once. Back-off must keep the open rate low.
    gateway.onConnection = (c) => gateway.dropConnection(c)
    gateway.dropConnection()
    const before = gateway.openCalls
    const flapStart = Date.now()
    await until(() => gateway.openCalls - before >= 4, 'reconnect attempts while flapping')
    // Back-off, not a storm: 4 attempts take at least the first three delays (base 50 ms, doubling).
    expect(Date.now() - flapStart).toBeGreaterThanOrEqual(50 + 100 + 200)
    gateway.onConnection = undefined
    await until(() => transport.state() === 'connected', 'recovery')
    await gateway.sendRobotMessage(robotTextPayload({ text: '客户案例', msgId: 'msgD' }))
    expect(sink.accepted).toHaveLength(1)
  })

  it('should reconnect a silent (zombie) connection within the liveness window', async () => {
    const { gateway, sink } = await setup({ liveness: 1500 })
    await until(() => gateway.connections[0]!.pingsReceived >= 1, 'a ping')
    const t0 = Date.now()
    gateway.goSilent()
    await until(() => gateway.openConnections().some((c) => !c.silent), 'watchdog reconnect')
    const elapsed = Date.now() - t0
    expect(elapsed).toBeGreaterThanOrEqual(900)
    // liveness + one check tick (liveness/6) + first back-off (≤ 100 ms) + connect; generous for a loaded machine
    expect(elapsed).toBeLessThan(15_000)
    await until(() => gateway.connections[0]!.closedAt !== undefined, 'zombie terminated')
    await gateway.sendRobotMessage(robotTextPayload({ text: '软件客户', msgId: 'msgE' }))
    expect(sink.accepted).toHaveLength(1)
  })

  it('should back off with growing gaps while opens are refused, then recover', async () => {
    const { gateway, transport, states } = await setup({ tuning: { ...FAST, random: () => 0.5 }, start: false })
    gateway.refuseOpens(5)
    await transport.start()
    expect(gateway.openCalls).toBe(6)
    const times = gateway.openCallLog.map((c) => c.at)
    const gaps = times.slice(1).map((t, i) => t - times[i]!)
    // Each gap is at least its back-off delay: 75, 125, 225, 425, 800 ms (base 50 · 2^n + 25 jitter, cap 800).
    const delays = [75, 125, 225, 425, 800]
    gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(delays[i]! - 2))
    expect(states).toContain('backoff')
    expect(transport.stats()).toMatchObject({ openFailures: 5, connects: 1 })
  })

  it('should recover from connection resets on connections/open', async () => {
    const { gateway, transport } = await setup({ start: false })
    gateway.refuseOpens(2, 'reset')
    await transport.start()
    expect(gateway.openCalls).toBe(3)
    expect(transport.state()).toBe('connected')
  })

  it('should fail start() fast on bad credentials, naming the gateway but not the secret', async () => {
    const { gateway, transport } = await setup({
      secret: 'wrong-secret-value-xyz',
      start: false,
      startTimeoutMs: 60_000,
    })
    const t0 = Date.now()
    const err = await transport.start().then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err?.message).toContain(`${gateway.apiBase}/v1.0/gateway/connections/open`)
    expect(err?.message).toContain('400')
    expect(err?.message).not.toContain('wrong-secret-value-xyz')
    expect(Date.now() - t0).toBeLessThan(15_000) // far below what retrying until the start timeout would take
    expect(transport.state()).toBe('stopped')
    const calls = gateway.openCalls
    await sleep(300)
    expect(gateway.openCalls).toBe(calls)
  })

  it('should fail start() after the timeout when the gateway keeps refusing', async () => {
    const { gateway, transport } = await setup({ start: false, startTimeoutMs: 400 })
    gateway.refuseOpens(true)
    await expect(transport.start()).rejects.toThrow(
      /no connection via http:\/\/127\.0\.0\.1:\d+\/v1\.0\/gateway\/connections\/open within 400 ms/,
    )
    expect(transport.resources()).toEqual({ timers: 0, sockets: 0 })
  })

  it('should not ack when the sink throws, so DingTalk redelivers', async () => {
    const { gateway, sink, transport } = await setup()
    sink.failFor.add('msgF')
    const payload = robotTextPayload({ text: '导出', msgId: 'msgF' })
    await expect(gateway.sendRobotMessage(payload, { messageId: 'f1', ackTimeoutMs: 400 })).rejects.toThrow(/no ack/)
    expect(gateway.acks.some((a) => a.messageId === 'f1')).toBe(false)
    expect(transport.stats().acceptFailures).toBe(1)
    // The redelivery succeeds once the inbox is healthy again.
    sink.failFor.clear()
    const ack = await gateway.sendRobotMessage(payload, { messageId: 'f2' })
    expect(ack.frame.code).toBe(200)
    expect(sink.accepted.map((e) => e.message.msgId)).toEqual(['msgF'])
  })

  it('should leave no timers, sockets or reconnects after stop()', async () => {
    const timeoutsBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const { gateway, transport } = await setup()
    await gateway.sendPing()
    expect(transport.resources().sockets).toBe(1)
    await transport.stop()
    expect(transport.state()).toBe('stopped')
    expect(transport.resources()).toEqual({ timers: 0, sockets: 0 })
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(timeoutsBefore)
    await until(() => gateway.connections[0]!.closedAt !== undefined, 'socket closed')
    const calls = gateway.openCalls
    gateway.dropConnection()
    await sleep(400)
    expect(gateway.openCalls).toBe(calls)
    await transport.stop()
  })
})

describe('backoffDelay', () => {
  it('should grow exponentially with jitter and cap', () => {
    expect(backoffDelay(0, 1000, 60_000, 1000, () => 0)).toBe(1000)
    expect(backoffDelay(3, 1000, 60_000, 1000, () => 0.5)).toBe(8500)
    expect(backoffDelay(10, 1000, 60_000, 1000, () => 0.99)).toBe(60_000)
    expect(backoffDelay(1000, 1000, 60_000, 1000, () => 0)).toBe(60_000)
  })
})
