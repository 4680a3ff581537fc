/**
 * CSV for the demo files: UTF-8 with BOM (so Excel opens the Chinese correctly), CRLF line ends,
 * header row = the Chinese labels of the table's non-internal columns, RFC 4180 quoting.
 */

import { outputColumns, type TableKey, tableByKey } from '../tables/index.js'
import { type DemoValue, iterateRecords } from './generate.js'

/** One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled). */
export function csvCell(v: DemoValue | undefined): string {
  if (v == null) return ''
  const s = String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** A whole CSV text: BOM, header line, one line per row, CRLF after every line. */
export function toCsv(header: readonly string[], rows: Iterable<readonly (DemoValue | undefined)[]>): string {
  const lines = [header.map(csvCell).join(',')]
  for (const row of rows) lines.push(row.map(csvCell).join(','))
  return `\uFEFF${lines.join('\r\n')}\r\n`
}

/** The demo CSV of a table: `count` generated rows under the table's Chinese labels. */
export function demoCsv(key: TableKey, count: number, seed = 1): string {
  const spec = tableByKey(key)
  if (!spec) throw new Error(`unknown table ${key}`)
  const cols = outputColumns(spec)
  function* rows(): Generator<DemoValue[]> {
    for (const rec of iterateRecords(key, count, seed)) yield cols.map((c) => rec[c.name] ?? null)
  }
  return toCsv(
    cols.map((c) => c.label),
    rows(),
  )
}
