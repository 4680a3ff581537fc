/**
 * Issue 5 figures: an export of 100,000 rows × 12 columns across 3 sheets — seconds and peak RSS — with
 * Andy's builder (src/services/excel.ts) and with exceljs' own streaming writer fed the same rows
 * (each run in its own child process, so RSS peaks do not mix); then text extraction of a 100-page PDF.
 * Targets: peak RSS ≤ 250 MB; time within 1.3× of exceljs streaming.
 * Run: npx tsx bench/excel.ts [--rows=100000] [--runs=2] [--in-memory]  (--in-memory adds exceljs'
 * non-streaming workbook for comparison: it needs gigabytes).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ExcelJS from 'exceljs'
import { type SheetColumn, type SheetSpec, writeWorkbook } from '../src/services/excel.js'
import { extractText } from '../src/services/files.js'
import { makePdf } from '../test/helpers/documents.js'
import { printTable } from './util.js'

const arg = (name: string, def: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def)
const ROWS = arg('rows', 100_000)
const RUNS = arg('runs', 2)
const SHEETS = 3

const COLUMNS: SheetColumn[] = [
  { key: 'id', header: '编号', kind: 'number' },
  { key: 'kh_name', header: '客户名称' },
  { key: 'industry', header: '行业' },
  { key: 'enterprise_type', header: '企业性质' },
  { key: 'province', header: '省份' },
  { key: 'staff_size', header: '人数', kind: 'number' },
  { key: 'money', header: '金额（元）', kind: 'number' },
  { key: 'year', header: '年份', kind: 'number' },
  { key: 'signed_at', header: '签约日期', kind: 'date' },
  { key: 'case_url', header: '案例链接', kind: 'url' },
  { key: 'summary', header: '摘要' },
  { key: 'note', header: '备注' },
]

const INDUSTRIES = ['制造业', '金融', '医药', '能源', '互联网', '零售', '教育', '地产']
const TYPES = ['国企', '央企', '民企', '外企']
const PROVINCES = ['江苏', '浙江', '广东', '北京', '上海', '四川']

/** Deterministic rows: the same for every writer. */
function* rows(sheet: number, n: number): Generator<Record<string, unknown>> {
  for (let i = 0; i < n; i++) {
    const k = sheet * 1_000_003 + i
    yield {
      id: k,
      kh_name: `某${PROVINCES[k % 6]}${INDUSTRIES[k % 8]}集团有限公司${k % 9973}`,
      industry: INDUSTRIES[k % 8],
      enterprise_type: TYPES[k % 4],
      province: PROVINCES[k % 6],
      staff_size: 100 + (k % 20_000),
      money: Math.round(((k * 7919) % 5_000_000) * 100) / 100,
      year: 2021 + (k % 4),
      signed_at: new Date(Date.UTC(2021 + (k % 4), k % 12, 1 + (k % 28))),
      case_url: `https://cases.example.com/c/${k}`,
      summary: `面向${INDUSTRIES[(k + 3) % 8]}新员工与中层管理者的混合式培训项目，覆盖${k % 50}个分公司`,
      note: k % 97 === 0 ? `=HYPERLINK("http://x/${k}")` : k % 89 === 0 ? `-${k}` : `第${k % 7}批次`,
    }
  }
}

function perSheet(s: number): number {
  return Math.floor(ROWS / SHEETS) + (s < ROWS % SHEETS ? 1 : 0)
}

async function child(mode: string, out: string): Promise<void> {
  const t0 = performance.now()
  if (mode === 'andy') {
    const sheets: SheetSpec[] = Array.from({ length: SHEETS }, (_, s) => ({
      name: `结果${s + 1}`,
      columns: COLUMNS,
      rows: rows(s, perSheet(s)),
    }))
    await writeWorkbook(out, sheets)
  } else if (mode === 'exceljs-stream') {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: out, useStyles: true, useSharedStrings: false })
    for (let s = 0; s < SHEETS; s++) {
      const ws = wb.addWorksheet(`结果${s + 1}`, { views: [{ state: 'frozen', ySplit: 1 }] })
      ws.columns = COLUMNS.map((c) => ({ header: c.header, key: c.key, width: 16 }))
      for (const r of rows(s, perSheet(s)))
        ws.addRow(COLUMNS.map((c) => (c.kind === 'url' ? { text: r[c.key], hyperlink: r[c.key] } : r[c.key]))).commit()
      ws.commit()
    }
    await wb.commit()
  } else if (mode === 'exceljs-memory') {
    const wb = new ExcelJS.Workbook()
    for (let s = 0; s < SHEETS; s++) {
      const ws = wb.addWorksheet(`结果${s + 1}`)
      ws.columns = COLUMNS.map((c) => ({ header: c.header, key: c.key, width: 16 }))
      for (const r of rows(s, perSheet(s)))
        ws.addRow(COLUMNS.map((c) => (c.kind === 'url' ? { text: r[c.key], hyperlink: r[c.key] } : r[c.key])))
    }
    await wb.xlsx.writeFile(out)
  } else if (mode === 'pdf') {
    const pdf = await makePdf(100, (p) =>
      Array.from(
        { length: 40 },
        (_, i) =>
          `Page ${p} line ${i + 1}: completion rate ${(p * 7 + i) % 100}% across ${i + 3} business units, satisfaction 4.${i % 10}.`,
      ),
    )
    const t1 = performance.now()
    const res = await extractText(pdf, { maxChars: 10_000_000 })
    const seconds = (performance.now() - t1) / 1000
    process.stdout.write(
      `${JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, bytes: pdf.length, pages: res.pages, chars: res.chars })}\n`,
    )
    return
  }
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage()
  process.stdout.write(
    `${JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, bytes: statSync(out).size })}\n`,
  )
}

interface Figures {
  seconds: number
  /** User + system CPU of the whole child (zlib threads included): steadier than wall time on a busy machine. */
  cpuSeconds?: number
  maxRssMb: number
  bytes: number
  pages?: number
  chars?: number
}

function runChild(mode: string, out: string): Figures {
  const self = fileURLToPath(import.meta.url)
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', mode, out, `--rows=${ROWS}`], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures
}

async function main(): Promise<void> {
  const ci = process.argv.indexOf('--child')
  if (ci >= 0) return child(process.argv[ci + 1]!, process.argv[ci + 2]!)
  const dir = mkdtempSync(join(tmpdir(), 'andy-bench-excel-'))
  try {
    const modes = ['andy', 'exceljs-stream', ...(process.argv.includes('--in-memory') ? ['exceljs-memory'] : [])]
    const results = new Map<string, Figures[]>(modes.map((m) => [m, []]))
    // Alternate the writers so a noisy neighbour on the shared cores hits both alike.
    for (let run = 0; run < RUNS; run++)
      for (const m of modes) results.get(m)!.push(runChild(m, join(dir, `${m}-${run}.xlsx`)))
    const best = (m: string) => results.get(m)!.reduce((a, b) => (b.seconds < a.seconds ? b : a))
    const peak = (m: string) => Math.max(...results.get(m)!.map((f) => f.maxRssMb))
    const base = best('exceljs-stream').seconds
    printTable(
      `Export: ${ROWS.toLocaleString('en-US')} rows × ${COLUMNS.length} columns across ${SHEETS} sheets (best of ${RUNS}; peak RSS = max over runs)`,
      ['writer', 'seconds', 'rows/s', 'CPU s', 'peak RSS MB', 'file MB', 'time vs exceljs stream'],
      modes.map((m) => {
        const f = best(m)
        const cpu = Math.min(...results.get(m)!.map((x) => x.cpuSeconds ?? Number.NaN))
        return [
          m,
          f.seconds.toFixed(2),
          Math.round(ROWS / f.seconds).toLocaleString('en-US'),
          cpu.toFixed(2),
          peak(m).toFixed(0),
          (f.bytes / 1048576).toFixed(1),
          `${(f.seconds / base).toFixed(2)}×`,
        ]
      }),
    )
    const andy = best('andy')
    process.stdout.write(
      `\ntargets: peak RSS ${peak('andy').toFixed(0)} MB ${peak('andy') <= 250 ? '≤' : '>'} 250 MB; time ${(andy.seconds / base).toFixed(2)}× ${andy.seconds / base <= 1.3 ? '≤' : '>'} 1.3× exceljs streaming\n`,
    )
    const pdf = runChild('pdf', join(dir, 'unused'))
    printTable(
      'Text extraction: 100-page PDF (pdfjs-dist, in-process)',
      ['pages', 'PDF KB', 'characters', 'seconds', 'pages/s', 'peak RSS MB'],
      [
        [
          pdf.pages ?? 0,
          (pdf.bytes / 1024).toFixed(0),
          pdf.chars ?? 0,
          pdf.seconds.toFixed(2),
          ((pdf.pages ?? 0) / pdf.seconds).toFixed(0),
          pdf.maxRssMb.toFixed(0),
        ],
      ],
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
