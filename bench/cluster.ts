/**
 * Issue 15 figures — several instances on PostgreSQL:
 *   messages per second end to end (stream frame → inbox → search → reply at a loopback webhook) and the
 *   latency per message (frame sent → reply received), for 1 instance on SQLite (the default), 1 on
 *   PostgreSQL and 2 on PostgreSQL, in one run; the added latency is PostgreSQL's p50/p95 minus SQLite's.
 *
 * And sentence → reply p50/p95 at 1,000,000 case rows for one instance on SQLite and one on PostgreSQL
 * (bench/_cluster-sentences.ts; target p95 ≤ 50 ms).
 *
 *   npm run bench -- cluster [--messages 2000] [--users 200] [--serial 100] [--rows 1000000] [--rounds 4]
 *   (--rows 0 or BENCH_CLUSTER_ROWS=0 skips the sentence phase; the rows' file is kept in the OS temp dir)
 *
 * Each instance is the compiled `andy start` (dist/main.js; `npm run build` first) in its own process
 * with its own stream connection to the fake gateway; this process runs the gateway, the webhook sink
 * and (as the tests do) a PostgreSQL server from Debian's package in a temporary directory. The test
 * fixtures answer the burst's searches. Messages alternate between the instances' connections.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { GatewayConnection } from '../test/helpers/fake-gateway.js'
import { harness, ROOT, until } from './_cluster.js'
import { sentenceLatencies } from './_cluster-sentences.js'
import { percentile, printTable } from './util.js'

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    users: { type: 'string', default: '200' },
    serial: { type: 'string', default: '100' },
    /** Case rows for the sentence → reply phase (0 skips it); BENCH_CLUSTER_ROWS sets it too. */
    rows: { type: 'string', default: process.env.BENCH_CLUSTER_ROWS ?? '1000000' },
    rounds: { type: 'string', default: '4' },
  },
})
const MESSAGES = Number(args.messages)
const USERS = Number(args.users)
const SERIAL = Number(args.serial)
const ROWS = Number(args.rows)
const ROUNDS = Number(args.rounds)
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

async function run(s: Scenario, pgUrl: () => Promise<string>, seedPath: string, dir: string): Promise<Result> {
  const h = await harness()
  try {
    let env: Record<string, string> = { DB_PATH: seedPath }
    if (s.pg) {
      const url = await pgUrl()
      execFileSync(process.execPath, [join(ROOT, 'dist/main.js'), 'migrate'], {
        env: { ...process.env, ...h.env, DATABASE_URL: url, DB_PATH: seedPath },
        stdio: 'ignore',
      })
      env = { DATABASE_URL: url, DB_PATH: '' }
    }
    const connections: GatewayConnection[] = []
    for (let i = 0; i < s.instances; i++) {
      const own: Record<string, string> = s.pg
        ? { DB_PATH: join(dir, `${s.name}-${i}.db`), ANDY_INSTANCE_ID: `i${i}` }
        : {}
      connections.push(await h.instance({ ...env, ...own }))
    }
    const t0 = performance.now()
    const acks: Array<Promise<unknown>> = []
    for (let i = 0; i < MESSAGES; i++) {
      const u = i % USERS
      const m = { text: TEXTS[i % TEXTS.length]!, msgId: `${s.name}-${i}`, user: `u${u}`, conversationId: `cid-${u}` }
      acks.push(h.send(m, connections[i % connections.length]!))
    }
    await Promise.all(acks)
    await until(() => h.latencies.length >= MESSAGES, 'every reply', 600_000)
    const seconds = (performance.now() - t0) / 1000
    process.stderr.write(`${s.name}: ${MESSAGES} messages in ${seconds.toFixed(1)} s\n`)
    // One message at a time: the latency a rep sees when Andy is not busy.
    const serial: number[] = []
    for (let i = 0; i < SERIAL; i++) {
      const m = {
        text: TEXTS[i % TEXTS.length]!,
        msgId: `${s.name}-serial-${i}`,
        user: `serial${i}`,
        conversationId: `cid-serial-${i}`,
      }
      serial.push(await h.ask(m, connections[i % connections.length]!))
    }
    return { perSecond: MESSAGES / seconds, p50: percentile(serial, 50), p95: percentile(serial, 95) }
  } finally {
    await h.close()
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
      'target: 2 instances on PostgreSQL answer more messages per second than 1 (fixture cases; sentence → reply at scale below)\n',
    )
    if (ROWS > 0) await sentenceLatencies({ rows: ROWS, rounds: ROUNDS, dir, pgUrl: () => server.createDatabase() })
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
