import { mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Writable } from 'node:stream'
import type ExcelJS from 'exceljs'

/**
 * Multi-sheet .xlsx builder (the seed's ABuildExcel) on exceljs' streaming writer, so memory stays flat
 * however many rows: frozen header row, column widths from the header and the first rows, hyperlinks
 * for URL columns, numbers as numbers, dates as dates, and text that starts with = + - @ stored as
 * text (formula-injection protection). Text is made safe for Excel: XML-invalid control characters
 * are dropped and cells are cut at Excel's 32,767-character limit.
 */

export type ColumnKind = 'text' | 'number' | 'date' | 'url'

export interface SheetColumn {
  readonly key: string
  readonly header: string
  readonly kind?: ColumnKind
  readonly width?: number
  /** Excel number format, e.g. 'yyyy-mm-dd' or '#,##0.00' (dates default to 'yyyy-mm-dd hh:mm'). */
  readonly format?: string
  /** Wrap long text inside the cell (the row grows instead of the column). */
  readonly wrap?: boolean
}

export type RowSource = Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>

export interface SheetSpec {
  readonly name: string
  readonly columns: readonly SheetColumn[]
  readonly rows: RowSource
  /** Freeze the header row (default true). */
  readonly frozen?: boolean
  /** Filter buttons on the header row (default false). */
  readonly autoFilter?: boolean
}

export interface WorkbookResult {
  rows: number
  bytes: number
  /** Data rows per sheet, in order. */
  sheetRows: number[]
}

const SAMPLE = 200
const FORMULA_START = /^[=+\-@\t\r]/
/** Characters XML 1.0 forbids: Excel calls such a file corrupt. */
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g
export const EXCEL_CELL_MAX = 32_767
/** Excel's row limit per sheet (header included). */
export const EXCEL_MAX_ROWS = 1_048_576

const HEADER_FONT = Object.freeze({ bold: true })
const LINK_FONT = Object.freeze({ color: Object.freeze({ argb: 'FF0563C1' }), underline: true as const })
const WRAP = Object.freeze({ wrapText: true, vertical: 'top' as const })

/** Excel sheet names: ≤ 31 chars, none of : \ / ? * [ ], unique (case-insensitive). */
export function safeSheetName(name: string, used: Set<string>): string {
  const base =
    name
      .replace(/[:\\/?*[\]]/g, ' ')
      .trim()
      .slice(0, 31) || 'Sheet'
  let n = 2
  let out = base
  while (used.has(out.toLowerCase())) out = `${base.slice(0, 28)}(${n++})`
  used.add(out.toLowerCase())
  return out
}

function textWidth(s: string): number {
  let w = 0
  for (const ch of s) w += ch.charCodeAt(0) > 0x2e80 ? 2 : 1
  return w
}

/** Text as Excel can hold it. */
export function safeText(s: string): string {
  const clean = s.replace(XML_INVALID, '')
  return clean.length > EXCEL_CELL_MAX ? `${clean.slice(0, EXCEL_CELL_MAX - 1)}…` : clean
}

/** Set by cellValue: the cell must be stored as text (formula-injection protection). */
let asText = false

function cellValue(kind: ColumnKind | undefined, v: unknown): ExcelJS.CellValue {
  asText = false
  if (v == null || v === '') return null
  if (kind === 'url' && typeof v === 'string' && /^https?:\/\//i.test(v))
    return { text: safeText(v), hyperlink: v.slice(0, 2000) }
  if (kind === 'date') {
    const d = v instanceof Date ? v : new Date(typeof v === 'number' ? v : String(v))
    if (!Number.isNaN(d.getTime())) return d
  }
  if (typeof v === 'number') return Number.isFinite(v) ? v : null
  if (typeof v === 'bigint') return Number(v)
  if (kind === 'number' && typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v)
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v
  if (typeof v === 'boolean') return v ? '是' : '否'
  const s = safeText(typeof v === 'string' ? v : JSON.stringify(v))
  asText = FORMULA_START.test(s)
  return s
}

async function* iterate(rows: RowSource): AsyncGenerator<Record<string, unknown>> {
  for await (const r of rows as AsyncIterable<Record<string, unknown>>) yield r
}

interface Backlogged {
  writableLength?: number
  _writableState?: { length?: number }
  once(event: 'drain', fn: () => void): unknown
}

/** Bytes waiting in the sheet's zip entry stream before deflate takes more. */
const BACKLOG_LIMIT = 256 * 1024

/**
 * Back-pressure for exceljs' streaming writer, which has none: committed rows go into the sheet's entry
 * stream in the zip without waiting, so while the loop runs the whole sheet's XML piles up in memory
 * (deflate only gets a chunk per event-loop turn). Every few hundred rows, wait until the entry stream
 * has taken the backlog (archiver's streams are readable-stream 2: `_writableState.length`).
 */
async function drained(ws: ExcelJS.Worksheet): Promise<void> {
  const pipes = (ws as unknown as { stream?: { pipes?: Backlogged[] } }).stream?.pipes ?? []
  for (const p of pipes) {
    const backlog = p.writableLength ?? p._writableState?.length ?? 0
    if (backlog > BACKLOG_LIMIT) await new Promise<void>((resolve) => p.once('drain', resolve))
  }
  await new Promise((resolve) => setImmediate(resolve))
}

async function writeSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, spec: SheetSpec, name: string): Promise<number> {
  const it = iterate(spec.rows)
  const sample: Array<Record<string, unknown>> = []
  for (let i = 0; i < SAMPLE; i++) {
    const next = await it.next()
    if (next.done) break
    sample.push(next.value)
  }
  const cols = spec.columns
  const ws = wb.addWorksheet(name, spec.frozen === false ? {} : { views: [{ state: 'frozen', ySplit: 1 }] })
  ws.columns = cols.map((c) => {
    const widest = Math.max(
      textWidth(c.header),
      ...sample.map((r) => textWidth(r[c.key] == null ? '' : String(r[c.key]).slice(0, 200))),
    )
    return { header: c.header, key: c.key, width: c.width ?? Math.min(60, Math.max(8, widest + 2)) }
  })
  if (spec.autoFilter && cols.length)
    ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: cols.length } }
  const header = ws.getRow(1)
  header.font = HEADER_FONT
  header.commit()
  // One style object per column and case, shared by every cell: exceljs caches a style's id by object
  // identity, so shared objects cost one lookup instead of one XML serialisation per cell.
  const styles = cols.map((c) => {
    const align = c.wrap ? { alignment: WRAP } : {}
    return {
      text: { numFmt: '@', ...align },
      date: { numFmt: c.format ?? 'yyyy-mm-dd hh:mm', ...align },
      number: c.format ? { numFmt: c.format, ...align } : c.wrap ? { ...align } : undefined,
      link: { font: LINK_FONT, ...align },
      other: c.wrap ? { ...align } : undefined,
    }
  })
  const values: ExcelJS.CellValue[] = new Array(cols.length)
  const textCells: boolean[] = new Array(cols.length)
  let count = 0
  const add = (r: Record<string, unknown>) => {
    if (count + 1 >= EXCEL_MAX_ROWS) throw new Error(`sheet ${name}: more than Excel's ${EXCEL_MAX_ROWS - 1} data rows`)
    for (let i = 0; i < cols.length; i++) {
      values[i] = cellValue(cols[i]!.kind, r[cols[i]!.key])
      textCells[i] = asText
    }
    const row = ws.addRow(values)
    for (let i = 0; i < cols.length; i++) {
      const v = values[i]
      if (v == null) continue
      const st = styles[i]!
      const style = textCells[i]
        ? st.text
        : v instanceof Date
          ? st.date
          : typeof v === 'number'
            ? st.number
            : typeof v === 'object' && cols[i]!.kind === 'url'
              ? st.link
              : st.other
      if (style) row.getCell(i + 1).style = style as Partial<ExcelJS.Style>
    }
    row.commit()
    count++
  }
  for (const r of sample) add(r)
  for (;;) {
    const next = await it.next()
    if (next.done) break
    add(next.value)
    if (count % 256 === 0) await drained(ws)
  }
  ws.commit()
  return count
}

/** Writes the sheets to `path` (or a stream). Returns the data-row count and file size (0 for a stream). */
export async function writeWorkbook(target: string | Writable, sheets: readonly SheetSpec[]): Promise<WorkbookResult> {
  if (typeof target === 'string') mkdirSync(dirname(target), { recursive: true })
  // exceljs loads here, not at import: most processes (andy ask, a bot that is never asked for a file) never need it.
  const { default: Excel } = await import('exceljs')
  const wb = new Excel.stream.xlsx.WorkbookWriter(
    typeof target === 'string'
      ? { filename: target, useStyles: true, useSharedStrings: false }
      : { stream: target, useStyles: true, useSharedStrings: false },
  )
  wb.creator = 'Andy'
  const used = new Set<string>()
  const sheetRows: number[] = []
  for (const s of sheets) sheetRows.push(await writeSheet(wb, s, safeSheetName(s.name, used)))
  await wb.commit()
  return {
    rows: sheetRows.reduce((a, b) => a + b, 0),
    bytes: typeof target === 'string' ? statSync(target).size : 0,
    sheetRows,
  }
}
