import { type ColumnSpec, TABLES, type TableSpec } from '../tables/index.js'
import { headerVariants } from './header-words.js'
import type { CellValue } from './xlsx-rows.js'

/**
 * Where the table is in an admin's workbook and which case table it is: the header row is found among
 * the first rows of each sheet (title rows, merged titles, notes above it are skipped), headers are
 * matched to columns (seed name, Chinese label or alias; spaces, `_`, `-`, brackets, `*`, full-width
 * forms and case ignored) with their unit read off (`金额（万元）`, `人员规模(人)`, `金额/万元`), and
 * every table is scored against them, so the sheet that fits best is used and a file meant for another
 * table is refused with that table's name.
 */

/** Rows of each sheet looked at for the header. */
export const HEAD_ROWS = 30

export interface SheetHead {
  readonly name: string
  readonly index: number
  readonly rows: ReadonlyArray<{ readonly rowNumber: number; readonly values: readonly CellValue[] }>
}

export interface MappedColumn {
  /** Position in the row (0-based). */
  readonly index: number
  readonly header: string
  readonly column: string
  readonly unit?: { readonly factor: number; readonly label: string }
}

export interface TableFit {
  readonly spec: TableSpec
  readonly columns: readonly MappedColumn[]
  /** Headers that name no column (their values are not imported). */
  readonly unknown: readonly string[]
  /** Headers naming a column already taken by an earlier header. */
  readonly duplicate: readonly string[]
  /** Numeric columns whose header names a unit Andy cannot convert (金额（美元）): not imported. */
  readonly badUnits: readonly string[]
  /** Columns of the table (importable ones) the file does not have. */
  readonly missing: readonly string[]
  readonly hasName: boolean
  /** Headers that count (not blank, not 序号-like). */
  readonly total: number
  readonly known: number
  /** The name column is there and at least half of the headers are known. */
  readonly ok: boolean
  /** 2·known / (headers + the table's columns): how well the two match. */
  readonly score: number
}

export interface Layout {
  readonly sheet: SheetHead
  readonly headerRow: number
  /** Fits of every table on the header row, best first. */
  readonly fits: readonly TableFit[]
}

const IGNORED = /^(序号|编号|行号|序|no\.?|#|id|num|number)$/i

/** A header as compared: NFKC, lower case, without spaces, `_ - ( ) （ ） * : ：` and line breaks. */
export function normHeader(h: string): string {
  return h
    .normalize('NFKC')
    .replace(/[\s_\-()（）【】[\]*:：、/]/g, '')
    .toLowerCase()
}

const UNITS: Record<'money' | 'int' | 'size', Record<string, number>> = {
  money: {
    元: 1,
    人民币: 1,
    人民币元: 1,
    rmb: 1,
    千元: 1000,
    万元: 10_000,
    万: 10_000,
    百万: 1e6,
    百万元: 1e6,
    亿: 1e8,
    亿元: 1e8,
  },
  int: { 个: 1, 人: 1, 千: 1000, 万: 10_000, 万个: 10_000 },
  size: { 人: 1, 名: 1, 千人: 1000, 万人: 10_000, 万: 10_000 },
}
const FOREIGN = /美元|美金|usd|\$|欧元|eur|€|港币|港元|hkd|日元|jpy|英镑|gbp/i

/** "金额（万元）" → base 金额 and unit 万元; "金额/万元", "金额 单位：万元" too. */
export function splitUnit(header: string): { base: string; unit?: string } {
  const h = header.normalize('NFKC').trim()
  const m =
    /^(.*?)\s*[([【]\s*(?:单位\s*[:：]?\s*)?([^)\]】]{1,12})\s*[)\]】]\s*$/.exec(h) ??
    /^(.*?)\s*(?:[/／]|单位\s*[:：]?)\s*([^/／]{1,6})$/.exec(h)
  return m && m[1]!.trim() ? { base: m[1]!.trim(), unit: m[2]!.trim() } : { base: h }
}

function lookupOf(spec: TableSpec): Map<string, ColumnSpec> {
  const map = new Map<string, ColumnSpec>()
  for (const c of spec.columns) {
    if (c.internal) continue
    for (const h of [c.name, c.label, ...(c.aliases ?? [])]) if (!map.has(normHeader(h))) map.set(normHeader(h), c)
  }
  return map
}

const LOOKUPS = new Map<TableSpec, Map<string, ColumnSpec>>()
/** The column a (normalised) header names: exactly, or as admins vary it (header-words.ts). */
const lookup = (spec: TableSpec) => {
  const map = LOOKUPS.get(spec) ?? LOOKUPS.set(spec, lookupOf(spec)).get(spec)!
  return {
    get(norm: string): ColumnSpec | undefined {
      for (const v of headerVariants(norm)) {
        const col = map.get(v)
        if (col) return col
      }
      return undefined
    },
  }
}

type Match = { col: ColumnSpec; unit?: { factor: number; label: string }; badUnit?: boolean }

/** The column a header names in a table, with its unit. */
export function matchHeader(spec: TableSpec, header: string): Match | undefined {
  const map = lookup(spec)
  const whole = map.get(normHeader(header))
  if (whole) return { col: whole }
  const { base, unit } = splitUnit(header)
  const col = map.get(normHeader(base))
  const kind =
    col?.parse === 'money'
      ? 'money'
      : col?.parse === 'size'
        ? 'size'
        : col?.type === 'int' && col.parse !== 'year'
          ? 'int'
          : undefined
  if (col && unit) {
    const u = unit.replace(/\s+/g, '').toLowerCase()
    if (kind && UNITS[kind][u] !== undefined) return { col, unit: { factor: UNITS[kind][u]!, label: unit } }
    if (kind && FOREIGN.test(u)) return { col, badUnit: true }
    return { col } // an annotation: 客户名称（全称）, 金额（含税）
  }
  if (col) return { col }
  // A unit glued to the name: 金额万元, 人员规模人.
  for (const kindUnits of Object.values(UNITS)) {
    for (const [u, factor] of Object.entries(kindUnits)) {
      const n = normHeader(header)
      if (!n.endsWith(u) || n.length <= u.length) continue
      const c = map.get(n.slice(0, -u.length))
      if (
        c &&
        (c.parse === 'money' || c.parse === 'size' || c.parse === 'int') &&
        UNITS[c.parse === 'money' ? 'money' : c.parse === 'size' ? 'size' : 'int'][u] !== undefined
      )
        return { col: c, unit: { factor, label: u } }
    }
  }
  return undefined
}

const importable = (spec: TableSpec) => spec.columns.filter((c) => !c.internal && !c.derivedFrom)

/** How a table fits a header row. */
export function fitTable(spec: TableSpec, headers: readonly CellValue[]): TableFit {
  const columns: MappedColumn[] = []
  const unknown: string[] = []
  const duplicate: string[] = []
  const badUnits: string[] = []
  const used = new Set<string>()
  let total = 0
  headers.forEach((raw, index) => {
    const header = raw == null ? '' : String(raw).replace(/\s+/g, ' ').trim()
    if (!header || IGNORED.test(normHeader(header))) return
    total++
    const m = matchHeader(spec, header)
    if (!m) return void unknown.push(header)
    if (used.has(m.col.name)) return void duplicate.push(header)
    used.add(m.col.name)
    if (m.badUnit) return void badUnits.push(header)
    columns.push({ index, header, column: m.col.name, unit: m.unit })
  })
  const known = columns.length + badUnits.length
  const hasName = columns.some((c) => c.column === spec.nameColumn)
  const cols = importable(spec)
  const missing = cols.filter((c) => !used.has(c.name)).map((c) => c.name)
  const score = total ? (2 * Math.min(known, cols.length)) / (total + cols.length) : 0
  return {
    spec,
    columns,
    unknown,
    duplicate,
    badUnits,
    missing,
    hasName,
    total,
    known,
    ok: hasName && known * 2 >= total,
    score,
  }
}

const better = (a: TableFit, b: TableFit) =>
  a.ok !== b.ok ? (a.ok ? -1 : 1) : b.known !== a.known ? b.known - a.known : b.score - a.score

/** Every table's fit on a header row, best first. */
export function rankTables(headers: readonly CellValue[], tables: readonly TableSpec[] = TABLES): TableFit[] {
  return tables.map((t) => fitTable(t, headers)).sort(better)
}

/**
 * The header row and the sheet: in each sheet, the row among the first HEAD_ROWS where some table
 * knows the most headers; of the sheets, the one where `forced` (or any table) fits best. Undefined
 * when no row of any sheet names a known column.
 */
export function findLayout(sheets: readonly SheetHead[], forced?: TableSpec): Layout | undefined {
  let best: Layout | undefined
  for (const sheet of sheets) {
    let sheetBest: Layout | undefined
    for (const row of sheet.rows.slice(0, HEAD_ROWS)) {
      const fits = rankTables(row.values)
      const top = forced ? fits.find((f) => f.spec === forced)! : fits[0]!
      if (top.known === 0) continue
      const cand: Layout = { sheet, headerRow: row.rowNumber, fits }
      if (!sheetBest || top.known > pick(sheetBest, forced).known) sheetBest = cand
    }
    if (sheetBest && (!best || better(pick(sheetBest, forced), pick(best, forced)) < 0)) best = sheetBest
  }
  return best
}

/** The fit of `forced`, or the best table's. */
export function pick(layout: Layout, forced?: TableSpec): TableFit {
  return forced ? layout.fits.find((f) => f.spec === forced)! : layout.fits[0]!
}

/** Whether the best two tables fit equally well (the file does not say which it is). */
export function ambiguous(layout: Layout): TableFit | undefined {
  const [a, b] = layout.fits
  return a && b && a.ok && b.ok && a.known === b.known && Math.abs(a.score - b.score) < 1e-9 ? b : undefined
}
