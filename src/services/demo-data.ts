import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import papa from 'papaparse'
import { tableCount } from '../db/case-search.js'
import type { Db } from '../db/client.js'
import { deleteDemoRows, demoMark, firstRows, markedDemoRows, rowsUpTo, setDemoMark } from '../db/demo-rows.js'
import { TABLES, type TableSpec } from '../tables/index.js'
import { naturalKey, naturalKeyColumns } from '../tables/natural-keys.js'
import { fitTable } from './import-layout.js'

/**
 * Demo data and the production database. The demo CSVs (data/demo/*.csv) go into a database only
 * when it holds no real rows; the rows they add are marked (db/demo-rows.ts). Databases filled by
 * `npm run demo` before marks existed are recognised by the demo rows' natural keys among a table's
 * first rows. `andy doctor`, the start-up log and `andy data check` report demo rows; a real import
 * removes them.
 */

export const DEMO_DIR = fileURLToPath(new URL('../../data/demo/', import.meta.url))

export const demoFile = (spec: TableSpec) => `${DEMO_DIR}${spec.key}.csv`

const keyCache = new Map<string, Set<string>>()

/** The natural keys of a table's demo rows. */
function demoKeys(spec: TableSpec): Set<string> {
  let keys = keyCache.get(spec.key)
  if (keys) return keys
  keys = new Set()
  const file = demoFile(spec)
  if (existsSync(file)) {
    const rows = papa.parse<string[]>(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data
    const fit = fitTable(spec, rows[0] ?? [])
    for (const r of rows.slice(1)) {
      const rec: Record<string, unknown> = {}
      for (const c of fit.columns) rec[c.column] = r[c.index]
      keys.add(naturalKey(spec, rec))
    }
  }
  keyCache.set(spec.key, keys)
  return keys
}

/** Demo rows of a table loaded before marks existed: the highest id among its first rows that are demo rows. */
function legacyDemoMaxId(db: Db, spec: TableSpec): number | undefined {
  const keys = demoKeys(spec)
  if (keys.size === 0) return undefined
  const cols = naturalKeyColumns(spec)
  let matched = 0
  let maxId = 0
  for (const r of firstRows(db, spec, cols, keys.size * 2)) {
    const rec: Record<string, unknown> = {}
    cols.forEach((c, i) => (rec[c] = r[i + 1]))
    if (keys.has(naturalKey(spec, rec))) {
      matched++
      maxId = Math.max(maxId, r[0] as number)
    }
  }
  return matched >= Math.min(50, keys.size) ? maxId : undefined
}

export interface DemoStatus {
  readonly spec: TableSpec
  readonly total: number
  readonly demo: number
  readonly real: number
}

/** Per table: rows, demo rows, real rows. `mark` records demo rows found without a mark (writes app_meta). */
export function demoStatus(db: Db, o: { mark?: boolean } = {}): DemoStatus[] {
  return TABLES.map((spec) => {
    const total = tableCount(db, spec)
    if (total > 0 && demoMark(db, spec) === undefined) {
      const legacy = legacyDemoMaxId(db, spec)
      if (legacy !== undefined) {
        if (o.mark) setDemoMark(db, spec, legacy)
        else {
          const demo = rowsUpTo(db, spec, legacy)
          return { spec, total, demo, real: total - demo }
        }
      }
    }
    const demo = total > 0 ? markedDemoRows(db, spec) : 0
    return { spec, total, demo, real: total - demo }
  })
}

/** Deletes every table's demo rows (call inside a transaction); per table how many. */
export function removeDemoRows(db: Db): Array<{ spec: TableSpec; removed: number }> {
  demoStatus(db, { mark: true })
  return TABLES.map((spec) => ({ spec, removed: deleteDemoRows(db, spec) })).filter((r) => r.removed > 0)
}

/** "内容客户案例 600 行、…" for messages. */
export function demoSummary(status: readonly DemoStatus[]): string {
  return status
    .filter((s) => s.demo > 0)
    .map((s) => `${s.spec.title} ${s.demo} 行`)
    .join('、')
}

/** The demo's own database (npm run demo): demo rows there are expected. */
export const DEMO_DB_PATH = 'data/demo.db'

/** A warning when the database (not the demo's own) holds demo rows: for andy doctor and the start-up log. */
export function demoWarning(db: Db, dbPath: string): { message: string; tables: string } | undefined {
  if (resolve(dbPath) === resolve(DEMO_DB_PATH)) return undefined
  const status = demoStatus(db)
  const tables = demoSummary(status)
  if (!tables) return undefined
  return {
    tables,
    message: `数据库 ${dbPath} 里有演示数据（${tables}）：回答里会出现虚构的客户。用 andy data clear-demo 删除；第一次 andy import 真实数据时也会自动删除。`,
  }
}
