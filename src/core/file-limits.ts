/**
 * Resource caps for reading files that anyone can send (chat, the HTTP API, `andy import`). A hostile
 * file must cost one refusal, never the process: caps are checked before parsing (the zip's central
 * directory, a PDF's page count and decoded streams, a picture's declared size) and while parsing
 * (rows, columns, cells, characters), and parsing itself runs in a worker thread with its own heap
 * limit and a deadline (file-pool.ts). Defaults are sized for real reports; every cap is a setting
 * (ANDY_FILE_*, see src/config.ts and docs/files.md).
 */

export const MB = 1024 * 1024

export interface FileLimits {
  /** Bytes after decompression, all parts of an Office file (or all streams of a PDF) together. */
  readonly maxUnpackedBytes: number
  /** Bytes after decompression of one part (a worksheet, document.xml, one PDF stream). */
  readonly maxPartBytes: number
  /** Uncompressed ÷ compressed size of one part (checked for parts over RATIO_FLOOR_BYTES). */
  readonly maxRatio: number
  /** Entries in an Office zip. */
  readonly maxEntries: number
  /** Spreadsheet rows per file (all sheets read), and the highest row number. */
  readonly maxRows: number
  /** Columns of one row. */
  readonly maxColumns: number
  /** Non-empty cells per file. */
  readonly maxCells: number
  /** Characters of cell text per file (a table read for import; reports stop at the model's budget). */
  readonly maxChars: number
  /** PDF pages. */
  readonly maxPdfPages: number
  /** Declared width × height of a picture. */
  readonly maxImagePixels: number
  /** Heap limit of a parsing worker (MB). */
  readonly workerHeapMb: number
  /** Parsing workers at most at the same time (further files wait their turn). */
  readonly workers: number
  /** Wall-clock deadline of one parse (ms); a streamed table gets it between two batches of rows. */
  readonly timeoutMs: number
}

/** Parts smaller than this are not held to maxRatio (a small XML part of repeated tags compresses a lot). */
export const RATIO_FLOOR_BYTES = 1 * MB

export const DEFAULT_FILE_LIMITS: FileLimits = Object.freeze({
  maxUnpackedBytes: 200 * MB,
  maxPartBytes: 100 * MB,
  maxRatio: 100,
  maxEntries: 10_000,
  maxRows: 1_048_576,
  maxColumns: 16_384,
  maxCells: 20_000_000,
  maxChars: 200_000_000,
  maxPdfPages: 2_000,
  maxImagePixels: 100_000_000,
  workerHeapMb: 512,
  workers: 2,
  timeoutMs: 60_000,
})

/** Which cap a file passed (FileError 'limit' carries it, so every surface can say it in Chinese). */
export type LimitKind =
  | 'unpacked'
  | 'part'
  | 'ratio'
  | 'entries'
  | 'rows'
  | 'columns'
  | 'cells'
  | 'chars'
  | 'pages'
  | 'pixels'
  | 'memory'

/** The setting behind each cap (CLI and API messages name it; chat messages do not). */
export const LIMIT_SETTINGS: Record<LimitKind, string> = {
  unpacked: 'ANDY_FILE_MAX_UNPACKED_MB',
  part: 'ANDY_FILE_MAX_PART_MB',
  ratio: 'ANDY_FILE_MAX_RATIO',
  entries: 'ANDY_FILE_MAX_ENTRIES',
  rows: 'ANDY_FILE_MAX_ROWS',
  columns: 'ANDY_FILE_MAX_COLUMNS',
  cells: 'ANDY_FILE_MAX_CELLS',
  chars: 'ANDY_FILE_MAX_CHARS',
  pages: 'ANDY_FILE_MAX_PDF_PAGES',
  pixels: 'ANDY_FILE_MAX_IMAGE_MEGAPIXELS',
  memory: 'ANDY_FILE_WORKER_HEAP_MB',
}
