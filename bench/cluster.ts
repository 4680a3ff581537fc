/**
 * Issue 15 figures — several instances on PostgreSQL:
 *   messages per second end to end (stream frame → inbox → search → reply at a loopback webhook) and the
 *   latency per message (frame sent → reply received), for 1 instance on SQLite (the default), 1 on
 *   PostgreSQL and 2 on PostgreSQL, in one run; the added latency is PostgreSQL's p50/p95 minus SQLite's.
 *
 *   npm run bench -- cluster [--messages 2000] [--users 200] [--serial 100]
 *
 * Each instance is the compiled `andy start` (dist/main.js; `npm run build` first) in its own process
 * with its own stream connection to the fake gateway; this process runs the gateway, the webhook sink
 * and (as the tests do) a PostgreSQL server from Debian's package in a temporary directory. The test
 * fixtures answer the searches. Messages alternate between the instances' connections.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { FakeGateway, type GatewayConnection, robotTextPayload } from '../test/helpers/fake-gateway.js'
import { FakeOpenApi } from '../test/helpers/fake-openapi.js'
import { WebhookSink } from '../test/helpers/webhook-sink.js'
import { percentile, printTable } from './util.js'

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    users: { type: 'string', default: '200' },
    serial: { type: 'string', default: '100' },
  },
})
const MESSAGES = Number(args.messages)
const USERS = Number(args.users)
const SERIAL = Number(args.serial)
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TEXTS = ['央企 客户案例', '银行 打单方案', '外企 案例', '金融 竞对切换', '江苏 软件客户']

interface Scenario {
  readonly name: string
  readonly instances: number
  readonly pg: boolean
}

interface Result {
  readonly perSecond: number
  readonly p50: number
  readonly p95: number
}

async function seeded(dir: string): Promise<string> {
  const { openDb } = await import('../src/db/client.js')
  const { loadFixtures } = await import('../test/helpers/fixtures.js')
  const path = join(dir, 'seed.db')
  const db = openDb(path)
  loadFixtures(db)
  db.close()
  return path
}

function start(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'dist/main.js'), 'start'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}

async function until(cond: () => boolean, what: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

async function run(s: Scenario, pgUrl: () => Promise<string>, seedPath: string, dir: string): Promise<Result> {
  const gateway = await FakeGateway.start()
  const sink = await WebhookSink.start()
  const openapi = await FakeOpenApi.start({
    forwardTo: gateway.apiBase,
    clientId: gateway.clientId,
    clientSecret: gateway.clientSecret,
  })
  const base: Record<string, string> = {
    DINGTALK_CLIENT_ID: gateway.clientId,
    DINGTALK_CLIENT_SECRET: gateway.clientSecret,
    DINGTALK_API_BASE: openapi.base,
    DINGTALK_OAPI_BASE: openapi.base,
  }
  const children: ChildProcess[] = []
  const sentAt = new Map<string, number>()
  const latencies: number[] = []
  sink.respondWith = (r) => {
    const key = String((r.body as { msgUuid?: string }).msgUuid ?? '').replace(/:\d+$/, '')
    const t = sentAt.get(key)
    if (t !== undefined && sentAt.delete(key)) latencies.push(performance.now() - t)
    return undefined
  }
  try {
    let env: Record<string, string> = { ...base, DB_PATH: seedPath }
    if (s.pg) {
      const url = await pgUrl()
      const { execFileSync } = await import('node:child_process')
      execFileSync(process.execPath, [join(ROOT, 'dist/main.js'), 'migrate'], {
        env: { ...process.env, ...base, DATABASE_URL: url, DB_PATH: seedPath },
        stdio: 'ignore',
      })
      env = { ...base, DATABASE_URL: url, DB_PATH: '' }
    }
    const connections: GatewayConnection[] = []
    for (let i = 0; i < s.instances; i++) {
      const own: Record<string, string> = s.pg
        ? { DB_PATH: join(dir, `${s.name}-${i}.db`), ANDY_INSTANCE_ID: `i${i}` }
        : {}
      children.push(start({ ...env, ...own }))
      await until(() => gateway.connectionCount > i && gateway.current !== undefined, `instance ${i} connected`)
      connections.push(gateway.current!)
    }
    const t0 = performance.now()
    const acks: Array<Promise<unknown>> = []
    for (let i = 0; i < MESSAGES; i++) {
      const u = i % USERS
      const msgId = `${s.name}-${i}`
      sentAt.set(`${gateway.clientId}/${msgId}`, performance.now())
      acks.push(
        gateway.sendRobotMessage(
          robotTextPayload({
            text: TEXTS[i % TEXTS.length]!,
            msgId,
            conversationType: '1',
            conversationId: `cid-${u}`,
            senderStaffId: `u${u}`,
            sessionWebhook: sink.url(`/u${u}`),
          }),
          { connection: connections[i % connections.length], ackTimeoutMs: 120_000 },
        ),
      )
    }
    await Promise.all(acks)
    await until(() => latencies.length >= MESSAGES, 'every reply', 600_000)
    const seconds = (performance.now() - t0) / 1000
    process.stderr.write(`${s.name}: ${MESSAGES} messages in ${seconds.toFixed(1)} s\n`)
    // One message at a time: the latency a rep sees when Andy is not busy.
    latencies.length = 0
    for (let i = 0; i < SERIAL; i++) {
      const msgId = `${s.name}-serial-${i}`
      sentAt.set(`${gateway.clientId}/${msgId}`, performance.now())
      await gateway.sendRobotMessage(
        robotTextPayload({
          text: TEXTS[i % TEXTS.length]!,
          msgId,
          conversationType: '1',
          conversationId: `cid-serial-${i}`,
          senderStaffId: `serial${i}`,
          sessionWebhook: sink.url('/serial'),
        }),
        { connection: connections[i % connections.length], ackTimeoutMs: 60_000 },
      )
      await until(() => latencies.length > i, 'serial reply', 60_000)
    }
    return { perSecond: MESSAGES / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95) }
  } finally {
    for (const c of children) c.kill('SIGTERM')
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null)))))
    await gateway.close()
    await sink.close()
    await openapi.close()
  }
}

async function main(): Promise<void> {
  const { startPgServer } = await import('../test/helpers/pg-server.js')
  const dir = mkdtempSync(join(tmpdir(), 'andy-bench-cluster-'))
  const server = await startPgServer()
  const before = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
  try {
    const seedPath = await seeded(dir)
    const scenarios: Scenario[] = [
      { name: 'sqlite-1', instances: 1, pg: false },
      { name: 'pg-1', instances: 1, pg: true },
      { name: 'pg-2', instances: 2, pg: true },
    ]
    const results = new Map<string, Result>()
    for (const s of scenarios) results.set(s.name, await run(s, () => server.createDatabase(), seedPath, dir))
    const base = results.get('sqlite-1')!
    printTable(
      `${MESSAGES} messages from ${USERS} users, end to end (frame → reply); load average before: ${before}, after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
      ['setup', 'burst messages/s', 'one at a time: p50 ms', 'p95 ms', 'added p50 ms', 'added p95 ms'],
      scenarios.map((s) => {
        const r = results.get(s.name)!
        return [
          s.name,
          r.perSecond.toFixed(0),
          r.p50.toFixed(1),
          r.p95.toFixed(1),
          s.pg ? (r.p50 - base.p50).toFixed(1) : '—',
          s.pg ? (r.p95 - base.p95).toFixed(1) : '—',
        ]
      }),
    )
    process.stdout.write(
      'target: 2 instances on PostgreSQL answer more messages per second than 1; sentence → reply p95 unchanged (search runs on each instance’s local copy: npm run bench -- search)\n',
    )
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
