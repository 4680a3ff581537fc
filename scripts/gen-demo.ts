/**
 * Writes the demo CSVs (data/demo/<key>.csv, 600 rows each) from the deterministic generator.
 * Usage: npx tsx scripts/gen-demo.ts [rows] [seed]
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { demoCsv } from '../src/demo/csv.js'
import { TABLE_KEYS } from '../src/tables/index.js'

const rows = Number(process.argv[2] ?? 600)
const seed = Number(process.argv[3] ?? 1)
if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(seed)) {
  console.error('usage: tsx scripts/gen-demo.ts [rows>=1] [seed]')
  process.exit(1)
}

const dir = fileURLToPath(new URL('../data/demo/', import.meta.url))
mkdirSync(dir, { recursive: true })
for (const key of TABLE_KEYS) {
  const file = `${dir}${key}.csv`
  writeFileSync(file, demoCsv(key, rows, seed), 'utf8')
  console.log(`${key}: ${rows} rows → data/demo/${key}.csv`)
}
