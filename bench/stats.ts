/**
 * Issue 6 figures: `统计` over 1,000,000 usage records (one year, 3,000 reps, 200 groups) — reply time
 * (query + aggregates + markdown; target ≤ 300 ms), chart render time, and the whole message through the
 * dispatcher (inbox, handler, chart, usage record).
 * Run: npx tsx bench/stats.ts [rows=1000000] [--reuse]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createApp } from '../src/app.js'
import { parseConfig } from '../src/config.js'
import { openDb } from '../src/db/client.js'
import { storesOf } from '../src/db/stores/index.js'
import { usageCount } from '../src/db/usage.js'
import { insertUsageMany } from '../src/db/usage-stats.js'
import { generateUsageRows } from '../src/demo/usage.js'
import { createLogger } from '../src/logger.js'
import { createDictionaryProvider } from '../src/search/dictionary-provider.js'
import { formatStatsReply } from '../src/stats/format.js'
import { renderStatsImage } from '../src/stats/usage-chart.js'
import { computeUsageStatsAsync, readStatsQueryFrom, type StatsScope } from '../src/stats/usage-stats.js'
import { writeStatsWorkbook } from '../src/stats/workbook.js'
import { LocalReplier, localEnvelope } from '../src/transport/local.js'
import { percentile, printTable } from './util.js'

const ROWS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000)
const REUSE = process.argv.includes('--reuse')
const RUNS = 7
/** The fixed "now" of the bench: 2026-11-28 10:00 China time; the records cover the year before. */
const NOW = Date.parse('2026-11-28T02:00:00Z')

const dir = REUSE ? join(tmpdir(), 'andy-bench-stats') : mkdtempSync(join(tmpdir(), 'andy-bench-stats-'))
const dbPath = join(dir, `usage-${ROWS}.db`)
const fresh = !existsSync(dbPath)
const db = openDb(dbPath)
if (fresh) {
  const t0 = performance.now()
  insertUsageMany(
    db,
    generateUsageRows({ rows: ROWS, endDate: '2026-11-28', days: 365, users: 3000, groups: 200, seed: 11 }),
  )
  const s = (performance.now() - t0) / 1000
  process.stdout.write(
    `filled ${ROWS.toLocaleString('en-US')} usage records in ${s.toFixed(1)} s (${Math.round(ROWS / s).toLocaleString('en-US')} rows/s)\n`,
  )
}
const total = usageCount(db)

/** The store the handler reads through (stores/usage-types.ts; SQLite here). */
const usage = storesOf({ db }).usage
const ADMIN: StatsScope = { kind: 'all' }
const REP: StatsScope = { kind: 'self', userId: 'u00007', nick: 'rep' }

interface Scenario {
  name: string
  text: string
  scope: StatsScope
}
const scenarios: Scenario[] = [
  { name: '统计 (admin, default 最近7天)', text: '统计', scope: ADMIN },
  { name: '统计 本月 (admin)', text: '统计 本月', scope: ADMIN },
  { name: '统计 最近30天 (admin)', text: '统计 最近30天', scope: ADMIN },
  { name: '统计 最近30天 案例 群聊 (admin)', text: '统计 最近30天 案例 群聊', scope: ADMIN },
  { name: '统计 最近30天 (rep: own records)', text: '统计 最近30天', scope: REP },
  { name: '统计 今年 (admin, ~0.9M rows in range)', text: '统计 今年', scope: ADMIN },
  { name: '统计 全部 (admin, all 1M rows)', text: '统计 全部', scope: ADMIN },
]

const rows: Array<Array<string | number>> = []
for (const sc of scenarios) {
  const times: number[] = []
  const charts: number[] = []
  const cpu: number[] = []
  let n = 0
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    const q = await readStatsQueryFrom(usage, sc.text, NOW)
    const stats = await computeUsageStatsAsync(usage, q, sc.scope)
    formatStatsReply(stats, { chart: true })
    times.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000)
    n = stats.total
    const t1 = performance.now()
    renderStatsImage(stats)
    charts.push(performance.now() - t1)
  }
  const p50 = percentile(times, 50)
  rows.push([
    sc.name,
    n.toLocaleString('en-US'),
    times[0]!.toFixed(0),
    p50.toFixed(0),
    percentile(times, 95).toFixed(0),
    p50 <= 300 ? 'yes' : 'no',
    percentile(cpu, 50).toFixed(0),
    percentile(charts, 50).toFixed(0),
  ])
}
printTable(
  `统计 over ${total.toLocaleString('en-US')} usage records (${RUNS} runs each; ms; reply = parse + SQL aggregates + markdown; CPU = this process's CPU time, less sensitive to a busy machine)\nload average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} cores`,
  ['scenario', 'records in range', 'first', 'reply p50', 'reply max', '≤ 300 ms', 'CPU p50', 'chart p50'],
  rows,
)

// The whole message through the dispatcher, as a DingTalk admin sends it (inbox, handler, chart file, usage record).
const config = parseConfig({ LOG_LEVEL: 'silent', DB_PATH: dbPath, ANDY_ADMIN_STAFF_IDS: 'boss' })
const app = createApp({
  config,
  db,
  logger: createLogger({ level: 'silent' }),
  clock: { now: () => NOW },
  dictionary: createDictionaryProvider(db),
  repliers: { local: new LocalReplier() },
})
const end2end: number[] = []
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now()
  await app.handleNow(localEnvelope('统计', { nick: '赵经理', staffId: 'boss' }, NOW))
  end2end.push(performance.now() - t0)
}
// A year-long 统计 through the dispatcher: how long other messages wait (the handler yields between queries).
const loop = monitorEventLoopDelay({ resolution: 10 })
loop.enable()
const yt0 = performance.now()
await app.handleNow(localEnvelope('统计 今年', { nick: '赵经理', staffId: 'boss' }, NOW))
const yearMs = performance.now() - yt0
loop.disable()
/** `统计 导出` as the handler runs it (statistics, then the workbook), `runs` times: wall and CPU ms. */
async function exportFigures(text: string, runs: number) {
  const wall: number[] = []
  const cpu: number[] = []
  let res: Awaited<ReturnType<typeof writeStatsWorkbook>> | undefined
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    const stats = await computeUsageStatsAsync(usage, await readStatsQueryFrom(usage, text, NOW), ADMIN)
    res = await writeStatsWorkbook(usage, stats, join(dir, 'export.xlsx'))
    wall.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000)
  }
  const d = res!.detail
  const what = `${res!.sheetRows.length} sheets, ${res!.rows.toLocaleString('en-US')} rows; 明细 ${d.shown.toLocaleString('en-US')} of ${d.total.toLocaleString('en-US')} records`
  return { what, p50: percentile(wall, 50), max: Math.max(...wall), cpu: percentile(cpu, 50) }
}
const exportLoad = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')
const week = await exportFigures('统计 导出', 3)
const year = await exportFigures('统计 今年 导出', 3)
const all = await exportFigures('统计 全部 导出', 1)
printTable(
  `Whole messages (ms; the exports: statistics + workbook as the handler writes it, load average before them ${exportLoad})`,
  ['what', 'p50', 'max'],
  [
    [
      '统计 via the dispatcher (reply + chart PNG + usage record)',
      percentile(end2end, 50).toFixed(0),
      Math.max(...end2end).toFixed(0),
    ],
    [
      '统计 今年 via the dispatcher (longest event-loop block in the column "max")',
      yearMs.toFixed(0),
      (loop.max / 1e6).toFixed(0),
    ],
    ...(
      [
        ['统计 导出 (最近7天)', week],
        ['统计 今年 导出 (target ≤ 3,000 ms)', year],
        ['统计 全部 导出', all],
      ] as const
    ).map(([name, e]) => [
      `${name}: ${e.what}; CPU p50 ${e.cpu.toFixed(0)} ms${name.includes('target') ? `; ≤ 3,000 ms: ${e.p50 <= 3000 ? 'yes' : 'no'}` : ''}`,
      e.p50.toFixed(0),
      e.max.toFixed(0),
    ]),
  ],
)
await app.stop(1000)
db.close()
if (!REUSE) rmSync(dir, { recursive: true, force: true })
