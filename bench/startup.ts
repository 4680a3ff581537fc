/**
 * Start-up of the compiled CLI (issue 13): cold `andy --help`, `andy ask --json …` (wall time and peak RSS)
 * on the demo database, and `andy start` until its stream is connected to the fake gateway; `node -e 0`
 * beside them as the floor, and the same commands from source through tsx for comparison. Best of N runs
 * (default 5).
 * Run: npm run bench -- startup [--runs=5]
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { e2eBot } from '../test/helpers/e2e-bot.js'
import { printTable } from './util.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5)
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

printTable(
  `Start-up, best of ${RUNS} (compiled dist/ unless noted; demo database)`,
  ['command', 'seconds', 'peak RSS MB'],
  rows,
)
process.exit(0)
