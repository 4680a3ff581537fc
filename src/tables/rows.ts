import type { Bounds } from '../core/numbers.js'
import { EMPTY_MARK, type Parsed, parseIntCell, parseMoneyCell, parseSizeCell, parseYearCell } from './cell-values.js'
import type { CaseRecord, ColumnSpec, TableSpec } from './index.js'

export interface RowProblem {
  column: string
  message: string
  /** The cell as the file had it (text). */
  value?: string
}

export interface PrepareOptions {
  /** Per column: the unit its header named (金额（万元） → factor 10000, label 万元). */
  readonly units?: Readonly<Record<string, { factor: number; label: string }>>
  /** Years after nowYear + 1 are refused (default: this year). */
  readonly nowYear?: number
}

/** Whitespace other than a plain space, and zero-width characters. */
const SPECIAL = /[\t\n\r\f\v\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u3000\ufeff]| {2}/

/**
 * A cell as stored text: trimmed; runs of spaces and tabs as one space; line breaks kept in free text
 * (summaries, reasons: `keepBreaks`) and joined with a space elsewhere; a cell of only dashes or
 * slashes is empty. Dates as YYYY-MM-DD, booleans as 是/否.
 */
export function cleanCell(v: unknown, keepBreaks = false): string | null {
  if (v == null) return null
  let s: string
  if (typeof v === 'string') s = v
  else if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().slice(0, 10)
  else if (typeof v === 'boolean') s = v ? '是' : '否'
  else s = String(v)
  if (SPECIAL.test(s)) {
    s = s
      .replace(/[\u200b-\u200d\ufeff]/g, '')
      .replace(/\r\n?|[\u2028\u2029]/g, '\n')
      .replace(/[^\S\n]+/g, ' ')
    s = keepBreaks
      ? s
          .split('\n')
          .map((l) => l.trim())
          .join('\n')
          .replace(/\n{3,}/g, '\n\n')
      : s.replace(/ ?\n[\s]*/g, ' ')
  }
  s = s.trim()
  return s === '' || EMPTY_MARK.test(s) ? null : s
}

const cellText = (v: unknown): string => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v))
const TOTAL_ROW = /^(合计|总计|小计|共计|汇总)[:：]?$/

/** A 合计 / 总 计 / 小计： label: the row it heads sums other rows, it is no record. */
export function isTotalLabel(v: unknown): boolean {
  return v != null && TOTAL_ROW.test(String(v).replace(/\s+/g, ''))
}

function numeric(col: ColumnSpec, v: unknown, factor: number, nowYear: number): Parsed<number> {
  switch (col.parse) {
    case 'year': {
      const y = parseYearCell(v, nowYear)
      return 'error' in y ? y : { value: y.value.year }
    }
    case 'money':
      return parseMoneyCell(v, factor)
    default:
      return parseIntCell(v, factor)
  }
}

/**
 * Turns one record from a file (values keyed by column name: text, numbers, dates) into a row: text
 * cleaned, numbers parsed (年份, 金额, 帐号数) and scaled by the header's unit, staff-size bounds and
 * years derived from their text when the file has no value for them. Every value that cannot be read
 * is a problem of its column (a row with problems is not imported), as is a missing customer name, a
 * size minimum above its maximum, a 合计 row and text with U+FFFD (text garbled before it got here).
 */
export function prepareRow(
  spec: TableSpec,
  record: Record<string, unknown>,
  o: PrepareOptions = {},
): { row: CaseRecord; problems: RowProblem[] } {
  const row: CaseRecord = {}
  const problems: RowProblem[] = []
  const nowYear = o.nowYear ?? new Date().getUTCFullYear()
  let bounds: Bounds | undefined
  let textYear: number | undefined
  for (const col of spec.columns) {
    const v = record[col.name]
    const unit = o.units?.[col.name]
    if (col.type === 'text') {
      let s = cleanCell(v, col.free === true && col.name !== spec.nameColumn)
      row[col.name] = s
      if (s == null) continue
      if (s.includes('\uFFFD')) {
        problems.push({
          column: col.name,
          message: `「${col.label}」里有乱码字符（�），原文件的编码可能被转错过`,
          value: s,
        })
        continue
      }
      if (col.parse === 'size') {
        const b = parseSizeCell(typeof v === 'number' ? v : s, unit?.factor)
        if ('error' in b) problems.push({ column: col.name, message: b.error, value: s })
        else {
          bounds = b.value
          // 人员规模（万人） with "1-5": keep the unit with the text reps read.
          if (unit && unit.factor !== 1 && !/[人名位万千]/.test(s)) row[col.name] = s = `${s}${unit.label}`
        }
      } else if (col.parse === 'year') {
        const y = parseYearCell(v instanceof Date || typeof v === 'number' ? v : s, nowYear)
        if ('error' in y) problems.push({ column: col.name, message: y.error, value: s })
        else textYear = y.value.year
      }
      continue
    }
    if (v == null || v === '' || (typeof v === 'string' && EMPTY_MARK.test(v))) {
      row[col.name] = null
      continue
    }
    const n = numeric(col, v, unit?.factor ?? 1, nowYear)
    if ('error' in n) {
      row[col.name] = null
      problems.push({ column: col.name, message: `${col.label}：${n.error}`, value: cellText(v) })
    } else row[col.name] = n.value
  }
  for (const col of spec.columns) {
    if (!col.derivedFrom || row[col.name] != null) continue
    const src = spec.columns.find((c) => c.name === col.derivedFrom)
    if (src?.parse === 'size' && bounds) {
      const [lo] = spec.sizeColumns ?? []
      row[col.name] = (col.name === lo ? bounds.min : bounds.max) ?? null
    } else if (src?.parse === 'year' && textYear !== undefined) row[col.name] = textYear
  }
  if (spec.sizeColumns) {
    const [lo, hi] = spec.sizeColumns
    const a = row[lo]
    const b = row[hi]
    if (typeof a === 'number' && typeof b === 'number' && a > b)
      problems.push({ column: lo, message: `人员规模最小值 ${a} 大于最大值 ${b}`, value: `${a}-${b}` })
  }
  const name = row[spec.nameColumn]
  if (name == null) problems.push({ column: spec.nameColumn, message: '缺少客户名称' })
  else if (isTotalLabel(name))
    problems.push({ column: spec.nameColumn, message: '合计行，不是一条客户记录', value: String(name) })
  return { row, problems }
}
