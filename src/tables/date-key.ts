import type { TableSpec } from './index.js'

/**
 * "Newest first" for the case tables: rows are ordered by their full date — year, then month, then day
 * where the data has them — and ties by id, newest id first. The year is the table's numeric year column
 * (what year filters use); month and day come from the date text it was derived from (content cases:
 * `case_time` "2025-11", "2025年11月3日", "2025/11"), when that text names the same year. A year-only date
 * ("2025年") sorts after every dated row of its year; rows without a year come last.
 *
 * The in-memory CaseIndex (case-index-builder.ts) and the SQL reference (src/db/case-search.ts, through
 * the SQLite function `andy_date_key`) both use dateKey, so they cannot disagree.
 */

const DATE = /((?:19|20)\d{2})\s*(?:[年./-]\s*(\d{1,2})(?:\s*[月./-]\s*(\d{1,2}))?)?/

export interface DateParts {
  year: number
  /** 0 when the text has no month. */
  month: number
  /** 0 when the text has no day. */
  day: number
}

/** Year, month and day named by a date text ("2025-11", "2025年11月3日", "2025/11/03", "2025年"). */
export function dateParts(text: unknown): DateParts | undefined {
  if (text == null) return undefined
  const m = DATE.exec(String(text).normalize('NFKC'))
  if (!m) return undefined
  const year = Number(m[1])
  let month = m[2] ? Number(m[2]) : 0
  let day = m[3] ? Number(m[3]) : 0
  if (month < 1 || month > 12) month = day = 0
  if (day < 1 || day > 31) day = 0
  return { year, month, day }
}

/** The text column a spec's year column is derived from (content cases: case_time), if any. */
export function dateTextColumn(spec: TableSpec): string | undefined {
  if (!spec.yearColumn) return undefined
  const year = spec.columns.find((c) => c.name === spec.yearColumn)
  const from = year?.derivedFrom ? spec.columns.find((c) => c.name === year.derivedFrom) : undefined
  return from?.type === 'text' ? from.name : undefined
}

/** Sort key: year·10000 + month·100 + day (0 for what the text lacks); undefined without a year. */
export function dateKey(year: unknown, parts: DateParts | undefined): number | undefined {
  if (year == null || year === '') return undefined
  const y = Number(year)
  if (!Number.isFinite(y)) return undefined
  if (!parts || parts.year !== y) return y * 10_000
  return y * 10_000 + parts.month * 100 + parts.day
}
