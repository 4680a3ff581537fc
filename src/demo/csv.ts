/**
 * CSV for the demo files: UTF-8 with BOM (so Excel opens the Chinese correctly), CRLF line ends,
 * header row = the Chinese labels of the table's non-internal columns, RFC 4180 quoting.
 */

import { csvCell } from '../core/csv.js'
import { outputColumns, type TableKey, tableByKey } from '../tables/index.js'
import { type DemoValue, iterateRecords } from './generate.js'

/** A whole CSV text: BOM, header line, one line per row, CRLF after every line. */
export function toCsv(header: readonly string[], rows: Iterable<readonly (DemoValue | undefined)[]>): string {
  const lines = [header.map((h) => csvCell(h)).join(',')]
  for (const row of rows) lines.push(row.map((v) => csvCell(v)).join(','))
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
