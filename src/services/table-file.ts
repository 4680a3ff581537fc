import { createReadStream, statSync } from 'node:fs'
import { extname } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { parse } from 'csv-parse'
import ExcelJS from 'exceljs'

/**
 * Reads a spreadsheet the admins already keep (.xlsx or .csv, UTF-8 with or without BOM) row by row
 * without loading it whole: csv-parse for CSV, exceljs' streaming WorkbookReader for xlsx (first sheet).
 */

export interface FileRow {
  /** 1-based row number as a spreadsheet shows it (header is row 1). */
  readonly rowNumber: number
  readonly values: readonly unknown[]
}

export interface TableFile {
  readonly headers: string[]
  readonly rows: AsyncIterable<FileRow>
}

export type ProgressFn = (bytesRead: number, totalBytes: number) => void

export class FileFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FileFormatError'
  }
}

function counting(total: number, onProgress?: ProgressFn): Transform {
  let read = 0
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      read += chunk.length
      onProgress?.(read, total)
      cb(null, chunk)
    },
  })
}

function cellValue(v: unknown): unknown {
  if (v == null) return null
  if (typeof v !== 'object' || v instanceof Date) return v
  const o = v as Record<string, unknown>
  if ('richText' in o && Array.isArray(o.richText)) return (o.richText as Array<{ text: string }>).map((r) => r.text).join('')
  if ('text' in o && 'hyperlink' in o) return o.hyperlink ?? o.text
  if ('result' in o) return o.result ?? null
  if ('error' in o) return null
  return String(v)
}

async function* csvRows(stream: Readable): AsyncGenerator<unknown[]> {
  const parser = stream.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, relax_quotes: true }))
  for await (const record of parser) yield record as unknown[]
}

/** Files up to this size are read whole, which resolves hyperlink cells to their targets. */
const IN_MEMORY_XLSX_BYTES = 15_000_000

async function* xlsxRowsInMemory(stream: Readable): AsyncGenerator<unknown[]> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.read(stream)
  const sheet = wb.worksheets[0]
  if (!sheet) return
  for (let r = 1; r <= sheet.rowCount; r++) yield ((sheet.getRow(r).values as unknown[]) ?? []).slice(1).map(cellValue)
}

/**
 * Streaming read for big files. exceljs reads a sheet's hyperlinks only after its rows, so a cell that
 * shows text but links elsewhere yields its text here (cells holding the URL itself are unaffected).
 */
async function* xlsxRows(stream: Readable): AsyncGenerator<unknown[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, { sharedStrings: 'cache', hyperlinks: 'cache', worksheets: 'emit', styles: 'cache' })
  for await (const sheet of reader) {
    let expected = 1
    for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
      while (expected < row.number) {
        yield [] // a blank row in the sheet keeps the row numbers right
        expected++
      }
      const values = (row.values as unknown[]).slice(1).map(cellValue)
      yield values
      expected++
    }
    return // first sheet only
  }
}

/** Opens a file; the first non-empty row is the header. */
export async function openTableFile(path: string, onProgress?: ProgressFn): Promise<TableFile> {
  const ext = extname(path).toLowerCase()
  if (ext !== '.csv' && ext !== '.xlsx') throw new FileFormatError(`只支持 .xlsx 和 .csv 文件（收到 ${ext || '无扩展名'}）`)
  let size: number
  try {
    size = statSync(path).size
  } catch {
    throw new FileFormatError(`找不到文件 ${path}`)
  }
  const source = createReadStream(path).pipe(counting(size, onProgress))
  const iter = (ext === '.csv' ? csvRows(source) : size <= IN_MEMORY_XLSX_BYTES ? xlsxRowsInMemory(source) : xlsxRows(source))[Symbol.asyncIterator]()
  let rowNumber = 0
  let headers: string[] | undefined
  while (!headers) {
    let next: IteratorResult<unknown[]>
    try {
      next = await iter.next()
    } catch (err) {
      throw new FileFormatError(`无法读取 ${path}：${(err as Error).message}`)
    }
    if (next.done) throw new FileFormatError(`${path} 是空的（没有表头）`)
    rowNumber++
    if (next.value.some((v) => v != null && String(v).trim() !== '')) headers = next.value.map((v) => (v == null ? '' : String(v).trim()))
  }
  const headerRow = rowNumber
  async function* rows(): AsyncGenerator<FileRow> {
    let n = headerRow
    for (;;) {
      const next = await iter.next()
      if (next.done) return
      n++
      if (next.value.every((v) => v == null || String(v).trim() === '')) continue
      yield { rowNumber: n, values: next.value }
    }
  }
  return { headers, rows: rows() }
}
