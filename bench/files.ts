/**
 * Issue 18 figures: how long Andy takes to refuse each kind of hostile file, and the peak RSS of the
 * process meanwhile (the parsing worker runs inside it), next to reading a large legitimate workbook.
 * Each case runs in its own child process (RSS peaks do not mix); the parsing worker is started and its
 * parsers loaded first, so "boot" (once per process) is apart from the case itself.
 * Target (issue 18): every bomb refused within 5 s, peak RSS far below what parsing it would take.
 * Run: npx tsx bench/files.ts [--rows=100000]
 */
import { spawnSync } from 'node:child_process'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import ExcelJS from 'exceljs'
import { DEFAULT_FILE_LIMITS, type FileLimits } from '../src/core/file-limits.js'
import { checkImage } from '../src/services/file-image.js'
import { extractText, FileError } from '../src/services/files.js'
import { readTableRows } from '../src/services/table-file.js'
import * as bombs from '../test/helpers/bombs.js'
import { makePdf } from '../test/helpers/documents.js'
import { mb, printTable } from './util.js'

const arg = (name: string, def: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def)
const ROWS = arg('rows', 100_000)

async function largeWorkbook(rows: number): Promise<Buffer> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true })
  const ws = wb.addWorksheet('客户')
  ws.addRow(['客户名称', '行业', '省份', '人数', '年份', '签约日期', '金额', '产品', '销售', '备注']).commit()
  for (let i = 0; i < rows; i++)
    ws.addRow([
      `客户${i}`,
      ['制造业', '金融', '医药'][i % 3],
      '江苏',
      1000 + i,
      2020 + (i % 6),
      new Date(Date.UTC(2024, i % 12, 1)),
      i * 10,
      `产品${i % 50}`,
      `销售${i % 40}`,
      `第 ${i} 行备注`,
    ]).commit()
  ws.commit()
  await wb.commit()
  return Buffer.concat(chunks)
}

async function drain(rows: AsyncIterable<unknown>): Promise<number> {
  let n = 0
  for await (const _ of rows) n++
  return n
}

const heavyLimits: FileLimits = { ...DEFAULT_FILE_LIMITS, workerHeapMb: 64, maxRatio: 100_000 }

/** name → [what, build the input, run it (returns what happened)] */
const CASES: Record<string, [string, () => Promise<unknown> | unknown, (input: never) => Promise<string>]> = {
  xlsx: [
    'xlsx, one worksheet inflating to 400 MB (1.2 MB file)',
    () => bombs.xlsxBomb(),
    (b: Buffer) => refusal(extractText(b, { fileName: 'b.xlsx' })),
  ],
  docx: [
    'docx, document.xml inflating to 400 MB',
    () => bombs.docxBomb(),
    (b: Buffer) => refusal(extractText(b, { fileName: 'b.docx' })),
  ],
  pptx: [
    'pptx, one slide inflating to 400 MB',
    () => bombs.pptxBomb(),
    (b: Buffer) => refusal(extractText(b, { fileName: 'b.pptx' })),
  ],
  liar: [
    'xlsx, directory says 10 KB, part inflates to 400 MB',
    () => bombs.xlsxBomb(400 * bombs.MB, 10_000),
    (b: Buffer) => refusal(extractText(b, { fileName: 'b.xlsx' })),
  ],
  import: [
    'andy import path: the 400 MB xlsx',
    () => bombs.xlsxBomb(),
    (b: Buffer) => refusal(drain(readTableRows({ buffer: b, fileName: 'b.xlsx' }))),
  ],
  entries: [
    'zip of 100,000 tiny entries',
    () => bombs.xlsxManyEntries(),
    (b: Buffer) => refusal(extractText(b, { fileName: 'b.xlsx' })),
  ],
  pages: [
    'PDF declaring 100,000,000 pages (13 KB)',
    () => bombs.pdfHugePageCount(),
    (b: Buffer) => refusal(extractText(b, { fileName: 'b.pdf' })),
  ],
  loop: [
    'PDF whose page tree loops',
    () => bombs.pdfLoopingPages(),
    (b: Buffer) => refusal(extractText(b, { fileName: 'b.pdf' })),
  ],
  stream: [
    'PDF content stream inflating to 1 GB',
    () => bombs.pdfStreamBomb(),
    (b: Buffer) => refusal(extractText(b, { fileName: 'b.pdf' })),
  ],
  png: [
    'PNG declaring 50,000 × 50,000 pixels',
    () => bombs.pngDeclaring(),
    async (b: Buffer) => refusal(Promise.resolve().then(() => checkImage(b, DEFAULT_FILE_LIMITS))),
  ],
  heap: [
    '60 MB slide in a 64 MB worker heap (isolation)',
    () => bombs.pptxBomb(60 * bombs.MB),
    (b: Buffer) => refusal(extractText(b, { fileName: 'b.pptx', limits: heavyLimits })),
  ],
  legit: [
    `legitimate xlsx, ${ROWS.toLocaleString('en-US')} rows × 10 (import path)`,
    () => largeWorkbook(ROWS),
    async (b: Buffer) =>
      `${(await drain(readTableRows({ buffer: b, fileName: 'b.xlsx' }))).toLocaleString('en-US')} rows read`,
  ],
  report: [
    `the same xlsx as a report (cut at 80,000 chars)`,
    () => largeWorkbook(ROWS),
    async (b: Buffer) =>
      `${(await extractText(b, { fileName: 'b.xlsx', maxChars: 80_000 })).chars.toLocaleString('en-US')} chars kept`,
  ],
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'NOT REFUSED'
  } catch (err) {
    if (err instanceof FileError) return `${err.code}${err.detail.limit ? `/${err.detail.limit}` : ''}`
    const fe = (err as { fileError?: FileError }).fileError
    return fe ? `${fe.code}${fe.detail.limit ? `/${fe.detail.limit}` : ''}` : `error: ${(err as Error).message}`
  }
}

async function child(name: string): Promise<void> {
  const [, build, run] = CASES[name]!
  const t0 = performance.now()
  // Warm the worker with every parser (xlsx, PDF), so each case is timed on its own.
  const limits = name === 'heap' ? heavyLimits : undefined
  await extractText(bombs.xlsxSharedStringsLast([{ name: 'warm', rows: [['x']] }]), { fileName: 'w.xlsx', limits })
  if (name !== 'heap')
    await extractText(
      await makePdf(1, () => ['This page loads the PDF parser of the worker before the case is timed.']),
      { fileName: 'w.pdf' },
    )
  const boot = performance.now() - t0
  const input = (await build()) as Buffer
  global.gc?.()
  const base = process.memoryUsage().rss
  let peak = base
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5)
  const t1 = performance.now()
  const outcome = await run(input as never)
  const ms = performance.now() - t1
  clearInterval(timer)
  peak = Math.max(peak, process.memoryUsage().rss)
  process.stdout.write(JSON.stringify({ boot, ms, size: input.length, base, peak, outcome }))
  process.exit(0)
}

async function main(): Promise<void> {
  const rows: Array<Array<string | number>> = []
  for (const name of Object.keys(CASES)) {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--expose-gc', fileURLToPath(import.meta.url), `--case=${name}`, `--rows=${ROWS}`],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    )
    let out: { boot: number; ms: number; size: number; base: number; peak: number; outcome: string }
    try {
      out = JSON.parse(r.stdout)
    } catch {
      rows.push([CASES[name]![0], '-', '-', '-', '-', '-', `failed: ${(r.stderr || r.stdout).slice(0, 80)}`])
      continue
    }
    rows.push([
      CASES[name]![0],
      (out.size / 1024).toFixed(0),
      (out.boot / 1000).toFixed(2),
      (out.ms / 1000).toFixed(2),
      mb(out.base),
      mb(out.peak),
      out.outcome,
    ])
  }
  printTable(
    `Hostile files (issue 18): refusal time and process RSS; parsing worker heap limit ${DEFAULT_FILE_LIMITS.workerHeapMb} MB (64 MB in the isolation case)`,
    ['case', 'file KB', 'worker boot s', 'time s', 'RSS before MB', 'RSS peak MB', 'outcome'],
    rows,
  )
}

const only = process.argv.find((a) => a.startsWith('--case='))?.split('=')[1]
if (only) await child(only)
else await main()
