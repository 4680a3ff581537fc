import type { Statement } from 'better-sqlite3'
import type { Condition } from '../tables/conditions.js'
import { dateKey, dateParts, dateTextColumn } from '../tables/date-key.js'
import { ftsColumns, type TableSpec, textColumns } from '../tables/index.js'
import type { Db } from './client.js'
import { columnPhrase } from './grams.js'

/**
 * SQL for the case tables. Identifiers come only from the table specs; every value from a user is a
 * bound parameter. Contains-conditions go through the bigram FTS index (one MATCH per query) and are
 * re-checked with instr() on the row so that grams that happen to co-occur never count as a match.
 */

export type Row = Record<string, unknown> & { id: number }

export interface PageOptions {
  offset: number
  limit: number
}

export interface SearchResult {
  rows: Row[]
  total: number
}

interface Compiled {
  where: string
  params: unknown[]
}

function assertColumn(spec: TableSpec, name: string): string {
  if (name !== 'id' && !spec.columns.some((c) => c.name === name))
    throw new Error(`${spec.table} has no column ${name}`)
  return `"${name}"`
}

function instrAny(cols: string[], needle: string, params: unknown[]): string {
  const parts = cols.map((c) => {
    params.push(needle)
    return `instr(lower(t.${c}), ?) > 0`
  })
  return `(${parts.join(' OR ')})`
}

/**
 * SQL WHERE for conditions — the reference meaning of every condition, by plain instr() scans. Searches run
 * on the in-memory CaseIndex; this serves as its test oracle and for the rare condition the index cannot
 * answer (e.g. a contains on a URL column).
 */
export function compileConditions(spec: TableSpec, conditions: readonly Condition[]): Compiled {
  const params: unknown[] = []
  const allText = textColumns(spec).map((c) => assertColumn(spec, c))
  const clauses = conditions.map((c) => compileOne(spec, c, allText, params)).filter((c) => c !== '')
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params }
}

/** One condition as one SQL boolean expression ('' = no restriction). */
function compileOne(spec: TableSpec, cond: Condition, allText: string[], params: unknown[]): string {
  const all = (parts: string[]) =>
    parts.length === 0 ? '' : parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`
  switch (cond.kind) {
    case 'in': {
      const ors = cond.columns.map(({ column, values }) => {
        if (values.length === 0) return '0'
        params.push(...values)
        return `t.${assertColumn(spec, column)} IN (${values.map(() => '?').join(',')})`
      })
      return ors.length === 0 ? '0' : ors.length === 1 ? ors[0]! : `(${ors.join(' OR ')})`
    }
    case 'contains':
      return instrAny([assertColumn(spec, cond.column)], cond.text.toLowerCase(), params)
    case 'anyContains': {
      const words = cond.words.filter(Boolean)
      return words.length
        ? `(${words.map((w) => instrAny([assertColumn(spec, cond.column)], w.toLowerCase(), params)).join(' OR ')})`
        : ''
    }
    case 'keyword':
      return instrAny(allText, cond.text.toLowerCase(), params)
    case 'anyKeyword': {
      const words = cond.words.filter(Boolean)
      return words.length ? `(${words.map((w) => instrAny(allText, w.toLowerCase(), params)).join(' OR ')})` : ''
    }
    case 'range': {
      const col = assertColumn(spec, cond.column)
      const parts: string[] = []
      if (cond.min !== undefined) {
        parts.push(`t.${col} ${cond.minExclusive ? '>' : '>='} ?`)
        params.push(cond.min)
      }
      if (cond.max !== undefined) {
        parts.push(`t.${col} ${cond.maxExclusive ? '<' : '<='} ?`)
        params.push(cond.max)
      }
      return all(parts)
    }
    case 'size': {
      if (!spec.sizeColumns) return '0'
      const lo = assertColumn(spec, spec.sizeColumns[0])
      const hi = assertColumn(spec, spec.sizeColumns[1])
      const parts = [`(t.${lo} IS NOT NULL OR t.${hi} IS NOT NULL)`]
      if (cond.min !== undefined) {
        parts.push(`(coalesce(t.${hi}, 9e18) > ? OR coalesce(t.${lo}, -1) >= ?)`)
        params.push(cond.min, cond.min)
      }
      if (cond.max !== undefined) {
        parts.push(`(coalesce(t.${lo}, 0) < ? OR coalesce(t.${hi}, 9e18) <= ?)`)
        params.push(cond.max, cond.max)
      }
      return all(parts)
    }
    case 'not': {
      // A row without the value (NULL) does not match the inner condition, so it stays in.
      const inner = compileOne(spec, cond.condition, allText, params)
      return inner === '' ? '0' : `NOT coalesce(${inner}, 0)`
    }
    case 'or': {
      const parts = cond.conditions.map((c) => compileOne(spec, c, allText, params))
      if (parts.length === 0) return '0'
      return parts.some((p) => p === '') ? '1' : `(${parts.join(' OR ')})`
    }
    case 'and':
      return all(cond.conditions.map((c) => compileOne(spec, c, allText, params)).filter((p) => p !== ''))
  }
}

/**
 * Ids of the rows whose `columns` contain `text`. Free-text columns go through the bigram FTS index as a
 * phrase of the word's consecutive bigrams (exact, see src/db/grams.ts); words the index cannot help
 * with ("%", one character) and other columns are scanned with instr().
 */
export function containsIds(db: Db, spec: TableSpec, columns: readonly string[], text: string): number[] {
  const indexed = new Set(ftsColumns(spec))
  const phrase = columns.every((c) => indexed.has(c)) ? columnPhrase(columns, text) : undefined
  if (phrase) {
    // The MATCH string is built from grams (letters/digits, quoted) and bound as a parameter.
    return cache(db)
      .get(`SELECT rowid FROM "${spec.table}_fts" WHERE "${spec.table}_fts" MATCH ?`)
      .pluck()
      .all(phrase) as number[]
  }
  const params: unknown[] = []
  const check = instrAny(
    columns.map((c) => assertColumn(spec, c)),
    text.toLowerCase(),
    params,
  )
  return cache(db)
    .get(`SELECT t.id FROM "${spec.table}" t WHERE ${check}`)
    .pluck()
    .all(...params) as number[]
}

/** Ids of the rows matching every condition (plain SQL scans: the rare condition the in-memory index cannot answer). */
export function matchingIds(db: Db, spec: TableSpec, conditions: readonly Condition[]): number[] {
  const { where, params } = compileConditions(spec, conditions)
  return cache(db)
    .get(`SELECT t.id FROM "${spec.table}" t ${where}`)
    .pluck()
    .all(...params) as number[]
}

/** Every row's id and the given columns, in rowid order, as raw arrays (for the in-memory CaseIndex). */
export function* scanColumns(db: Db, spec: TableSpec, columns: readonly string[]): Generator<unknown[]> {
  const cols = columns.map((c) => `t.${assertColumn(spec, c)}`)
  yield* db.sqlite
    .prepare(`SELECT t.id${cols.length ? `, ${cols.join(', ')}` : ''} FROM "${spec.table}" t ORDER BY t.id`)
    .raw()
    .iterate() as Iterable<unknown[]>
}

/** SQLite functions the queries below use, registered once per connection. */
const withFunctions = new WeakSet<Db>()
function registerFunctions(db: Db): void {
  if (withFunctions.has(db)) return
  db.sqlite.function(
    'andy_date_key',
    { deterministic: true },
    (year: unknown, text: unknown) => dateKey(year, dateParts(text)) ?? null,
  )
  withFunctions.add(db)
}

/** Newest first: the full date (year, month, day — src/search/date-key.ts), then id; rows without a year last. */
function orderBy(db: Db, spec: TableSpec): string {
  if (!spec.yearColumn) return 'ORDER BY t.id DESC'
  registerFunctions(db)
  const text = dateTextColumn(spec)
  return `ORDER BY andy_date_key(t."${spec.yearColumn}", ${text ? `t.${assertColumn(spec, text)}` : 'NULL'}) DESC, t.id DESC`
}

/** Prepared statements keyed by SQL text (the shape of a query, never its values). */
class StatementCache {
  private readonly map = new Map<string, Statement>()
  constructor(
    private readonly db: Db,
    private readonly max = 500,
  ) {}
  get(sql: string): Statement {
    let st = this.map.get(sql)
    if (st) {
      this.map.delete(sql)
      this.map.set(sql, st)
      return st
    }
    st = this.db.sqlite.prepare(sql)
    this.map.set(sql, st)
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!)
    return st
  }
}

const caches = new WeakMap<Db, StatementCache>()
function cache(db: Db): StatementCache {
  let c = caches.get(db)
  if (!c) caches.set(db, (c = new StatementCache(db)))
  return c
}

export function countCases(db: Db, spec: TableSpec, conditions: readonly Condition[]): number {
  const { where, params } = compileConditions(spec, conditions)
  const row = cache(db)
    .get(`SELECT count(*) AS n FROM "${spec.table}" t ${where}`)
    .get(...params) as { n: number }
  return row.n
}

export function searchCases(
  db: Db,
  spec: TableSpec,
  conditions: readonly Condition[],
  page: PageOptions,
): SearchResult {
  const { where, params } = compileConditions(spec, conditions)
  const rows = cache(db)
    .get(`SELECT t.* FROM "${spec.table}" t ${where} ${orderBy(db, spec)} LIMIT ? OFFSET ?`)
    .all(...params, page.limit, page.offset) as Row[]
  const total =
    rows.length < page.limit && (page.offset === 0 || rows.length > 0)
      ? page.offset + rows.length
      : countCases(db, spec, conditions)
  return { rows, total }
}

/** Iterates every matching row in order, without loading them all (exports). */
export function* iterateCases(db: Db, spec: TableSpec, conditions: readonly Condition[]): Generator<Row> {
  const { where, params } = compileConditions(spec, conditions)
  yield* db.sqlite
    .prepare(`SELECT t.* FROM "${spec.table}" t ${where} ${orderBy(db, spec)}`)
    .iterate(...params) as Iterable<Row>
}

export function getCasesByIds(db: Db, spec: TableSpec, ids: readonly number[]): Row[] {
  if (ids.length === 0) return []
  const rows: Row[] = []
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500)
    rows.push(
      ...(cache(db)
        .get(`SELECT * FROM "${spec.table}" WHERE id IN (${chunk.map(() => '?').join(',')})`)
        .all(...chunk) as Row[]),
    )
  }
  const byId = new Map(rows.map((r) => [r.id, r]))
  return ids.map((id) => byId.get(id)).filter((r): r is Row => r !== undefined)
}

/**
 * Distinct non-empty values of a column with their row counts, most common first — the raw material
 * of the dictionary. Returns undefined when the column has more than `limit` distinct values (then it is
 * free text, not a category).
 */
export function distinctValues(
  db: Db,
  spec: TableSpec,
  col: string,
  limit = 5000,
): Array<{ value: string; n: number }> | undefined {
  const c = assertColumn(spec, col)
  const rows = db.sqlite
    .prepare(
      `SELECT ${c} AS value, count(*) AS n FROM "${spec.table}" WHERE ${c} IS NOT NULL AND ${c} <> '' GROUP BY ${c} ORDER BY n DESC LIMIT ?`,
    )
    .all(limit + 1) as Array<{ value: string; n: number }>
  return rows.length > limit ? undefined : rows
}

/** Whether the table has any row at all (one index probe, not a count). */
export function tableHasRows(db: Db, spec: TableSpec): boolean {
  return db.sqlite.prepare(`SELECT 1 FROM "${spec.table}" LIMIT 1`).get() !== undefined
}

/** The newest year in a table's year column (undefined: no year column, or no year filled). */
export function latestYear(db: Db, spec: TableSpec): number | undefined {
  if (!spec.yearColumn) return undefined
  const col = assertColumn(spec, spec.yearColumn)
  const r = db.sqlite.prepare(`SELECT max(${col}) AS y FROM "${spec.table}"`).get() as { y: number | null }
  return r.y ?? undefined
}

export function tableCount(db: Db, spec: TableSpec): number {
  return (db.sqlite.prepare(`SELECT count(*) AS n FROM "${spec.table}"`).get() as { n: number }).n
}
