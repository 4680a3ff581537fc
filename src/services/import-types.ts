import type { FileLimits } from '../core/file-limits.js'
import type { CaseChange } from '../db/stores/types.js'
import { type TableKey, type TableSpec, tableByKey } from '../tables/index.js'
import type { RowProblem } from '../tables/rows.js'
import type { TableSource } from './table-rows.js'

/** The options, report and error of an import (importer.ts); shared by the CLI, the chat import and seeding. */

export type ProgressFn = (bytesRead: number, totalBytes: number) => void

export interface ImportOptions {
  /** Delete the table's rows first (inside the same transaction). */
  replace?: boolean
  /** Abort (import nothing) if any row is bad. */
  strict?: boolean
  /** Insert every row as a new one: no matching by natural key, no merging of duplicates. */
  append?: boolean
  /** Do everything but write: the same report, nothing changed. */
  dryRun?: boolean
  /** The sheet to read (its name, or its position from 1); default: the one that fits best. */
  sheet?: string
  onProgress?: ProgressFn
  /** Resource caps for reading the file (config.files); the defaults otherwise. */
  limits?: FileLimits
  /** "Now" (ms) for the plausible years (up to next year); the clock otherwise. */
  now?: number
  /** Loading the demo data (andy seed): its rows are marked as demo rows, demo rows are not removed. */
  demo?: boolean
  /**
   * Read the whole file first, then write it in one synchronous transaction: for the running bot,
   * whose database connection other messages share (no transaction may stay open across awaits).
   */
  buffered?: boolean
  /** Filled with where the time went (ms), when given (bench/import.ts). */
  phases?: ImportPhases
}

/** Milliseconds per phase of an import: the plan (first rows, header; the parsing worker starts), waiting for the worker's rows, preparing rows, writing them (natural keys, inserts, updates), the full-text index, the commit. */
export interface ImportPhases {
  plan?: number
  read?: number
  prepare?: number
  write?: number
  fts?: number
  commit?: number
}

export interface ImportProblem {
  readonly sheet: string
  readonly row?: number
  /** The column as the file names it. */
  readonly column?: string
  readonly value?: string
  readonly message: string
  /** error: the row was not imported; warning: a column was not imported; info: what Andy did (merged, removed demo rows). */
  readonly level: 'error' | 'warning' | 'info'
}

export interface ImportReport {
  table: string
  tableKey: TableKey
  title: string
  /** The file's name. */
  file: string
  /** The sheet read (xlsx), the header row and how many rows above it were skipped (titles). */
  sheet?: string
  headerRow: number
  /** Other sheets whose headers also fit a case table (not read). */
  otherSheets: string[]
  /** The table was guessed from the headers (not named). */
  guessed: boolean
  /** Delimited text: its encoding and delimiter. */
  encoding?: string
  delimiter?: string
  /** header → column */
  mapped: Record<string, string>
  /** Headers with a unit: values scaled by factor. */
  units: Array<{ header: string; column: string; label: string; factor: number }>
  /** Headers that match no column (their values are not imported). */
  unknownColumns: string[]
  /** Columns of the table the file does not have. */
  missingColumns: string[]
  /** Data rows read (below the header, not blank). */
  rowsRead: number
  inserted: number
  updated: number
  unchanged: number
  merged: number
  /** Rows deleted first (--replace). */
  deleted: number
  /** Demo rows removed from the database before the first real import. */
  demoRemoved: Array<{ table: string; title: string; rows: number }>
  /** Rows skipped, with why. */
  badRows: Array<{ rowNumber: number; problems: RowProblem[] }>
  /** Rows merged into an earlier row of the file with the same natural key. */
  merges: Array<{ rowNumber: number; intoRow: number; changed: string[] }>
  /** One entry per problem, for the problems workbook. */
  problems: ImportProblem[]
  /** The natural key's columns (labels). */
  keyLabels: string[]
  dryRun: boolean
  aborted: boolean
  elapsedMs: number
}

/** Why an import was refused: no header found, no table fits, not the table named, two fit alike, … */
export type ImportErrorCode =
  | 'empty'
  | 'no_header'
  | 'no_table'
  | 'wrong_table'
  | 'ambiguous'
  | 'no_sheet'
  | 'aborted'
  | 'failed'

export class ImportError extends Error {
  readonly report?: Partial<ImportReport>
  /** A file that fits another table better: its key (for 「导入 <表>」 / andy import <table>). */
  readonly betterTable?: TableKey
  readonly code: ImportErrorCode

  constructor(message: string, o: { code: ImportErrorCode; report?: Partial<ImportReport>; betterTable?: TableKey }) {
    super(message)
    this.name = 'ImportError'
    this.report = o.report
    this.betterTable = o.betterTable
    this.code = o.code
  }
}

export type { TableSource }

/**
 * What an import changed, for `Stores.cases.change`: written unless a dry run or nothing new; the
 * imported table pushed to PostgreSQL, or every table when demo rows were removed from several.
 */
export function importChange(report: ImportReport, spec?: TableSpec): CaseChange<ImportReport> {
  const table = spec ?? tableByKey(report.tableKey)
  const changed = !report.dryRun && report.inserted + report.updated + report.deleted + report.demoRemoved.length > 0
  return { result: report, changed, tables: table && !report.demoRemoved.length ? [table] : undefined }
}
