import { clearCases, createCaseInserter } from '../db/case-write.js'
import type { Db } from '../db/client.js'
import { bumpCasesVersion } from '../db/meta.js'
import { prepareRow, type RowProblem } from '../tables/rows.js'
import type { TableSpec } from '../tables/index.js'
import type { FileLimits } from '../core/file-limits.js'
import { openTableFile, type ProgressFn } from './table-file.js'

/**
 * Loads a spreadsheet into a case table in ONE transaction: either every good row is in, or (on an
 * I/O error, or a bad row with `strict`) nothing is. Headers may be seed field names (kh_name), the
 * Chinese labels (客户名称) or known aliases; unknown columns are reported, never silently dropped.
 */

export interface ImportOptions {
  /** Delete the table's rows first (inside the same transaction). */
  replace?: boolean
  /** Abort (import nothing) if any row is bad. */
  strict?: boolean
  onProgress?: ProgressFn
  /** Resource caps for reading the file (config.files); the defaults otherwise. */
  limits?: FileLimits
}

export interface ImportReport {
  table: string
  inserted: number
  deleted: number
  badRows: Array<{ rowNumber: number; problems: RowProblem[] }>
  /** Headers that match no column (their values are not imported). */
  unknownColumns: string[]
  /** Columns of the table the file does not have. */
  missingColumns: string[]
  /** header → column */
  mapped: Record<string, string>
  aborted: boolean
  elapsedMs: number
}

export class ImportError extends Error {
  constructor(message: string, readonly report?: Partial<ImportReport>) {
    super(message)
    this.name = 'ImportError'
  }
}

function norm(s: string): string {
  return s.normalize('NFKC').replace(/[\s_\-()（）]/g, '').toLowerCase()
}

/** Maps file headers to columns: seed name, Chinese label, or alias. */
export function mapHeaders(spec: TableSpec, headers: readonly string[]): { byIndex: Map<number, string>; unknown: string[]; missing: string[] } {
  const lookup = new Map<string, string>()
  for (const c of spec.columns) {
    for (const h of [c.name, c.label, ...(c.aliases ?? [])]) if (!lookup.has(norm(h))) lookup.set(norm(h), c.name)
  }
  const byIndex = new Map<number, string>()
  const unknown: string[] = []
  const used = new Set<string>()
  headers.forEach((h, i) => {
    if (!h) return
    const col = lookup.get(norm(h))
    if (col && !used.has(col)) {
      byIndex.set(i, col)
      used.add(col)
    } else {
      unknown.push(col ? `${h}（重复）` : h)
    }
  })
  const missing = spec.columns.filter((c) => !used.has(c.name) && !c.derivedFrom).map((c) => c.name)
  return { byIndex, unknown, missing }
}

export async function importCases(db: Db, spec: TableSpec, path: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const started = Date.now()
  const file = await openTableFile(path, opts.onProgress, opts.limits)
  const { byIndex, unknown, missing } = mapHeaders(spec, file.headers)
  const report: ImportReport = {
    table: spec.table, inserted: 0, deleted: 0, badRows: [], unknownColumns: unknown, missingColumns: missing,
    mapped: Object.fromEntries([...byIndex].map(([i, c]) => [file.headers[i]!, c])), aborted: false, elapsedMs: 0,
  }
  if (![...byIndex.values()].includes(spec.nameColumn)) {
    await file.close()
    const c = spec.columns.find((x) => x.name === spec.nameColumn)!
    throw new ImportError(`文件缺少「${c.label}」（${c.name}）列，无法导入 ${spec.key}。表头：${file.headers.join(', ')}`, report)
  }
  const insert = createCaseInserter(db, spec)
  // Manual transaction: the file is read asynchronously while rows go in; COMMIT only at the end.
  db.sqlite.exec('BEGIN IMMEDIATE')
  try {
    if (opts.replace) report.deleted = clearCases(db, spec)
    for await (const { rowNumber, values } of file.rows) {
      const record: Record<string, unknown> = {}
      for (const [i, col] of byIndex) record[col] = values[i]
      const { row, problems } = prepareRow(spec, record)
      if (problems.length) {
        report.badRows.push({ rowNumber, problems })
        continue
      }
      insert(row)
      report.inserted++
    }
    if (opts.strict && report.badRows.length) {
      report.aborted = true
      throw new ImportError(`有 ${report.badRows.length} 行数据有问题（--strict），没有导入任何数据`, report)
    }
    bumpCasesVersion(db)
    db.sqlite.exec('COMMIT')
  } catch (err) {
    if (db.sqlite.inTransaction) db.sqlite.exec('ROLLBACK')
    report.inserted = 0
    report.deleted = 0
    if (err instanceof ImportError) throw err
    throw new ImportError(`导入失败，已回滚（没有导入任何数据）：${(err as Error).message}`, report)
  }
  report.elapsedMs = Date.now() - started
  return report
}
