/**
 * Start-up of the compiled CLI (issue 13): cold `andy --help`, `andy ask --json …` (wall time and peak RSS)
 * on the demo database, and `andy start` until its stream is connected to the fake gateway; `node -e 0`
 * beside them as the floor, and the same commands from source through tsx for comparison. Best of N runs
 * (default 5).
 * Issue 16: `andy start` with 1,000,000 content cases and 100,000 rows in each other table — from spawn
 * until the first search sent through the fake gateway is answered on its sessionWebhook, and the RSS
 * then; without a dictionary snapshot (a database copied in) and with one (every start after a build or an
 * `andy import`, which stores it).
 * The big database is built once in the OS temp dir and reused. --no-big skips it, --only-big runs only it.
 * Run: npm run bench -- startup [--runs=5] [--no-big | --only-big]
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { e2eBot } from '../test/helpers/e2e-bot.js'
import { robotTextPayload } from '../test/helpers/fake-gateway.js'
import { buildCaseTables, printTable } from './util.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5)
/** Children still running when the bench stops (an error half-way) are stopped with it. */
const children = new Set<ReturnType<typeof spawn>>()
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
})

const dir = mkdtempSync(join(tmpdir(), 'andy-bench-startup-'))
const dbPath = join(dir, 'demo.db')
// Preloaded into each child: reports its peak RSS (KiB) on stderr as it exits.
const rssHook = join(dir, 'rss.cjs')
writeFileSync(
  rssHook,
  "process.on('exit', () => process.stderr.write('\\nMAXRSS ' + process.resourceUsage().maxRSS + '\\n'))\n",
)

const env = { ...process.env, DB_PATH: dbPath, NO_COLOR: '1', LOG_LEVEL: 'warn' }
spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: ROOT, stdio: 'inherit' })
const seeded = spawnSync(process.execPath, ['bin/andy.js', 'seed'], { cwd: ROOT, env, encoding: 'utf8' })
if (seeded.status !== 0) throw new Error(`andy seed failed: ${seeded.stderr}`)

interface Sample {
  ms: number
  rssMb: number
}

function once(args: string[]): Sample {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, ['-r', rssHook, ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  })
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status}: ${r.stderr}`)
  const kib = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? Number.NaN)
  return { ms, rssMb: kib / 1024 }
}

function best(args: string[]): Sample {
  const samples = Array.from({ length: RUNS }, () => once(args))
  return { ms: Math.min(...samples.map((s) => s.ms)), rssMb: Math.min(...samples.map((s) => s.rssMb)) }
}

const question = ['ask', '--json', '制造业 5000人以上 国企 的客户案例']

/** The demo database: floor, --help, ask (compiled and from source), start → connected. */
async function demo(): Promise<void> {
  const rows: Array<[string, string, string]> = []
  const add = (name: string, s: Sample): void => void rows.push([name, (s.ms / 1000).toFixed(2), s.rssMb.toFixed(0)])

  add('node -e 0 (floor)', best(['-e', '0']))
  add('andy --help', best(['bin/andy.js', '--help']))
  add('andy ask --json …', best(['bin/andy.js', ...question]))
  add('tsx src/main.ts --help (from source)', best(['--import', 'tsx', 'src/main.ts', '--help']))
  add('tsx src/main.ts ask --json … (from source)', best(['--import', 'tsx', 'src/main.ts', ...question]))

  // andy start: spawn → the fake gateway holds its stream connection.
  const bot = await e2eBot()
  const startTimes: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const before = bot.gateway.connectionCount
    const t0 = performance.now()
    const child = spawn(process.execPath, ['bin/andy.js', 'start'], {
      cwd: ROOT,
      env: { ...env, ...bot.env, DB_PATH: dbPath, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    })
    while (bot.gateway.connectionCount <= before) {
      if (child.exitCode !== null) throw new Error(`andy start exited with ${child.exitCode}`)
      await new Promise((r) => setTimeout(r, 5))
    }
    startTimes.push(performance.now() - t0)
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    await exited
  }
  rows.push(['andy start → connected (fake gateway)', (Math.min(...startTimes) / 1000).toFixed(2), '–'])
  await bot.close()
  rmSync(dir, { recursive: true, force: true })

  const TARGETS: Record<string, string> = {
    'andy --help': '≤ 0.3 s',
    'andy ask --json …': '≤ 0.5 s, ≤ 120 MB',
    'andy start → connected (fake gateway)': '≤ 1.5 s',
  }
  printTable(
    `Start-up, best of ${RUNS} (compiled dist/ unless noted; demo database)`,
    ['command', 'seconds', 'peak RSS MB', 'target'],
    rows.map((r) => [...r, TARGETS[r[0]] ?? '']),
  )
}

if (!process.argv.includes('--only-big')) await demo()
if (!process.argv.includes('--no-big')) await bigTables(Math.min(RUNS, 3))
process.exit(0)

/** Resident and peak resident memory of a process (Linux /proc), in MB. */
function memoryOf(pid: number): { rssMb: number; hwmMb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN)
    return { rssMb: kib('VmRSS') / 1024, hwmMb: kib('VmHWM') / 1024 }
  } catch {
    return { rssMb: Number.NaN, hwmMb: Number.NaN }
  }
}

/** andy start on 1,000,000 content cases + 100,000 rows per other table: spawn → first search answered. */
async function bigTables(runs: number): Promise<void> {
  const { openDb } = await import('../src/db/client.js')
  const { setMeta } = await import('../src/db/meta.js')
  const { createDictionaryProvider } = await import('../src/search/dictionary-provider.js')
  const big = join(tmpdir(), 'andy-bench-startup-big-1000000.db')
  await buildCaseTables(big, {
    'content-cases': 1_000_000,
    'pitch-plans': 100_000,
    'competitor-switches': 100_000,
    procurements: 100_000,
    'software-cases': 100_000,
  })
  const e = await e2eBot()
  const out: Array<[string, string, string, string, string]> = []
  for (const snapshot of ['none', 'stored'] as const) {
    const db = openDb(big)
    if (snapshot === 'none') setMeta(db, 'dictionary_snapshot', '')
    else {
      // What the first start leaves behind once its indexes are built (here built in this process).
      const provider = createDictionaryProvider(db)
      await provider.warm()
      await provider.indexed()
    }
    db.close()
    let best = { ms: Number.POSITIVE_INFINITY, rssMb: Number.NaN, hwmMb: Number.NaN }
    for (let i = 0; i < runs; i++) {
      const path = `/big-${snapshot}-${i}`
      const before = e.gateway.connectionCount
      const t0 = performance.now()
      const child = spawn(process.execPath, ['bin/andy.js', 'start'], {
        cwd: ROOT,
        env: { ...env, ...e.env, DB_PATH: big, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn' },
        stdio: ['ignore', process.env.BENCH_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit'],
      })
      children.add(child)
      while (e.gateway.connectionCount <= before) {
        if (child.exitCode !== null) throw new Error(`andy start exited with ${child.exitCode}`)
        await new Promise((r) => setTimeout(r, 5))
      }
      await e.gateway.sendRobotMessage(
        robotTextPayload({ text: question[2]!, sessionWebhook: e.sink.url(path), conversationType: '1' }),
        { ackTimeoutMs: 120_000 },
      )
      while (!e.sink.requests.some((r) => r.path.startsWith(path))) {
        if (child.exitCode !== null) throw new Error(`andy start exited with ${child.exitCode}`)
        await new Promise((r) => setTimeout(r, 5))
      }
      const ms = performance.now() - t0
      const mem = memoryOf(child.pid!)
      if (ms < best.ms) best = { ms, ...mem }
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    }
    out.push([
      snapshot === 'none' ? 'no snapshot (a database copied in)' : 'snapshot stored (after andy import or a build)',
      (best.ms / 1000).toFixed(2),
      best.rssMb.toFixed(0),
      best.hwmMb.toFixed(0),
      '≤ 5 s, ≤ 1024 MB',
    ])
  }
  await e.close()
  printTable(
    `andy start with 1,000,000 content cases + 100,000 rows in each other table: spawn → first search answered (fake gateway → sessionWebhook), best of ${runs}`,
    ['start', 'seconds', 'RSS MB then', 'peak RSS MB', 'target'],
    out,
  )
}
