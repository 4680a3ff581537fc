import type { TableKey, TableSpec } from './index.js'

/**
 * What makes a row "the same record" in each case table (its natural key): re-importing a file
 * updates the rows with the same key instead of adding them again, two rows of one file with the same
 * key are merged, and `andy data check` lists keys held by several rows. Keys compare the text after
 * NFKC (full-width = half-width), trimmed, spaces collapsed, letter case ignored; an empty cell is part
 * of the key as "empty". Attributes that get corrected over time (industry, size, amounts, links) are
 * not in the key, so correcting them updates the row.
 */
export const NATURAL_KEYS: Readonly<Record<TableKey, readonly string[]>> = {
  // A customer has one case per project: the case title and the project name tell them apart.
  'content-cases': ['kh_name', 'case_name', 'xm_name'],
  // One pitch plan per customer project and product.
  'pitch-plans': ['kh_name', 'xm_name', 'content_product'],
  // A customer switched away from a competitor once.
  'competitor-switches': ['kh_name', 'competitor_name'],
  // A customer's purchase of a product (and class type) in a year.
  procurements: ['org_name', 'product_name', 'class_type', 'purchase_year'],
  // One archive per software customer.
  'software-cases': ['archive_name'],
}

export function naturalKeyColumns(spec: TableSpec): readonly string[] {
  return NATURAL_KEYS[spec.key]
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
  const cols = NATURAL_KEYS[spec.key]
  if (cols.length === 1) return keyPart(row[cols[0]!])
  let out = keyPart(row[cols[0]!])
  for (let i = 1; i < cols.length; i++) out += `\u0001${keyPart(row[cols[i]!])}`
  return out
}
