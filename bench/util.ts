import { renderTable } from '../src/stats/terminal.js'

/** Small helpers shared by the bench scripts: percentiles and a plain-text table. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[idx]!
}

/** Prints a titled table (columns aligned for Chinese text; same renderer as `andy stats`). */
export function printTable(
  title: string,
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
): void {
  process.stdout.write(
    `\n${title}\n${renderTable(
      header,
      rows.map((r) => r.map(String)),
    )}\n`,
  )
}

export function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0)
}
