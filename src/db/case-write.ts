import { type CaseRecord, ftsColumns, type TableSpec } from '../tables/index.js'
import type { Db } from './client.js'
import { indexGrams } from './grams.js'

/**
 * Inserts prepared case rows and their bigram FTS entries. Call inside a transaction for bulk loads
 * (see `transaction`): one statement pair per row, prepared once.
 */
export function createCaseInserter(db: Db, spec: TableSpec): (row: CaseRecord) => number {
  const cols = spec.columns.map((c) => c.name)
  const insert = db.sqlite.prepare(
    `INSERT INTO "${spec.table}" (${cols.map((c) => `"${c}"`).join(',')}) VALUES (${cols.map(() => '?').join(',')})`,
  )
  const fts = ftsColumns(spec)
  const insertFts = db.sqlite.prepare(
    `INSERT INTO "${spec.table}_fts" (rowid, ${fts.map((c) => `"${c}"`).join(',')}) VALUES (?, ${fts.map(() => '?').join(',')})`,
  )
  return (row) => {
    const id = Number(insert.run(...cols.map((c) => row[c] ?? null)).lastInsertRowid)
    insertFts.run(id, ...fts.map((c) => indexGrams(row[c] == null ? null : String(row[c]))))
    return id
  }
}

/** Deletes every row of a case table and its FTS index. */
export function clearCases(db: Db, spec: TableSpec): number {
  const n = db.sqlite.prepare(`DELETE FROM "${spec.table}"`).run().changes
  db.sqlite.prepare(`DELETE FROM "${spec.table}_fts"`).run()
  return n
}

/** Runs `fn` in one SQLite transaction (all or nothing). */
export function transaction<T>(db: Db, fn: () => T): T {
  return db.sqlite.transaction(fn)()
}
