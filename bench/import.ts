/**
 * Issue 11 figures: `andy import` of a 200,000-row CSV of content cases (the widest table, four
 * full-text columns) into an empty database — rows per second including the search indexes (the
 * bigram FTS tables) — and the peak RSS of the importing process (its parsing worker included) for the
 * same file, about 100 MB. Then a re-import of the same file (every row matched by its natural key:
 * unchanged) and a dry run. Each run is its own child process, so RSS peaks do not mix.
 * Targets: ≥ 50,000 rows/s; peak RSS ≤ 400 MB for a 100 MB file.
 * Run: npx tsx bench/import.ts [--rows=200000]
 */
import { spawnSync } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openDb } from '../src/db/client.js'
import { iterateRecords } from '../src/demo/generate.js'
import { tableByKey } from '../src/tables/index.js'
import { importCases } from '../src/services/importer.js'
import { printTable } from './util.js'

const arg = (name: string, def: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def)
const ROWS = arg('rows', 200_000)
const spec = tableByKey('content-cases')!

const csvCell = (v: unknown) => {
  const s = v == null ? '' : String(v)
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/** The demo generator's rows with unique customer names (so every row is its own natural key). */
async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path)
  const cols = spec.columns.filter((c) => !c.internal && !c.derivedFrom)
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
  rows: number
  inserted: number
  updated: number
  unchanged: number
  maxRssMb: number
}

async function child(mode: string, csv: string, dbPath: string): Promise<void> {
  const db = openDb(dbPath)
  const t0 = performance.now()
  const r = await importCases(db, spec, csv, { dryRun: mode === 'dry-run' })
  const seconds = (performance.now() - t0) / 1000
  db.close()
  const f: Figures = { seconds, rows: r.rowsRead, inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, maxRssMb: process.resourceUsage().maxRSS / 1024 }
  process.stdout.write(`${JSON.stringify(f)}\n`)
}

function runChild(mode: string, csv: string, dbPath: string): Figures {
  const self = fileURLToPath(import.meta.url)
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', mode, csv, dbPath], { encoding: 'utf8', maxBuffer: 1 << 20 })
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures
}

async function main(): Promise<void> {
  const ci = process.argv.indexOf('--child')
  if (ci >= 0) return child(process.argv[ci + 1]!, process.argv[ci + 2]!, process.argv[ci + 3]!)
  const dir = mkdtempSync(join(tmpdir(), 'andy-bench-import-'))
  try {
    const csv = join(dir, 'content-cases.csv')
    await writeCsv(csv, ROWS)
    const mbytes = statSync(csv).size / 1048576
    const dbPath = join(dir, 'andy.db')
    const runs: Array<[string, Figures]> = [
      ['import into an empty table', runChild('import', csv, dbPath)],
      ['re-import (all unchanged)', runChild('import', csv, dbPath)],
      ['--dry-run', runChild('dry-run', csv, dbPath)],
    ]
    printTable(
      `Import: ${ROWS.toLocaleString('en-US')}-row CSV of content cases (${mbytes.toFixed(0)} MB, ${spec.columns.length} columns, FTS over ${spec.columns.filter((c) => c.free).length})`,
      ['run', 'seconds', 'rows/s', 'new', 'updated', 'unchanged', 'peak RSS MB'],
      runs.map(([name, f]) => [name, f.seconds.toFixed(2), Math.round(f.rows / f.seconds).toLocaleString('en-US'), f.inserted, f.updated, f.unchanged, f.maxRssMb.toFixed(0)]),
    )
    const first = runs[0]![1]
    const rate = first.rows / first.seconds
    const peak = Math.max(...runs.map(([, f]) => f.maxRssMb))
    process.stdout.write(`\ntargets: ${Math.round(rate).toLocaleString('en-US')} rows/s ${rate >= 50_000 ? '≥' : '<'} 50,000; peak RSS ${peak.toFixed(0)} MB ${peak <= 400 ? '≤' : '>'} 400 MB (${mbytes.toFixed(0)} MB file)\n`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
