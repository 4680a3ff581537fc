import type { Statement } from 'better-sqlite3'
import type { CaseRecord } from '../tables/index.js'
import { ftsColumns, type TableSpec } from '../tables/index.js'
import { naturalKey, naturalKeyColumns } from '../tables/natural-keys.js'
import type { Db } from './client.js'
import { indexGrams } from './grams.js'

/**
 * Writes an import into a case table (call inside one transaction): each row is matched by its
 * natural key (natural-keys.ts) against the rows already there — new rows are inserted, changed ones
 * updated in place (only the columns the file has), equal ones left alone — and against the rows of
 * the same file (a duplicate is merged into the first: its non-empty values win). Inserts go in
 * multi-row statements; the bigram FTS entries of new rows are written batch by batch (`indexNew`) and
 * those of changed rows at the end, each time in one INSERT … SELECT through a SQL function — much
 * faster than row by row.
 */

export type WriteMode = 'upsert' | 'append'

export type RowOutcome =
  | { kind: 'inserted' | 'updated' | 'unchanged' }
  | { kind: 'merged'; intoRow: number; changed: string[] }

interface Seen {
  id: number
  rowNumber: number
  status: 'inserted' | 'updated' | 'unchanged'
  /** The row as it was before this import (rows that existed): a merge may bring it back to that. */
  original?: CaseRecord
}

const GRAMS_FN = 'andy_grams'
/**
 * FTS5 keeps new terms in memory up to 'hashsize' bytes (1 MB by default) and then writes a segment; a
 * bulk import raises it for its transaction (fewer, larger segments and merges: about a third less FTS
 * time) and puts the default back before the commit, so other connections never see it.
 */
const IMPORT_FTS_HASH = 32 * 1024 * 1024
const FTS_HASH_DEFAULT = 1024 * 1024
const MAX_ORIGINALS = 20_000

/** A 53-bit string hash (cyrb53). */
function hash53(s: string): number {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}
const MULTI = 50

export interface WriterTotals {
  inserted: number
  updated: number
  unchanged: number
  merged: number
}

export class CaseImportWriter {
  readonly totals: WriterTotals = { inserted: 0, updated: 0, unchanged: 0, merged: 0 }
  private readonly cols: string[]
  // Natural keys by a 53-bit hash (a string per row would cost ~40 MB on 200,000 rows); a hit is checked
  // against the row's real key, and the rare key whose hash is taken lives in the *Collided maps.
  private readonly existing = new Map<number, number>()
  private readonly existingCollided = new Map<string, number>()
  private readonly seen = new Map<number, Seen>()
  private readonly seenCollided = new Map<string, Seen>()
  private readonly selectKey: Statement
  private readonly pending: Array<{ row: CaseRecord; seen?: Seen }> = []
  private readonly changedIds = new Set<number>()
  private originals = 0
  private readonly startId: number
  /** New rows up to this id have their FTS entries. */
  private indexedTo: number
  private insertedTo = 0
  private readonly insertOne: Statement
  private readonly insertMany: Statement
  private readonly update: Statement
  private readonly select: Statement

  /**
   * `written`: the columns this file provides (the others keep their values on update). `mode`
   * 'append' inserts every row (no matching, no merging).
   */
  constructor(
    private readonly db: Db,
    private readonly spec: TableSpec,
    private readonly written: readonly string[],
    private readonly mode: WriteMode = 'upsert',
  ) {
    const q = (c: string) => `"${c}"`
    this.cols = spec.columns.map((c) => c.name)
    const one = `(${this.cols.map(() => '?').join(',')})`
    const insert = `INSERT INTO "${spec.table}" (${this.cols.map(q).join(',')}) VALUES `
    this.insertOne = db.sqlite.prepare(insert + one)
    this.insertMany = db.sqlite.prepare(insert + Array(MULTI).fill(one).join(','))
    this.update = db.sqlite.prepare(
      `UPDATE "${spec.table}" SET ${written.map((c) => `${q(c)} = ?`).join(', ')}, updated_at = unixepoch('subsec') * 1000 WHERE id = ?`,
    )
    this.select = db.sqlite.prepare(`SELECT ${this.cols.map(q).join(',')} FROM "${spec.table}" WHERE id = ?`)
    this.startId = (db.sqlite.prepare(`SELECT coalesce(max(id), 0) AS m FROM "${spec.table}"`).get() as { m: number }).m
    this.indexedTo = this.startId
    const keys = naturalKeyColumns(spec)
    this.selectKey = db.sqlite.prepare(`SELECT ${keys.map(q).join(',')} FROM "${spec.table}" WHERE id = ?`)
    if (mode === 'upsert') {
      const all = db.sqlite.prepare(`SELECT id, ${keys.map(q).join(',')} FROM "${spec.table}" ORDER BY id`).raw()
      const rec: Record<string, unknown> = {}
      for (const r of all.iterate() as Iterable<unknown[]>) {
        keys.forEach((k, i) => (rec[k] = r[i + 1]))
        const key = naturalKey(spec, rec)
        const h = hash53(key)
        const cur = this.existing.get(h)
        // A second row with a key already there (duplicates from earlier appends): the first one is updated.
        if (cur === undefined) this.existing.set(h, r[0] as number)
        else if (this.keyOfId(cur) !== key && !this.existingCollided.has(key))
          this.existingCollided.set(key, r[0] as number)
      }
    }
  }

  private keyOfId(id: number): string {
    return naturalKey(this.spec, this.selectKey.get(id) as Record<string, unknown>)
  }

  private findExisting(key: string, h: number): number | undefined {
    const id = this.existing.get(h)
    if (id === undefined) return undefined
    return this.keyOfId(id) === key ? id : this.existingCollided.get(key)
  }

  private findSeen(key: string, h: number): Seen | undefined {
    const s = this.seen.get(h)
    if (!s) return undefined
    if (s.id < 0) this.flush()
    return this.keyOfId(s.id) === key ? s : this.seenCollided.get(key)
  }

  private remember(key: string, h: number, s: Seen): void {
    if (this.seen.has(h)) this.seenCollided.set(key, s)
    else this.seen.set(h, s)
  }

  /** Writes one prepared row; says what happened to it. */
  add(row: CaseRecord, rowNumber: number): RowOutcome {
    if (this.mode === 'append') return this.queueInsert(row)
    const key = naturalKey(this.spec, row)
    const h = hash53(key)
    const first = this.findSeen(key, h)
    if (first) return this.merge(first, row)
    const id = this.findExisting(key, h)
    if (id === undefined) {
      const seen: Seen = { id: -1, rowNumber, status: 'inserted' }
      this.remember(key, h, seen)
      return this.queueInsert(row, seen)
    }
    const current = this.select.get(id) as CaseRecord
    const seen: Seen = { id, rowNumber, status: 'unchanged' }
    this.remember(key, h, seen)
    if (this.written.every((c) => same(current[c], row[c]))) {
      this.totals.unchanged++
      return { kind: 'unchanged' }
    }
    this.update.run(...this.written.map((c) => row[c] ?? null), id)
    this.changedIds.add(id)
    seen.status = 'updated'
    // Kept so that a later duplicate in the file that brings the row back counts it as unchanged.
    if (this.originals < MAX_ORIGINALS) {
      seen.original = current
      this.originals++
    }
    this.totals.updated++
    return { kind: 'updated' }
  }

  private queueInsert(row: CaseRecord, seen?: Seen): RowOutcome {
    this.pending.push({ row, seen })
    if (this.pending.length >= MULTI) this.flush()
    this.totals.inserted++
    return { kind: 'inserted' }
  }

  /** Inserts the rows still queued. */
  flushPending(): void {
    this.flush()
  }

  /** Inserts the queued rows (ids are consecutive within one statement). */
  private flush(): void {
    const p = this.pending
    if (p.length === 0) return
    let last: number
    if (p.length === MULTI) {
      const values: unknown[] = []
      for (const { row } of p) for (const c of this.cols) values.push(row[c] ?? null)
      last = Number(this.insertMany.run(values).lastInsertRowid)
    } else {
      for (const { row } of p) last = Number(this.insertOne.run(this.cols.map((c) => row[c] ?? null)).lastInsertRowid)
    }
    p.forEach((x, i) => {
      if (x.seen) x.seen.id = last! - (p.length - 1) + i
    })
    this.insertedTo = last!
    p.length = 0
  }

  /** A later row of the file with the key of an earlier one: its non-empty values go into that row. */
  private merge(first: Seen, row: CaseRecord): RowOutcome {
    this.flush()
    const current = this.select.get(first.id) as CaseRecord
    const next: CaseRecord = { ...current }
    const changed: string[] = []
    for (const c of this.written) {
      if (row[c] == null || same(row[c], current[c])) continue
      next[c] = row[c]!
      changed.push(c)
    }
    if (changed.length) {
      this.update.run(...this.written.map((c) => next[c] ?? null), first.id)
      if (first.id <= this.indexedTo) this.changedIds.add(first.id)
      // Counted by where the merged row ends up: changed from before the import, or not.
      const back = first.original !== undefined && this.written.every((c) => same(first.original![c], next[c]))
      const status = first.status === 'inserted' ? 'inserted' : back ? 'unchanged' : 'updated'
      if (status !== first.status) {
        this.totals[first.status]--
        this.totals[status]++
        first.status = status
      }
    }
    this.totals.merged++
    return { kind: 'merged', intoRow: first.rowNumber, changed }
  }

  private ftsSql?: { into: string; select: string }

  private fts(): { into: string; select: string } | undefined {
    const cols = ftsColumns(this.spec)
    if (cols.length === 0) return undefined
    if (!this.ftsSql) {
      this.db.sqlite.function(GRAMS_FN, { deterministic: true }, (s: unknown) =>
        indexGrams(s == null ? null : String(s)),
      )
      this.setHashSize(IMPORT_FTS_HASH)
      this.ftsSql = {
        into: `INSERT INTO "${this.spec.table}_fts" (rowid, ${cols.map((c) => `"${c}"`).join(', ')}) `,
        select: `SELECT id, ${cols.map((c) => `${GRAMS_FN}("${c}")`).join(', ')} FROM "${this.spec.table}"`,
      }
    }
    return this.ftsSql
  }

  /**
   * Writes the FTS entries of the rows inserted so far (one INSERT … SELECT): called between batches,
   * so the indexing fills the time the parsing worker needs for the next batch.
   */
  indexNew(): void {
    this.flush()
    const f = this.fts()
    if (!f || this.insertedTo <= this.indexedTo) return
    this.db.sqlite.prepare(`${f.into}${f.select} WHERE id > ? AND id <= ?`).run(this.indexedTo, this.insertedTo)
    this.indexedTo = this.insertedTo
  }

  private setHashSize(bytes: number): void {
    // A BigInt: FTS5 takes only an INTEGER (a JS number binds as REAL: "SQL logic error").
    this.db.sqlite
      .prepare(`INSERT INTO "${this.spec.table}_fts" ("${this.spec.table}_fts", rank) VALUES ('hashsize', ?)`)
      .run(BigInt(bytes))
  }

  /** Writes what is queued and the FTS entries of new and changed rows (`fts: false` for a dry run). */
  finish(o: { fts?: boolean } = {}): void {
    this.flush()
    if (o.fts === false) return
    this.indexNew()
    const f = this.fts()
    if (f) this.changedFts(f)
    if (this.ftsSql) this.setHashSize(FTS_HASH_DEFAULT)
  }

  private changedFts(f: { into: string; select: string }): void {
    if (this.changedIds.size === 0) return
    const del = this.db.sqlite.prepare(`DELETE FROM "${this.spec.table}_fts" WHERE rowid = ?`)
    for (const id of this.changedIds) del.run(id)
    const changed = [...this.changedIds]
    for (let i = 0; i < changed.length; i += 500) {
      const chunk = changed.slice(i, i + 500)
      this.db.sqlite.prepare(`${f.into}${f.select} WHERE id IN (${chunk.map(() => '?').join(',')})`).run(...chunk)
    }
  }
}

function same(a: unknown, b: unknown): boolean {
  return (a ?? null) === (b ?? null)
}
