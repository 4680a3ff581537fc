import { CaseImportWriter } from '../db/case-import.js'
import { clearCases, openTransaction, transaction } from '../db/case-write.js'
import type { Db } from '../db/client.js'
import { maxCaseId, setDemoMark } from '../db/demo-rows.js'
import { bumpCasesVersion } from '../db/meta.js'
import type { CaseRecord } from '../tables/index.js'
import { column, type TableSpec } from '../tables/index.js'
import { naturalKeyColumns } from '../tables/natural-keys.js'
import { isTotalLabel, type PrepareOptions, prepareRow } from '../tables/rows.js'
import { removeDemoRows } from './demo-data.js'
import { fileNameOf, type ImportPlan, planImport, planReport } from './import-plan.js'
import {
  ImportError,
  type ImportOptions,
  type ImportPhases,
  type ImportProblem,
  type ImportReport,
} from './import-types.js'
import { FileFormatError, readTableBatches, type TableSource } from './table-file.js'
import type { CellValue } from './xlsx-rows.js'

export {
  ImportError,
  type ImportOptions,
  type ImportPhases,
  type ImportProblem,
  type ImportReport,
} from './import-types.js'

/**
 * Loads an admin's spreadsheet into a case table in ONE transaction: every good row is in, or (an I/O
 * error, `strict` with a bad row, a dry run) nothing is. First the plan (import-plan.ts: sheet, header
 * row, units, which table); then the chosen sheet's rows are prepared (rows.ts: text cleaned, numbers
 * parsed and scaled, problems per cell) and written by natural key (db/case-import.ts: new / updated /
 * unchanged, duplicates of the file merged). Bad rows are skipped and reported with their row numbers;
 * every problem is listed for the problems workbook. The first real import removes demo rows.
 */

const NOTE_ROW = /^(注|备注|说明|填表|制表|数据来源|来源|截至|更新|统计)|[:：]/

class ImportRun {
  private writer?: CaseImportWriter
  private readonly written: string[]
  private readonly prep: PrepareOptions
  private readonly headerOf = new Map<string, string>()

  constructor(
    private readonly db: Db,
    private readonly plan: ImportPlan,
    readonly report: ImportReport,
    private readonly o: ImportOptions,
  ) {
    const { spec, fit } = plan
    const inFile = new Set(fit.columns.map((c) => c.column))
    // Columns the file provides, and those derived from them (sizes, the year): written on update.
    this.written = spec.columns
      .filter((c) => inFile.has(c.name) || (c.derivedFrom && inFile.has(c.derivedFrom)))
      .map((c) => c.name)
    const units: Record<string, { factor: number; label: string }> = {}
    for (const c of fit.columns) {
      this.headerOf.set(c.column, c.header)
      if (c.unit) units[c.column] = c.unit
    }
    this.prep = { units, nowYear: new Date(o.now ?? Date.now()).getUTCFullYear() }
    report.keyLabels = naturalKeyColumns(spec).map((c) => column(spec, c).label)
  }

  private problem(p: Omit<ImportProblem, 'sheet'>): void {
    this.report.problems.push({ sheet: this.report.sheet ?? '', ...p })
  }

  /** Before the first row: demo rows out, --replace, the writer. Inside the transaction. */
  start(): void {
    const { db, plan, report, o } = this
    if (!o.demo) {
      for (const r of removeDemoRows(db)) {
        report.demoRemoved.push({ table: r.spec.table, title: r.spec.title, rows: r.removed })
        this.problem({
          message: `删除了「${r.spec.title}」的 ${r.removed} 行演示数据（真实数据导入前自动清除）`,
          level: 'info',
        })
      }
    }
    if (o.replace) report.deleted = clearCases(db, plan.spec)
    this.writer = new CaseImportWriter(db, plan.spec, this.written, o.append ? 'append' : 'upsert')
  }

  /** A data row of the file → prepared (or skipped with its problems). */
  prepareRecord(rowNumber: number, values: readonly CellValue[]): CaseRecord | undefined {
    const { spec, fit } = this.plan
    const record: Record<string, unknown> = {}
    let filled = 0
    for (const c of fit.columns) {
      const v = values[c.index]
      if (v != null && v !== '') filled++
      record[c.column] = v
    }
    if (filled === 0) return undefined
    this.report.rowsRead++
    // 合计 in a column import leaves out (序号), the name empty: one clear line, not 缺少客户名称 and a bad sum.
    const label = values.find((v) => v != null && String(v).trim() !== '')
    const name = values[fit.columns.find((c) => c.column === spec.nameColumn)?.index ?? -1]
    const { row, problems } =
      isTotalLabel(label) && (name == null || String(name).trim() === '' || isTotalLabel(name))
        ? {
            row: {},
            problems: [{ column: spec.nameColumn, message: '合计行，不是一条客户记录', value: String(label) }],
          }
        : prepareRow(spec, record, this.prep)
    if (problems.length === 0 && filled === 1 && NOTE_ROW.test(String(row[spec.nameColumn] ?? ''))) {
      problems.push({
        column: spec.nameColumn,
        message: '只有一格文字，看起来是说明或备注，不是客户记录',
        value: String(row[spec.nameColumn]),
      })
    }
    if (problems.length === 0) return row
    this.report.badRows.push({ rowNumber, problems })
    for (const p of problems)
      this.problem({
        row: rowNumber,
        column: this.headerOf.get(p.column) ?? column(spec, p.column).label,
        value: p.value,
        message: `${p.message}（本行未导入）`,
        level: 'error',
      })
    return undefined
  }

  write(rowNumber: number, row: CaseRecord): void {
    const out = this.writer!.add(row, rowNumber)
    if (out.kind !== 'merged') return
    const { spec } = this.plan
    this.report.merges.push({ rowNumber, intoRow: out.intoRow, changed: out.changed })
    const changed = out.changed.length
      ? `；本行的${out.changed.map((c) => `「${this.headerOf.get(c) ?? column(spec, c).label}」`).join('')}覆盖了第 ${out.intoRow} 行`
      : ''
    this.problem({
      row: rowNumber,
      message: `与第 ${out.intoRow} 行是同一条记录（${this.report.keyLabels.join('+')}相同），已合并为一行${changed}`,
      level: 'info',
    })
  }

  /** The search index of the rows written so far (between batches). */
  indexNew(): void {
    this.writer!.indexNew()
  }

  /** After the last row; throws ImportError (strict) before anything is committed. */
  finish(phases?: ImportPhases): void {
    const { report, o, db, plan } = this
    const w = this.writer!
    timed(phases, 'write', () => w.flushPending())
    timed(phases, 'fts', () => w.finish({ fts: !o.dryRun }))
    Object.assign(report, w.totals)
    if (o.strict && report.badRows.length) {
      report.aborted = true
      throw new ImportError(`有 ${report.badRows.length} 行数据有问题（--strict），没有导入任何数据`, {
        code: 'aborted',
        report,
      })
    }
    if (o.demo) setDemoMark(db, plan.spec, maxCaseId(db, plan.spec))
    if (!o.dryRun) bumpCasesVersion(db)
  }

  addUnknownColumnProblems(): void {
    const { layout, fit } = this.plan
    for (const h of fit.unknown)
      this.problem({
        row: layout.headerRow,
        column: h,
        message: '不认识的列，这一列没有导入（列名见 docs/tables.md）',
        level: 'warning',
      })
    for (const h of fit.duplicate)
      this.problem({
        row: layout.headerRow,
        column: h,
        message: '和前面的列指同一个字段，这一列没有导入',
        level: 'warning',
      })
    for (const h of fit.badUnits)
      this.problem({
        row: layout.headerRow,
        column: h,
        message: '单位无法换算成人民币元/人，这一列没有导入',
        level: 'warning',
      })
  }
}

/** Rolls a dry run back (thrown inside the synchronous transaction). */
class DryRun extends Error {}

/** Adds the time `fn` takes to `phases[name]` (when timings were asked for). */
function timed<T>(phases: ImportPhases | undefined, name: keyof ImportPhases, fn: () => T): T {
  if (!phases) return fn()
  const t = performance.now()
  try {
    return fn()
  } finally {
    phases[name] = (phases[name] ?? 0) + performance.now() - t
  }
}

/** The batches of `source`, the time spent waiting for each added to `phases.read`. */
async function* timedBatches<T>(source: AsyncGenerator<T>, phases: ImportPhases | undefined): AsyncGenerator<T> {
  if (!phases) return yield* source
  for (;;) {
    const t = performance.now()
    const next = await source.next()
    phases.read = (phases.read ?? 0) + performance.now() - t
    if (next.done) return
    yield next.value
  }
}

type Batches = AsyncGenerator<{ rowNumbers: readonly number[]; values: ReadonlyArray<readonly CellValue[]> }>

/** Reads and prepares every row first, then writes them in one synchronous transaction (chat imports). */
async function importBuffered(db: Db, run: ImportRun, batches: Batches, headerRow: number, o: ImportOptions) {
  const ph = o.phases
  // Read and prepare everything first; then write in one synchronous transaction.
  const rows: Array<[number, CaseRecord]> = []
  for await (const b of batches) {
    timed(ph, 'prepare', () => {
      for (let i = 0; i < b.rowNumbers.length; i++) {
        const n = b.rowNumbers[i]!
        if (n <= headerRow) continue
        const row = run.prepareRecord(n, b.values[i]!)
        if (row) rows.push([n, row])
      }
    })
  }
  transaction(db, () => {
    run.start()
    timed(ph, 'write', () => {
      for (const [n, row] of rows) run.write(n, row)
    })
    run.finish(ph)
    if (o.dryRun) throw new DryRun()
  })
}

/** The CLI: its own connection, so the transaction stays open while the file streams in. */
async function importStreaming(db: Db, run: ImportRun, batches: Batches, headerRow: number, o: ImportOptions) {
  const ph = o.phases
  openTransaction.begin(db)
  run.start()
  for await (const b of batches) {
    if (ph) {
      // The same loop, timed row by row (the prepare and write phases interleave).
      for (let i = 0; i < b.rowNumbers.length; i++) {
        const n = b.rowNumbers[i]!
        if (n <= headerRow) continue
        const row = timed(ph, 'prepare', () => run.prepareRecord(n, b.values[i]!))
        if (row) timed(ph, 'write', () => run.write(n, row))
      }
    } else {
      for (let i = 0; i < b.rowNumbers.length; i++) {
        const n = b.rowNumbers[i]!
        if (n <= headerRow) continue
        const row = run.prepareRecord(n, b.values[i]!)
        if (row) run.write(n, row)
      }
    }
    if (!o.dryRun) timed(ph, 'fts', () => run.indexNew())
  }
  run.finish(ph)
  timed(ph, 'commit', () => openTransaction.end(db, !o.dryRun))
}

/**
 * Imports `source` (a path, or bytes with a file name) into `spec` — or, without a spec, into the
 * table its headers fit. ImportError (Chinese) when the file does not fit or the import was aborted;
 * FileFormatError when the file cannot be read.
 */
export async function importCases(
  db: Db,
  spec: TableSpec | undefined,
  source: string | TableSource,
  o: ImportOptions = {},
): Promise<ImportReport> {
  const started = Date.now()
  const ph = o.phases
  const src: TableSource = typeof source === 'string' ? { path: source } : source
  const t0 = performance.now()
  const plan = await planImport(spec, src, o)
  if (ph) ph.plan = performance.now() - t0
  const report = planReport(plan, fileNameOf(src), o)
  const run = new ImportRun(db, plan, report, o)
  run.addUnknownColumnProblems()
  const batches = timedBatches(
    readTableBatches(src, { limits: o.limits, onProgress: o.onProgress, sheetIndex: plan.layout.sheet.index }),
    ph,
  )
  const headerRow = plan.layout.headerRow
  try {
    if (o.buffered) await importBuffered(db, run, batches, headerRow, o)
    else await importStreaming(db, run, batches, headerRow, o)
  } catch (err) {
    openTransaction.abandon(db)
    if (!(err instanceof DryRun)) {
      Object.assign(report, { inserted: 0, updated: 0, unchanged: 0, merged: 0, deleted: 0, demoRemoved: [] })
      if (err instanceof ImportError || err instanceof FileFormatError) throw err
      throw new ImportError(`导入失败，已回滚（没有导入任何数据）：${(err as Error).message}`, {
        code: 'failed',
        report,
      })
    }
  }
  report.elapsedMs = Date.now() - started
  return report
}
