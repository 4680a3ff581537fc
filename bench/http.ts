/**
 * HTTP API throughput: ANrkhCaseDetail with two filters over 1,000,000 content cases, signed requests,
 * driven by autocannon over loopback. The server runs in a child process so the load generator does not
 * share its event loop.
 *
 *   npx tsx bench/http.ts [--rows 1000000] [--duration 10] [--connections 10] [--fresh]
 *
 * The database is built once in the OS temp dir (one transaction, ~1–3 min for 1M rows) and reused.
 */

import { fork } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { buildContentCases } from './util.js'

const KEY = 'bench-app-key-0123456789abcdef0123'
const SECRET = 'bench-app-secret'

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    fresh: { type: 'boolean', default: false },
    serve: { type: 'string' },
  },
})
const ROWS = Number(args.rows)

async function serve(dbPath: string): Promise<void> {
  const { createApp } = await import('../src/app.js')
  const { systemClock } = await import('../src/core/clock.js')
  const { parseConfig } = await import('../src/config.js')
  const { openDb } = await import('../src/db/client.js')
  const { createHttpServer } = await import('../src/http/server.js')
  const { createLogger } = await import('../src/logger.js')
  const { createDictionaryProvider } = await import('../src/search/dictionary-provider.js')
  const config = parseConfig({ DB_PATH: dbPath, API_APP_KEY: KEY, API_APP_SECRET: SECRET, LOG_LEVEL: 'warn' })
  const logger = createLogger({ level: 'warn' })
  const db = openDb(dbPath)
  const app = createApp({
    config,
    db,
    logger,
    clock: systemClock,
    dictionary: createDictionaryProvider(db),
    repliers: {},
  })
  const server = createHttpServer({ config, logger, db, app })
  const url = await server.start(0, '127.0.0.1')
  // fastify's floor on this machine, in the same process: a trivial JSON route, no database, no auth.
  const { default: Fastify } = await import('fastify')
  const floor = Fastify({ logger: false })
  floor.get('/ping', async () => ({ ret: 200, data: { ok: true }, msg: '' }))
  const floorUrl = await floor.listen({ port: 0, host: '127.0.0.1' })
  process.send?.({ url, floorUrl })
}

function sign(params: Record<string, string>): string {
  const names = Object.keys(params).sort()
  return createHash('md5')
    .update(names.map((k) => params[k]).join('') + SECRET)
    .digest('hex')
    .toUpperCase()
}

/** Signed request paths rotating through filter combinations. */
function paths(combos: Array<Record<string, string>>): string[] {
  return combos.map((filters) => {
    const p = { app_key: KEY, page: '1', perpage: '10', ...filters }
    return `/api/SVIP/Andy_MyApi/ANrkhCaseDetail?${new URLSearchParams({ ...p, sign: sign(p) })}`
  })
}

const INDUSTRIES = ['制造', '金融', '医药', '零售', '能源', '互联网', '房地产']
const TYPES = ['国企', '民营', '央企', '上市', '外资']
const WORDS = ['领导力', '新员工', '销售', '数字化', '管理者']

const SCENARIOS: Array<{ name: string; paths: string[] }> = [
  {
    name: 'yxt_industry_1 + enterprise_type',
    paths: paths(INDUSTRIES.flatMap((i) => TYPES.map((t) => ({ yxt_industry_1: i, enterprise_type: t })))),
  },
  {
    name: 'yxt_industry_1 + xm_name (text)',
    paths: paths(INDUSTRIES.flatMap((i) => WORDS.map((w) => ({ yxt_industry_1: i, xm_name: w })))),
  },
]

async function load(base: string, scenario: { name: string; paths: string[] }): Promise<autocannon.Result> {
  let i = 0
  return autocannon({
    url: base,
    connections: Number(args.connections),
    duration: Number(args.duration),
    requests: [
      { method: 'GET', setupRequest: (req) => ({ ...req, path: scenario.paths[i++ % scenario.paths.length]! }) },
    ],
  })
}

async function main(): Promise<void> {
  const dbPath = join(tmpdir(), `andy-bench-http-${ROWS}.db`)
  if (args.serve) return serve(args.serve)
  if (args.fresh && existsSync(dbPath))
    for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(f, { force: true })
  await buildContentCases(dbPath, ROWS)
  const child = fork(fileURLToPath(import.meta.url), ['--serve', dbPath, '--rows', String(ROWS)], {
    execArgv: process.execArgv,
    stdio: 'inherit',
  })
  try {
    const { url: base, floorUrl } = await new Promise<{ url: string; floorUrl: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { url: string; floorUrl: string }))
      child.once('exit', (code) => reject(new Error(`server exited (${code})`)))
    })
    // Check the answers are real before measuring them.
    const sample = (await (await fetch(`${base}${SCENARIOS[0]!.paths[0]}`)).json()) as {
      ret: number
      data: { zong_shu: number }
    }
    if (sample.ret !== 200) throw new Error(`sanity request failed: ${JSON.stringify(sample)}`)
    console.log(
      `\nANrkhCaseDetail over ${ROWS.toLocaleString()} rows, ${args.connections} connections, ${args.duration} s per scenario (e.g. 制造+国企: ${sample.data.zong_shu.toLocaleString()} matches)\n`,
    )
    const rows: Array<Record<string, string | number>> = []
    for (const s of [
      { name: 'fastify floor: trivial JSON route', paths: ['/ping'], base: floorUrl },
      ...SCENARIOS.map((x) => ({ ...x, base })),
    ]) {
      // Warm-up: every filter set once (integrations repeat theirs in loops), then a short burst.
      for (const p of s.paths) await fetch(`${s.base}${p}`).then((r) => r.arrayBuffer())
      await load(s.base, { ...s, paths: s.paths.slice(0, 5) }).catch(() => undefined)
      const r = await load(s.base, s)
      rows.push({
        scenario: s.name,
        'req/s': Math.round(r.requests.average),
        'p50 ms': r.latency.p50,
        'p99 ms': r.latency.p99,
        'max ms': r.latency.max,
        target:
          s.paths[0] === '/ping'
            ? '-'
            : r.requests.average >= 1500 && r.latency.p99 <= 25
              ? 'met'
              : 'missed (≥ 1,500 req/s, p99 ≤ 25 ms)',
        requests: r.requests.total,
        'non-2xx': r.non2xx,
        errors: r.errors + r.timeouts,
      })
    }
    console.log(
      `load average before: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} cores`,
    )
    console.table(rows)
  } finally {
    child.kill()
  }
}

await main()
