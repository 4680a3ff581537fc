import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { extname } from 'node:path'
import type { FileLimits } from '../core/file-limits.js'
import { FileError } from './file-common.js'
import { type TextTableFormat, textTableRecords } from './text-table.js'
import { type CellValue, RowBudget, readXlsx } from './xlsx-rows.js'
import { GuardedZip } from './zip-guard.js'

/**
 * The reading layer of spreadsheets the admins keep (`andy import`, the ops report, prompt files):
 * .xlsx, or delimited text (.csv / .tsv / .txt in UTF-8, UTF-16 or GB18030, see text-table.ts) → plain
 * rows of cell values, per sheet, within the caps (rows, columns, cells, characters; zip caps for
 * xlsx). Runs inside a parsing worker (file-worker.ts); table-file.ts is the side the callers use. No
 * header detection here: a row is a row. A workbook saved with a text extension (or the reverse) is
 * read as what its first bytes say; an old binary .xls is refused with its own message.
 */

export interface TableSource {
  /** A file on disk… */
  readonly path?: string
  /** …or its bytes. */
  readonly buffer?: Uint8Array
  /** Decides the format (.xlsx / .csv) when `buffer` is given. */
  readonly fileName?: string
}

export interface TableRow {
  readonly sheet: string
  /** Delimited text: the encoding and delimiter found (on the first row only). */
  readonly format?: TextTableFormat
  /** 0-based sheet position (CSV: 0). */
  readonly sheetIndex: number
  /** 1-based row number (xlsx: as Excel shows it; CSV: the record's number). */
  readonly rowNumber: number
  readonly values: CellValue[]
}

/**
 * Rows of one sheet in columns-of-arrays form: what the parsing worker sends (one object per batch
 * instead of one per row is about half the structured-clone cost of a big import).
 */
export interface RowBatch {
  readonly sheet: string
  readonly sheetIndex: number
  readonly rowNumbers: number[]
  readonly values: CellValue[][]
  readonly format?: TextTableFormat
}

/** Consecutive rows of the same sheet as batches. */
export function packRows(rows: readonly TableRow[]): RowBatch[] {
  const out: Array<RowBatch & { rowNumbers: number[]; values: CellValue[][] }> = []
  for (const r of rows) {
    let last = out.at(-1)
    if (!last || last.sheetIndex !== r.sheetIndex || (r.format && last.rowNumbers.length)) {
      last = {
        sheet: r.sheet,
        sheetIndex: r.sheetIndex,
        rowNumbers: [],
        values: [],
        ...(r.format ? { format: r.format } : {}),
      }
      out.push(last)
    }
    last.rowNumbers.push(r.rowNumber)
    last.values.push(r.values)
  }
  return out
}

export interface TableRowsOptions {
  /** Only the first sheet (tab order). */
  readonly firstSheetOnly?: boolean
  /** Only the sheet at this position (0-based, tab order). */
  readonly sheetIndex?: number
  /** At most this many rows of each sheet (a preview: where is the header, which sheet fits). */
  readonly headRows?: number
  /** Called with the part of the file read so far (0..1). */
  readonly onProgress?: (fraction: number) => void
}

export const TEXT_TABLE_EXTS = ['.csv', '.tsv', '.txt'] as const

export function tableFormat(source: TableSource): string {
  return extname(source.path ?? source.fileName ?? '').toLowerCase()
}

/** What the first bytes say: a zip (xlsx), an OLE2 compound file (old .xls), or text. */
function sniff(source: TableSource): 'zip' | 'ole' | 'text' {
  let head: Uint8Array
  if (source.buffer) head = source.buffer.subarray(0, 8)
  else {
    const fd = openSync(source.path!, 'r')
    try {
      head = new Uint8Array(8)
      readSync(fd, head, 0, 8, 0)
    } finally {
      closeSync(fd)
    }
  }
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip'
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) return 'ole'
  return 'text'
}

const isBlankRecord = (r: readonly string[]) => r.length === 0 || (r.length === 1 && r[0]!.trim() === '')

function textRows(source: TableSource, ext: string, limits: FileLimits, o: TableRowsOptions): AsyncGenerator<TableRow> {
  const total = Math.max(1, source.buffer?.length ?? statSync(source.path!).size)
  let read = 0
  let format: TextTableFormat | undefined
  // A record (one line, or a quoted field with line breaks) may not grow past this many characters.
  const maxRecordChars = Math.min(limits.maxChars, 32 * 1024 * 1024)
  const records = textTableRecords(source, {
    ext,
    maxRecordChars,
    onBytes: (n) => o.onProgress?.((read += n) / total),
    onFormat: (f) => (format = f),
  })
  const budget = new RowBudget(limits)
  return (async function* () {
    let n = 0
    try {
      for await (const record of records) {
        n++
        if (isBlankRecord(record)) continue
        budget.row(n, record.length, record.filter((v) => v !== '').length)
        budget.text(record.reduce((sum, v) => sum + v.length, 0))
        const row: TableRow = { sheet: '', sheetIndex: 0, rowNumber: n, values: record }
        const f = format
        format = undefined
        yield f ? { ...row, format: f } : row
        if (o.headRows !== undefined && n >= o.headRows) return
      }
    } catch (err) {
      if (err instanceof FileError) throw err
      throw new FileError('corrupt', `not a readable text table: ${(err as Error).message}`)
    } finally {
      await records.return(undefined)
    }
  })()
}

async function* xlsxRows(source: TableSource, limits: FileLimits, o: TableRowsOptions): AsyncGenerator<TableRow> {
  const zip = await GuardedZip.open(source.path ?? source.buffer!, limits)
  try {
    const sheets = readXlsx(zip, limits, {
      hyperlinkTargets: true,
      firstSheetOnly: o.firstSheetOnly,
      sheetIndex: o.sheetIndex,
    })
    for await (const sheet of sheets) {
      let i = 0
      for await (const row of sheet.rows) {
        if (++i % 200 === 0) o.onProgress?.(Math.min(1, zip.inflatedBytes / Math.max(1, zip.declaredBytes)))
        yield { sheet: sheet.name, sheetIndex: sheet.index, rowNumber: row.number, values: row.values }
        if (o.headRows !== undefined && i >= o.headRows) break
      }
    }
    o.onProgress?.(1)
  } catch (err) {
    if (err instanceof FileError) throw err
    throw new FileError('corrupt', `not a readable XLSX: ${(err as Error).message}`, { kind: 'xlsx' })
  } finally {
    zip.close()
  }
}

/** Rows of a .xlsx or delimited text file; FileError when the file is unreadable or passes a cap. */
export function tableRows(source: TableSource, limits: FileLimits, o: TableRowsOptions = {}): AsyncGenerator<TableRow> {
  const ext = tableFormat(source)
  if (ext !== '.xlsx' && !(TEXT_TABLE_EXTS as readonly string[]).includes(ext)) {
    if (ext === '.xls') throw new FileError('legacy_office', 'an old binary .xls workbook', { ext: 'xls' })
    throw new FileError('unsupported', `unsupported table format ${ext || '(none)'}`, { ext: ext.slice(1) })
  }
  const kind = sniff(source)
  if (kind === 'ole') throw new FileError('legacy_office', 'an old binary .xls workbook', { ext: 'xls' })
  if (kind === 'zip') return xlsxRows(source, limits, o)
  if (ext === '.xlsx') throw new FileError('corrupt', 'not a zip: not an Excel workbook', { kind: 'xlsx' })
  return textRows(source, ext, limits, o)
}
