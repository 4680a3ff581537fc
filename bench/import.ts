/**
 * Issue 11 figures: `andy import` of a 200,000-row CSV of content cases (the widest table, four
 * full-text columns) into an empty database — rows per second including the search indexes (the
 * bigram FTS tables) — and the peak RSS of the importing process (its parsing worker included) for the
 * same file, about 100 MB. Then a re-import of the same file (every row matched by its natural key:
 * unchanged) and a dry run. Each run is its own child process, so RSS peaks do not mix.
 * Two files: "wide" (every column, ~490 bytes a row: a 100-character summary each, ~150 bigrams a
 * row to index) and "typical" (an admin sheet of the usual width: no summary or link, ~150 bytes a row).
 * Per run: wall and CPU seconds (the CPU of both threads: on a shared machine the wall clock mostly
 * measures the neighbours) and where the main thread's time went (plan / waiting for rows / prepare /
 * write / FTS / commit).
 * Targets: ≥ 50,000 rows/s; peak RSS ≤ 400 MB for a 100 MB file.
 * Run: npx tsx bench/import.ts [--rows=200000] [--only=wide|typical]
 */
import { spawnSync } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openDb } from '../src/db/client.js'
import { iterateRecords } from '../src/demo/generate.js'
import { type ImportPhases, importCases } from '../src/services/importer.js'
import { tableByKey } from '../src/tables/index.js'
import { printTable } from './util.js'

const arg = (name: string, def: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def)
const ROWS = arg('rows', 200_000)
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1]
const spec = tableByKey('content-cases')!
/** Columns left out of the "typical" file (long free text). */
const WIDE_ONLY = new Set(['summary', 'case_url'])

const csvCell = (v: unknown) => {
  const s = v == null ? '' : String(v)
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/** The demo generator's rows with unique customer names (so every row is its own natural key). */
async function writeCsv(path: string, rows: number, wide: boolean): Promise<void> {
  const out = createWriteStream(path)
  const cols = spec.columns.filter((c) => !c.internal && !c.derivedFrom && (wide || !WIDE_ONLY.has(c.name)))
  out.write(`\uFEFF${cols.map((c) => c.label).join(',')}\n`)
  let i = 0
  let buf = ''
  for (const r of iterateRecords('content-cases', rows, 7)) {
    r.kh_name = `${r.kh_name}${i++}`
    buf += `${cols.map((c) => csvCell(r[c.name])).join(',')}\n`
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((res) => out.once('drain', () => res()))
      buf = ''
    }
  }
  out.end(buf)
  await new Promise<void>((res) => out.on('finish', () => res()))
}

interface Figures {
  seconds: number
  cpuSeconds: number
  phases: ImportPhases
  rows: number
  inserted: number
  updated: number
  unchanged: number
  maxRssMb: number
}

async function child(mode: string, csv: string, dbPath: string): Promise<void> {
  const db = openDb(dbPath)
  const phases: ImportPhases = {}
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  const r = await importCases(db, spec, csv, { dryRun: mode === 'dry-run', phases })
  const seconds = (performance.now() - t0) / 1000
  const used = process.cpuUsage(cpu)
  db.close()
  const f: Figures = {
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    phases,
    rows: r.rowsRead,
    inserted: r.inserted,
    updated: r.updated,
    unchanged: r.unchanged,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }
  process.stdout.write(`${JSON.stringify(f)}\n`)
}

function runChild(mode: string, csv: string, dbPath: string): Figures {
  const self = fileURLToPath(import.meta.url)
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', mode, csv, dbPath], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures
}

const sec = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(1)

async function scenario(dir: string, name: 'wide' | 'typical'): Promise<void> {
  const csv = join(dir, `content-cases-${name}.csv`)
  await writeCsv(csv, ROWS, name === 'wide')
  const bytes = statSync(csv).size
  const mbytes = bytes / 1048576
  const dbPath = join(dir, `andy-${name}.db`)
  const runs: Array<[string, Figures]> = [
    ['import into an empty table', runChild('import', csv, dbPath)],
    ['re-import (all unchanged)', runChild('import', csv, dbPath)],
    ['--dry-run', runChild('dry-run', csv, dbPath)],
  ]
  const cols = spec.columns.filter((c) => !c.internal && !c.derivedFrom && (name === 'wide' || !WIDE_ONLY.has(c.name)))
  printTable(
    `Import (${name}): ${ROWS.toLocaleString('en-US')}-row CSV of content cases (${mbytes.toFixed(0)} MB, ${Math.round(bytes / ROWS)} bytes a row, ${cols.length} columns, FTS over ${cols.filter((c) => c.free).length})`,
    [
      'run',
      'seconds',
      'rows/s',
      'CPU s',
      'plan',
      'wait rows',
      'prepare',
      'write',
      'FTS',
      'commit',
      'new',
      'updated',
      'unchanged',
      'peak RSS MB',
    ],
    runs.map(([run, f]) => {
      const p = f.phases
      return [
        run,
        f.seconds.toFixed(2),
        Math.round(f.rows / f.seconds).toLocaleString('en-US'),
        f.cpuSeconds.toFixed(1),
        sec(p.plan),
        sec(p.read),
        sec(p.prepare),
        sec(p.write),
        sec(p.fts),
        sec(p.commit),
        f.inserted,
        f.updated,
        f.unchanged,
        f.maxRssMb.toFixed(0),
      ]
    }),
  )
  const first = runs[0]![1]
  const rate = first.rows / first.seconds
  const peak = Math.max(...runs.map(([, f]) => f.maxRssMb))
  process.stdout.write(
    `targets (${name}): ${Math.round(rate).toLocaleString('en-US')} rows/s ${rate >= 50_000 ? '≥' : '<'} 50,000; peak RSS ${peak.toFixed(0)} MB ${peak <= 400 ? '≤' : '>'} 400 MB (${mbytes.toFixed(0)} MB file)\n`,
  )
}

async function main(): Promise<void> {
  const ci = process.argv.indexOf('--child')
  if (ci >= 0) return child(process.argv[ci + 1]!, process.argv[ci + 2]!, process.argv[ci + 3]!)
  const dir = mkdtempSync(join(tmpdir(), 'andy-bench-import-'))
  try {
    for (const name of ['wide', 'typical'] as const) if (!ONLY || ONLY === name) await scenario(dir, name)
    process.stdout.write(
      '(seconds per phase: the main thread; "wait rows" is time it waited for the parsing worker, which reads in parallel)\n',
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
