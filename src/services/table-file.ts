import { statSync } from 'node:fs'
import { basename } from 'node:path'
import { DEFAULT_FILE_LIMITS, type FileLimits } from '../core/file-limits.js'
import { FileError, FileFormatError } from './file-common.js'
import { describeFileError } from './file-messages.js'

export { FileFormatError } from './file-common.js'

import { filePool, type WorkerReply } from './file-pool.js'
import { type RowBatch, type TableRow, type TableSource, TEXT_TABLE_EXTS, tableFormat } from './table-rows.js'

export type { RowBatch, TableRow, TableSource } from './table-rows.js'

/**
 * Reads a spreadsheet the admins already keep (.xlsx, or .csv/.tsv/.txt in UTF-8, UTF-16 or GB18030) row by row
 * without loading it whole. The reading itself (papaparse after strict decoding, see text-table.ts; exceljs' parsers over a checked zip, see
 * table-rows.ts) runs in a parsing worker with the resource caps of file-limits.ts; rows come back in
 * batches, as they are consumed. `readTableRows` gives every row of every sheet; `openTableFile` the
 * first sheet with its first non-empty row as the header.
 */

export interface FileRow {
  /** 1-based row number as a spreadsheet shows it (header is row 1). */
  readonly rowNumber: number
  readonly values: readonly unknown[]
}

export interface TableFile {
  readonly headers: string[]
  readonly rows: AsyncIterable<FileRow>
  /** Stops reading (frees the parsing worker) when the rows are not read to the end. */
  close(): Promise<void>
}

export type ProgressFn = (bytesRead: number, totalBytes: number) => void

export interface ReadTableOptions {
  readonly limits?: FileLimits
  readonly onProgress?: ProgressFn
  readonly firstSheetOnly?: boolean
  /** Only the sheet at this position (0-based, tab order). */
  readonly sheetIndex?: number
  /** At most this many rows of each sheet. */
  readonly headRows?: number
}

function check(source: TableSource): { name: string; size: number } {
  const name = basename(source.fileName ?? source.path ?? '')
  const ext = tableFormat(source)
  if (ext === '.xls')
    throw new FileFormatError(`「${name}」是旧版 Excel（.xls）格式，暂时读不了。请在 Excel/WPS 里另存为 .xlsx 后再试。`)
  if (ext !== '.xlsx' && !(TEXT_TABLE_EXTS as readonly string[]).includes(ext))
    throw new FileFormatError(`只支持 .xlsx、.csv、.tsv 和 .txt 文件（收到 ${ext || '无扩展名'}）`)
  if (!source.path) return { name, size: source.buffer?.byteLength ?? 0 }
  try {
    return { name, size: statSync(source.path).size }
  } catch {
    throw new FileFormatError(`找不到文件 ${source.path}`)
  }
}

const asFormatError = (err: unknown, name: string): unknown =>
  err instanceof FileError ? new FileFormatError(describeFileError(err, name, { admin: true }), err) : err

/** Every row of the file, sheet by sheet. Throws FileFormatError (Chinese) for an unreadable file or a cap passed. */
export async function* readTableRows(source: TableSource, o: ReadTableOptions = {}): AsyncGenerator<TableRow> {
  for await (const b of readTableBatches(source, o)) {
    for (let i = 0; i < b.rowNumbers.length; i++) {
      const row: TableRow = {
        sheet: b.sheet,
        sheetIndex: b.sheetIndex,
        rowNumber: b.rowNumbers[i]!,
        values: b.values[i]!,
      }
      yield i === 0 && b.format ? { ...row, format: b.format } : row
    }
  }
}

/** The rows in the batches the parsing worker sends (thousands at a time: no per-row await for bulk readers). */
export async function* readTableBatches(source: TableSource, o: ReadTableOptions = {}): AsyncGenerator<RowBatch> {
  const { name, size } = check(source)
  const limits = o.limits ?? DEFAULT_FILE_LIMITS
  const copy = source.buffer ? new Uint8Array(source.buffer) : undefined
  let channel
  try {
    channel = await filePool(limits).open(limits.timeoutMs)
  } catch (err) {
    throw asFormatError(err, name)
  }
  let ended = false
  try {
    let reply: WorkerReply = await channel.request(
      {
        type: 'table',
        source: { path: source.path, buffer: copy, fileName: source.fileName },
        limits,
        options: { firstSheetOnly: o.firstSheetOnly, sheetIndex: o.sheetIndex, headRows: o.headRows },
      },
      copy ? [copy.buffer as ArrayBuffer] : [],
    )
    while (reply.type === 'rows') {
      if (reply.progress !== undefined) o.onProgress?.(Math.round(reply.progress * size), size)
      yield* reply.rows as RowBatch[]
      reply = await channel.request({ type: 'pull' })
    }
    ended = true
    o.onProgress?.(size, size)
  } catch (err) {
    throw asFormatError(err, name)
  } finally {
    if (!ended) await channel.request({ type: 'cancel' }).catch(() => undefined)
    channel.close(true)
  }
}

const isBlank = (values: readonly unknown[]) => values.every((v) => v == null || String(v).trim() === '')

/** Opens a file (a path, or bytes with a file name); the first sheet's first non-empty row is the header. */
export async function openTableFile(
  source: string | TableSource,
  onProgress?: ProgressFn,
  limits?: FileLimits,
): Promise<TableFile> {
  const src: TableSource = typeof source === 'string' ? { path: source } : source
  const label = src.path ?? src.fileName ?? ''
  const iter = readTableRows(src, { limits, onProgress, firstSheetOnly: true })[Symbol.asyncIterator]()
  let headers: string[] | undefined
  while (!headers) {
    const next = await iter.next()
    if (next.done) throw new FileFormatError(`${label} 是空的（没有表头）`)
    if (!isBlank(next.value.values)) headers = next.value.values.map((v) => (v == null ? '' : String(v).trim()))
  }
  async function* rows(): AsyncGenerator<FileRow> {
    try {
      for (;;) {
        const next = await iter.next()
        if (next.done) return
        if (isBlank(next.value.values)) continue
        yield { rowNumber: next.value.rowNumber, values: next.value.values }
      }
    } finally {
      await iter.return?.(undefined)
    }
  }
  return { headers, rows: rows(), close: async () => void (await iter.return?.(undefined)) }
}
