import { parseIntText, parseMoneyText, parseSizeText, parseYearText } from '../core/numbers.js'
import type { CaseRecord, ColumnSpec, TableSpec } from './index.js'

export interface RowProblem {
  column: string
  message: string
}

function clean(v: unknown): string | null {
  if (v == null) return null
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().slice(0, 10)
  const s = String(v).replace(/\s+/g, ' ').trim()
  return s === '' ? null : s
}

function numeric(col: ColumnSpec, v: unknown): number | null | undefined {
  if (v == null || v === '') return null
  switch (col.parse) {
    case 'year':
      return parseYearText(v)
    case 'money':
      return parseMoneyText(v)
    default:
      return parseIntText(v)
  }
}

/**
 * Turns one record from a file (values keyed by column name, as text or numbers) into a row: text
 * cleaned, numbers parsed (年份, 金额, 帐号数), staff-size bounds derived from the size text when the
 * file has none. Problems are returned per column; a row with problems is not imported.
 */
export function prepareRow(spec: TableSpec, record: Record<string, unknown>): { row: CaseRecord; problems: RowProblem[] } {
  const row: CaseRecord = {}
  const problems: RowProblem[] = []
  for (const col of spec.columns) {
    const v = record[col.name]
    if (col.type === 'text') {
      row[col.name] = clean(v)
      continue
    }
    const n = numeric(col, v)
    if (n === undefined) {
      if (col.derivedFrom) row[col.name] = null
      else problems.push({ column: col.name, message: `「${clean(v)}」不是有效的${col.label}` })
      continue
    }
    row[col.name] = n
  }
  for (const col of spec.columns) {
    if (!col.derivedFrom || row[col.name] != null) continue
    const src = spec.columns.find((c) => c.name === col.derivedFrom)
    const text = row[col.derivedFrom]
    if (!src || text == null) continue
    if (src.parse === 'size') {
      const b = parseSizeText(String(text))
      const [lo] = spec.sizeColumns ?? []
      const v = col.name === lo ? b?.min : b?.max
      row[col.name] = v ?? null
    } else if (src.parse === 'year') {
      row[col.name] = parseYearText(text) ?? null
    }
  }
  if (spec.sizeColumns) {
    const [lo, hi] = spec.sizeColumns
    const a = row[lo]
    const b = row[hi]
    if (typeof a === 'number' && typeof b === 'number' && a > b) problems.push({ column: lo, message: `人员规模最小值 ${a} 大于最大值 ${b}` })
  }
  if (row[spec.nameColumn] == null) problems.push({ column: spec.nameColumn, message: '缺少客户名称' })
  return { row, problems }
}
