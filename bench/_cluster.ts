/**
 * What bench/cluster.ts's phases share: compiled `andy start` processes (dist/main.js; `npm run build`
 * first) each holding its own stream connection to the fake gateway, replies caught at a loopback webhook,
 * and the time from a frame sent to its reply's first part. Not a bench of its own (bench/run.ts skips `_`).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { FakeGateway, type GatewayConnection, robotTextPayload } from '../test/helpers/fake-gateway.js'
import { FakeOpenApi } from '../test/helpers/fake-openapi.js'
import { WebhookSink } from '../test/helpers/webhook-sink.js'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** BENCH_NODE_ARGS: node options for the instances (e.g. `--cpu-prof --cpu-prof-dir=prof` to profile them). */
export function startAndy(env: Record<string, string>): ChildProcess {
  const node = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []
  return spawn(process.execPath, [...node, join(ROOT, 'dist/main.js'), 'start'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
}

export async function until(cond: () => boolean, what: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export interface Message {
  readonly text: string
  readonly msgId: string
  readonly user: string
  readonly conversationId: string
}

/** The fake gateway, its OpenAPI front and the webhook sink, with the latency of every reply. */
export interface Harness {
  readonly gateway: FakeGateway
  readonly sink: WebhookSink
  /** The DingTalk variables an instance needs to reach them. */
  readonly env: Record<string, string>
  /** Frame sent → first reply part received (ms), in the order replies arrived. */
  readonly latencies: number[]
  /** Replies' bodies by msgId (the first part). */
  readonly replies: Map<string, unknown>
  readonly children: ChildProcess[]
  /**
   * Starts an instance and waits until the gateway holds its stream connection. Its log (stderr) is passed
   * through but for lines holding `quiet`; `onLog` sees every line.
   */
  instance(
    env: Record<string, string>,
    ms?: number,
    log?: { quiet?: RegExp; onLog?: (line: string) => void },
  ): Promise<GatewayConnection>
  /** Sends a robot text message on `connection`; resolves when the frame is acknowledged. */
  send(m: Message, connection: GatewayConnection): Promise<unknown>
  /** Sends one message and waits for its reply; its latency (ms). */
  ask(m: Message, connection: GatewayConnection, ms?: number): Promise<number>
  close(): Promise<void>
}

export async function harness(): Promise<Harness> {
  const gateway = await FakeGateway.start()
  const sink = await WebhookSink.start()
  const openapi = await FakeOpenApi.start({
    forwardTo: gateway.apiBase,
    clientId: gateway.clientId,
    clientSecret: gateway.clientSecret,
  })
  const sentAt = new Map<string, number>()
  const latencies: number[] = []
  const replies = new Map<string, unknown>()
  sink.respondWith = (r) => {
    const key = String((r.body as { msgUuid?: string }).msgUuid ?? '').replace(/:\d+$/, '')
    const t = sentAt.get(key)
    if (t !== undefined && sentAt.delete(key)) {
      latencies.push(performance.now() - t)
      replies.set(key.slice(key.indexOf('/') + 1), r.body)
    }
    return undefined
  }
  const children: ChildProcess[] = []
  const h: Harness = {
    gateway,
    sink,
    env: {
      DINGTALK_CLIENT_ID: gateway.clientId,
      DINGTALK_CLIENT_SECRET: gateway.clientSecret,
      DINGTALK_API_BASE: openapi.base,
      DINGTALK_OAPI_BASE: openapi.base,
    },
    latencies,
    replies,
    children,
    async instance(env, ms = 120_000, log = {}) {
      const before = gateway.connectionCount
      const child = startAndy({ ...h.env, ...env })
      children.push(child)
      createInterface({ input: child.stderr! }).on('line', (line) => {
        log.onLog?.(line)
        if (!log.quiet?.test(line)) process.stderr.write(`${line}\n`)
      })
      await until(
        () => {
          if (child.exitCode !== null) throw new Error(`andy start exited with ${child.exitCode}`)
          return gateway.connectionCount > before && gateway.current !== undefined
        },
        'the instance connected',
        ms,
      )
      return gateway.current!
    },
    send(m, connection) {
      sentAt.set(`${gateway.clientId}/${m.msgId}`, performance.now())
      return gateway.sendRobotMessage(
        robotTextPayload({
          text: m.text,
          msgId: m.msgId,
          conversationType: '1',
          conversationId: m.conversationId,
          senderStaffId: m.user,
          sessionWebhook: sink.url(`/${m.user}`),
        }),
        { connection, ackTimeoutMs: 120_000 },
      )
    },
    async ask(m, connection, ms = 60_000) {
      const n = latencies.length
      await h.send(m, connection)
      await until(() => latencies.length > n, `the reply to ${m.text}`, ms)
      return latencies[n]!
    },
    async close() {
      for (const c of children) if (c.exitCode === null) c.kill('SIGTERM')
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null)))))
      children.length = 0
      await gateway.close()
      await sink.close()
      await openapi.close()
    },
  }
  return h
}
