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

/**
 * An open write transaction that spans awaits (the streaming import: the file is read while it stays
 * open): `begin` takes the write lock at once; `end` commits or rolls back; `abandon` rolls back
 * whatever is still open (after a failure).
 */
export const openTransaction = {
  begin(db: Db): void {
    db.sqlite.exec('BEGIN IMMEDIATE')
  },
  end(db: Db, commit: boolean): void {
    db.sqlite.exec(commit ? 'COMMIT' : 'ROLLBACK')
  },
  abandon(db: Db): void {
    if (db.sqlite.inTransaction) db.sqlite.exec('ROLLBACK')
  },
}

/** The columns a copy of a case table carries, in order: id, the spec's columns, created_at, updated_at. */
export function copyColumns(spec: TableSpec): string[] {
  return ['id', ...spec.columns.map((c) => c.name), 'created_at', 'updated_at']
}

/**
 * Replaces a case table's rows (and its FTS index) with `rows` ([…copyColumns(spec)] each, ids kept): the
 * local copy of the PostgreSQL source of truth. Call inside a transaction.
 */
export function replaceCases(db: Db, spec: TableSpec, rows: Iterable<readonly unknown[]>): number {
  clearCases(db, spec)
  const cols = copyColumns(spec)
  const insert = db.sqlite.prepare(
    `INSERT INTO "${spec.table}" (${cols.map((c) => `"${c}"`).join(',')}) VALUES (${cols.map(() => '?').join(',')})`,
  )
  const fts = ftsColumns(spec)
  const at = fts.map((c) => cols.indexOf(c))
  const insertFts = db.sqlite.prepare(
    `INSERT INTO "${spec.table}_fts" (rowid, ${fts.map((c) => `"${c}"`).join(',')}) VALUES (?, ${fts.map(() => '?').join(',')})`,
  )
  let n = 0
  for (const row of rows) {
    insert.run(...row)
    insertFts.run(row[0], ...at.map((i) => indexGrams(row[i] == null ? null : String(row[i]))))
    n++
  }
  return n
}

/** Every row of a case table as […copyColumns(spec)], in id order (what is pushed to PostgreSQL). */
export function readCaseCopy(db: Db, spec: TableSpec): IterableIterator<unknown[]> {
  const cols = copyColumns(spec)
  return db.sqlite
    .prepare(
      `SELECT ${cols.map((c) => (c.endsWith('_at') ? `CAST("${c}" AS INTEGER)` : `"${c}"`)).join(',')} FROM "${spec.table}" ORDER BY id`,
    )
    .raw(true)
    .iterate() as IterableIterator<unknown[]>
}
