import { createReadStream, statSync } from 'node:fs'
import { extname } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { parse } from 'csv-parse'
import { FileError, limitError } from './file-common.js'
import type { FileLimits } from '../core/file-limits.js'
import { readXlsx, RowBudget, type CellValue } from './xlsx-rows.js'
import { GuardedZip } from './zip-guard.js'

/**
 * The reading layer of spreadsheets the admins keep (`andy import`, the ops report, prompt files):
 * .xlsx or .csv → plain rows of cell values, per sheet, within the caps (rows, columns, cells,
 * characters; zip caps for xlsx). Runs inside a parsing worker (file-worker.ts); table-file.ts is the
 * side the callers use. No header detection here: a row is a row.
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
  /** 0-based sheet position (CSV: 0). */
  readonly sheetIndex: number
  /** 1-based row number (xlsx: as Excel shows it; CSV: the record's number). */
  readonly rowNumber: number
  readonly values: CellValue[]
}

export interface TableRowsOptions {
  /** Only the first sheet (tab order). */
  readonly firstSheetOnly?: boolean
  /** Called with the part of the file read so far (0..1). */
  readonly onProgress?: (fraction: number) => void
}

export function tableFormat(source: TableSource): '.csv' | '.xlsx' | string {
  return extname(source.path ?? source.fileName ?? '').toLowerCase()
}

function csvRows(source: TableSource, limits: FileLimits, o: TableRowsOptions): AsyncGenerator<TableRow> {
  let input: Readable
  if (source.path) {
    const total = Math.max(1, statSync(source.path).size)
    let read = 0
    input = createReadStream(source.path).pipe(
      new Transform({
        transform(chunk: Buffer, _enc, cb) {
          read += chunk.length
          o.onProgress?.(read / total)
          cb(null, chunk)
        },
      }),
    )
  } else {
    input = Readable.from([Buffer.from(source.buffer!)])
  }
  // A record (one line, or a quoted field with line breaks) may not grow past this many characters.
  const maxRecord = Math.min(limits.maxChars, 32 * 1024 * 1024)
  const parser = input.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, relax_quotes: true, max_record_size: maxRecord }))
  const budget = new RowBudget(limits)
  return (async function* () {
    let n = 0
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        n++
        budget.row(n, record.length, record.filter((v) => v !== '').length)
        budget.text(record.reduce((sum, v) => sum + v.length, 0))
        yield { sheet: '', sheetIndex: 0, rowNumber: n, values: record }
      }
    } catch (err) {
      if (err instanceof FileError) throw err
      if ((err as { code?: string }).code === 'CSV_MAX_RECORD_SIZE') throw limitError('chars', `a CSV record is longer than ${maxRecord} characters`, { max: maxRecord })
      throw new FileError('corrupt', `not a readable CSV: ${(err as Error).message}`)
    } finally {
      input.destroy()
    }
  })()
}

async function* xlsxRows(source: TableSource, limits: FileLimits, o: TableRowsOptions): AsyncGenerator<TableRow> {
  const zip = await GuardedZip.open(source.path ?? source.buffer!, limits)
  try {
    for await (const sheet of readXlsx(zip, limits, { hyperlinkTargets: true, firstSheetOnly: o.firstSheetOnly })) {
      let i = 0
      for await (const row of sheet.rows) {
        if (++i % 200 === 0) o.onProgress?.(Math.min(1, zip.inflatedBytes / Math.max(1, zip.declaredBytes)))
        yield { sheet: sheet.name, sheetIndex: sheet.index, rowNumber: row.number, values: row.values }
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

/** Rows of a .csv or .xlsx file; FileError when the file is unreadable or passes a cap. */
export function tableRows(source: TableSource, limits: FileLimits, o: TableRowsOptions = {}): AsyncGenerator<TableRow> {
  const ext = tableFormat(source)
  if (ext === '.csv') return csvRows(source, limits, o)
  if (ext === '.xlsx') return xlsxRows(source, limits, o)
  throw new FileError('unsupported', `unsupported table format ${ext || '(none)'}`, { ext: ext.slice(1) })
}
