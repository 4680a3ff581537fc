import { basename } from 'node:path'
import { column, type TableSpec } from '../tables/index.js'
import {
  ambiguous,
  findLayout,
  HEAD_ROWS,
  type Layout,
  pick,
  rankTables,
  type SheetHead,
  type TableFit,
} from './import-layout.js'
import { ImportError, type ImportOptions, type ImportReport } from './import-types.js'
import { readTableRows, type TableSource } from './table-file.js'

/**
 * Before an import reads the rows: the first rows of every sheet (a preview), the header row, the
 * sheet and the table (named, or guessed from the headers), and the Chinese refusal when the file is
 * not a case table or not the one named.
 */

export interface ImportPlan {
  readonly spec: TableSpec
  readonly layout: Layout
  readonly fit: TableFit
  readonly guessed: boolean
  readonly otherSheets: string[]
  readonly encoding?: string
  readonly delimiter?: string
}

export const fileNameOf = (src: TableSource) => basename(src.fileName ?? src.path ?? '文件')

const DELIMITERS: Record<string, string> = { ',': '逗号', '\t': '制表符', ';': '分号', '|': '竖线' }
const ENCODINGS: Record<string, string> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16 LE',
  'utf-16be': 'UTF-16 BE',
  gb18030: 'GB18030（GBK）',
}

/** The first HEAD_ROWS rows of every sheet (or the one asked for). */
export async function previewSheets(
  src: TableSource,
  o: ImportOptions,
): Promise<{ sheets: SheetHead[]; encoding?: string; delimiter?: string }> {
  const sheets: Array<SheetHead & { rows: SheetHead['rows'][number][] }> = []
  let encoding: string | undefined
  let delimiter: string | undefined
  for await (const row of readTableRows(src, { limits: o.limits, headRows: HEAD_ROWS })) {
    if (row.format) {
      encoding = ENCODINGS[row.format.encoding] ?? row.format.encoding
      delimiter = DELIMITERS[row.format.delimiter] ?? row.format.delimiter
    }
    let sheet = sheets.find((s) => s.index === row.sheetIndex)
    if (!sheet) sheets.push((sheet = { name: row.sheet, index: row.sheetIndex, rows: [] }))
    sheet.rows.push({ rowNumber: row.rowNumber, values: row.values })
  }
  return { sheets, encoding, delimiter }
}

function chooseSheet(sheets: SheetHead[], wanted: string | undefined, file: string): SheetHead[] {
  if (!wanted) return sheets
  const byName = sheets.filter((s) => s.name === wanted || s.name.trim() === wanted.trim())
  if (byName.length) return byName
  const n = Number(wanted)
  const byNumber = Number.isInteger(n) ? sheets.filter((s) => s.index === n - 1) : []
  if (byNumber.length) return byNumber
  throw new ImportError(
    `「${file}」里没有工作表「${wanted}」。有：${sheets.map((s) => s.name).join('、') || '（没有数据）'}`,
    { code: 'no_sheet' },
  )
}

const listHeaders = (fit: TableFit) => fit.columns.map((c) => c.header).join('、')

function whatFits(fit: TableFit): string {
  return `「${fit.spec.title}」（${fit.spec.key}，认出 ${fit.known}/${fit.total} 列）`
}

/** Where the table is and which table it is; ImportError (Chinese) when the file does not fit. */
export async function planImport(spec: TableSpec | undefined, src: TableSource, o: ImportOptions): Promise<ImportPlan> {
  const file = fileNameOf(src)
  const preview = await previewSheets(src, o)
  const sheets = chooseSheet(preview.sheets, o.sheet, file)
  if (sheets.every((s) => s.rows.length === 0))
    throw new ImportError(`「${file}」是空的：没有找到任何数据。`, { code: 'empty' })
  const layout = findLayout(sheets, spec)
  const where = (l: Layout) => (l.sheet.name ? `工作表「${l.sheet.name}」第 ${l.headerRow} 行` : `第 ${l.headerRow} 行`)
  if (!layout) {
    const first = sheets.find((s) => s.rows.length)!.rows[0]!
    const seen = first.values
      .filter((v) => v != null && String(v).trim())
      .slice(0, 8)
      .map(String)
      .join('、')
    throw new ImportError(
      `「${file}」的前 ${HEAD_ROWS} 行里没有找到认识的表头${seen ? `（第 ${first.rowNumber} 行是：${seen}）` : ''}。表头要有「客户名称」等列名，见 docs/tables.md，或用 andy export <表> 生成模板。`,
      { code: 'no_header' },
    )
  }
  const fit = pick(layout, spec)
  const best = layout.fits[0]!
  if (spec && !fit.ok) {
    const other = best.ok && best.spec !== spec ? best : undefined
    const nameLabel = column(spec, spec.nameColumn).label
    const why = !fit.hasName
      ? `缺少必填的「${nameLabel}」列`
      : `${fit.total} 列里只认出 ${fit.known} 列（${listHeaders(fit) || '无'}），不到一半`
    const hint = other
      ? `它看起来是${whatFits(other)}的表：andy import ${other.spec.key} ${file}`
      : `表头（${where(layout)}）：${layout.sheet.rows
          .find((r) => r.rowNumber === layout.headerRow)!
          .values.filter((v) => v != null && String(v).trim())
          .join('、')}`
    throw new ImportError(`「${file}」不像「${spec.title}」的表：${why}。${hint}`, {
      code: 'wrong_table',
      betterTable: other?.spec.key,
    })
  }
  if (!spec) {
    if (!best.ok) {
      throw new ImportError(
        `「${file}」不像任何一张案例表：最接近的是${whatFits(best)}，但${best.hasName ? '认出的列不到一半' : `缺少「${column(best.spec, best.spec.nameColumn).label}」列`}。请指定表，或按 docs/tables.md 调整表头。`,
        { code: 'no_table' },
      )
    }
    const twin = ambiguous(layout)
    if (twin)
      throw new ImportError(
        `「${file}」的表头同样适合「${best.spec.title}」和「${twin.spec.title}」，请指定导入哪张表（如 andy import ${best.spec.key} ${file}）。`,
        { code: 'ambiguous' },
      )
  }
  const chosen = spec ?? best.spec
  const otherSheets = preview.sheets
    .filter((s) => s !== layout.sheet && s.rows.some((r) => rankTables(r.values, [chosen])[0]!.ok))
    .map((s) => s.name)
  return {
    spec: chosen,
    layout,
    fit,
    guessed: !spec,
    otherSheets,
    encoding: preview.encoding,
    delimiter: preview.delimiter,
  }
}

/** The report's fields known from the plan. */
export function planReport(plan: ImportPlan, file: string, o: ImportOptions): ImportReport {
  const { spec, fit, layout } = plan
  return {
    table: spec.table,
    tableKey: spec.key,
    title: spec.title,
    file,
    sheet: layout.sheet.name || undefined,
    headerRow: layout.headerRow,
    otherSheets: plan.otherSheets,
    guessed: plan.guessed,
    encoding: plan.encoding,
    delimiter: plan.delimiter,
    mapped: Object.fromEntries(fit.columns.map((c) => [c.header, c.column])),
    units: fit.columns
      .filter((c) => c.unit)
      .map((c) => ({ header: c.header, column: c.column, label: c.unit!.label, factor: c.unit!.factor })),
    unknownColumns: [
      ...fit.unknown,
      ...fit.duplicate.map((h) => `${h}（重复）`),
      ...fit.badUnits.map((h) => `${h}（单位无法换算）`),
    ],
    missingColumns: [...fit.missing],
    rowsRead: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    merged: 0,
    deleted: 0,
    demoRemoved: [],
    badRows: [],
    merges: [],
    problems: [],
    keyLabels: [],
    dryRun: o.dryRun === true,
    aborted: false,
    elapsedMs: 0,
  }
}
