import type { TableSpec } from './index.js'

/**
 * What makes a row "the same record" in each case table (its natural key): re-importing a file
 * updates the rows with the same key instead of adding them again, two rows of one file with the same
 * key are merged, and `andy data check` lists keys held by several rows. Keys compare the text after
 * NFKC (full-width = half-width), trimmed, spaces collapsed, letter case ignored; an empty cell is part
 * of the key as "empty". Attributes that get corrected over time (industry, size, amounts, links) are
 * not in the key, so correcting them updates the row. Each table spec names its key (TableSpec.naturalKey).
 */
export function naturalKeyColumns(spec: TableSpec): readonly string[] {
  return spec.naturalKey
}

/** One key part as compared: NFKC, trimmed, inner whitespace as one space, lower case. */
export function keyPart(v: unknown): string {
  if (v == null) return ''
  const s = String(v)
  // Fast path: plain text needs only lower-casing (NFKC changes nothing in most Chinese names).
  return (/[^\u4e00-\u9fff\w]/.test(s) ? s.normalize('NFKC').replace(/\s+/g, ' ').trim() : s).toLowerCase()
}

/** The natural key of a row (values keyed by column name) as one string. */
export function naturalKey(spec: TableSpec, row: Readonly<Record<string, unknown>>): string {
  const cols = spec.naturalKey
  if (cols.length === 1) return keyPart(row[cols[0]!])
  let out = keyPart(row[cols[0]!])
  for (let i = 1; i < cols.length; i++) out += `\u0001${keyPart(row[cols[i]!])}`
  return out
}
