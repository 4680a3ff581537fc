import { mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Writable } from 'node:stream'
import ExcelJS from 'exceljs'

/**
 * Multi-sheet .xlsx builder (the seed's ABuildExcel) on exceljs' streaming writer, so memory stays flat
 * however many rows: frozen header row, column widths from the header and the first rows, hyperlinks
 * for URL columns, numbers as numbers, dates as dates, and text that starts with = + - @ stored as
 * text (formula-injection protection).
 */

export type ColumnKind = 'text' | 'number' | 'date' | 'url'

export interface SheetColumn {
  readonly key: string
  readonly header: string
  readonly kind?: ColumnKind
  readonly width?: number
}

export type RowSource = Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>

export interface SheetSpec {
  readonly name: string
  readonly columns: readonly SheetColumn[]
  readonly rows: RowSource
}

export interface WorkbookResult {
  rows: number
  bytes: number
}

const SAMPLE = 200
const FORMULA_START = /^[=+\-@\t\r]/

/** Excel sheet names: ≤ 31 chars, none of : \ / ? * [ ]. */
export function safeSheetName(name: string, used: Set<string>): string {
  let base = name.replace(/[:\\/?*[\]]/g, ' ').trim().slice(0, 31) || 'Sheet'
  let n = 2
  let out = base
  while (used.has(out.toLowerCase())) out = `${base.slice(0, 28)}(${n++})`
  used.add(out.toLowerCase())
  base = out
  return base
}

function textWidth(s: string): number {
  let w = 0
  for (const ch of s) w += ch.charCodeAt(0) > 0x2e80 ? 2 : 1
  return w
}

function cellFor(kind: ColumnKind | undefined, v: unknown): { value: ExcelJS.CellValue; text?: boolean } {
  if (v == null || v === '') return { value: null }
  if (kind === 'url' && typeof v === 'string' && /^https?:\/\//i.test(v)) return { value: { text: v, hyperlink: v } }
  if (kind === 'date') {
    const d = v instanceof Date ? v : new Date(typeof v === 'number' ? v : String(v))
    if (!Number.isNaN(d.getTime())) return { value: d }
  }
  if (typeof v === 'number') return { value: Number.isFinite(v) ? v : null }
  if (kind === 'number' && typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return { value: Number(v) }
  if (v instanceof Date) return { value: v }
  if (typeof v === 'boolean') return { value: v ? '是' : '否' }
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return { value: s, text: FORMULA_START.test(s) }
}

async function* iterate(rows: RowSource): AsyncGenerator<Record<string, unknown>> {
  for await (const r of rows as AsyncIterable<Record<string, unknown>>) yield r
}

async function writeSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, spec: SheetSpec, name: string): Promise<number> {
  const it = iterate(spec.rows)
  const sample: Array<Record<string, unknown>> = []
  for (let i = 0; i < SAMPLE; i++) {
    const next = await it.next()
    if (next.done) break
    sample.push(next.value)
  }
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] })
  ws.columns = spec.columns.map((c) => {
    const widest = Math.max(textWidth(c.header), ...sample.map((r) => textWidth(r[c.key] == null ? '' : String(r[c.key]))))
    return { header: c.header, key: c.key, width: c.width ?? Math.min(60, Math.max(8, widest + 2)) }
  })
  ws.getRow(1).font = { bold: true }
  let count = 0
  const add = (r: Record<string, unknown>) => {
    const row = ws.addRow([])
    spec.columns.forEach((c, i) => {
      const { value, text } = cellFor(c.kind, r[c.key])
      const cell = row.getCell(i + 1)
      cell.value = value
      if (text) cell.numFmt = '@'
      else if (value instanceof Date) cell.numFmt = 'yyyy-mm-dd hh:mm'
      if (c.kind === 'url' && value && typeof value === 'object') cell.font = { color: { argb: 'FF0563C1' }, underline: true }
    })
    row.commit()
    count++
  }
  for (const r of sample) add(r)
  for (;;) {
    const next = await it.next()
    if (next.done) break
    add(next.value)
  }
  ws.commit()
  return count
}

/** Writes the sheets to `path` (or a stream). Returns the data-row count and file size. */
export async function writeWorkbook(target: string | Writable, sheets: readonly SheetSpec[]): Promise<WorkbookResult> {
  if (typeof target === 'string') mkdirSync(dirname(target), { recursive: true })
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter(
    typeof target === 'string' ? { filename: target, useStyles: true, useSharedStrings: false } : { stream: target, useStyles: true, useSharedStrings: false },
  )
  wb.creator = 'Andy'
  const used = new Set<string>()
  let rows = 0
  for (const s of sheets) rows += await writeSheet(wb, s, safeSheetName(s.name, used))
  await wb.commit()
  return { rows, bytes: typeof target === 'string' ? statSync(target).size : 0 }
}
