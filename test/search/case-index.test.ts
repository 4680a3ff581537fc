import { beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../../src/cli/seed.js'
import { searchCases } from '../../src/db/case-search.js'
import { type Db, openDb } from '../../src/db/client.js'
import { mulberry32 } from '../../src/demo/generate.js'
import { CaseIndex } from '../../src/search/case-index.js'
import { Dictionary } from '../../src/search/dictionary.js'
import type { Condition } from '../../src/tables/conditions.js'
import { categoryColumns, ftsColumns, TABLES, type TableSpec } from '../../src/tables/index.js'

/**
 * The in-memory CaseIndex must give exactly what the SQL does (src/db/case-search.ts compileConditions,
 * the reference): same total, same rows, same order, for random combinations of every condition kind.
 */
let db: Db
let dict: Dictionary
beforeAll(async () => {
  db = openDb(':memory:')
  await seedDemo(db)
  dict = Dictionary.build(db)
})

function randomConditions(spec: TableSpec, rnd: () => number): Condition[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const conds: Condition[] = []
  const n = 1 + Math.floor(rnd() * 3)
  for (let i = 0; i < n; i++) {
    const kind = pick(['in', 'contains', 'anyContains', 'keyword', 'range', 'size', 'free'] as const)
    const cats = categoryColumns(spec)
    const col = pick(cats)
    const values = dict.values(spec.key, col)
    const value = values.length ? pick(values) : '无'
    const part = (v: string) => [...v].slice(0, 1 + Math.floor(rnd() * 3)).join('')
    if (kind === 'in')
      conds.push({ kind: 'in', columns: [{ column: col, values: [value, pick(values.length ? values : ['x'])] }] })
    if (kind === 'contains') conds.push({ kind: 'contains', column: col, text: part(value) })
    if (kind === 'anyContains')
      conds.push({ kind: 'anyContains', column: col, words: [part(value), part(pick(values.length ? values : ['y']))] })
    if (kind === 'keyword') conds.push({ kind: 'keyword', text: part(value) })
    if (kind === 'free') {
      const fcol = pick(ftsColumns(spec))
      const row = db.sqlite.prepare(`SELECT ${fcol} AS v FROM ${spec.table} ORDER BY random() LIMIT 1`).get() as {
        v: string | null
      }
      const text = (row.v ?? '集团').slice(Math.floor(rnd() * 3), 2 + Math.floor(rnd() * 4))
      conds.push(rnd() < 0.5 ? { kind: 'contains', column: fcol, text } : { kind: 'keyword', text })
    }
    if (kind === 'range') {
      const num = spec.columns.filter((c) => c.type !== 'text')
      if (num.length)
        conds.push({ kind: 'range', column: pick(num).name, min: Math.floor(rnd() * 3000), minExclusive: rnd() < 0.5 })
    }
    if (kind === 'size' && spec.sizeColumns)
      conds.push({
        kind: 'size',
        min: pick([100, 500, 1000, 5000, 10000]),
        max: rnd() < 0.5 ? pick([1000, 5000, 50000]) : undefined,
      })
  }
  return conds
}

/**
 * Random conditions combined the way the sentence parser combines them: exclusions (`not`), a child label
 * or a parent label whose name says it is the child (`or` of `in` and `and`), any-of lists.
 */
function randomComposite(spec: TableSpec, rnd: () => number, depth = 0): Condition[] {
  const base = randomConditions(spec, rnd)
  const out: Condition[] = []
  for (const c of base) {
    const roll = rnd()
    if (roll < 0.3) out.push({ kind: 'not', condition: c })
    else if (roll < 0.5 && depth < 2)
      out.push({ kind: 'or', conditions: [c, ...randomComposite(spec, rnd, depth + 1)] })
    else if (roll < 0.65 && depth < 2)
      out.push({ kind: 'and', conditions: [c, ...randomComposite(spec, rnd, depth + 1)] })
    else if (roll < 0.75 && depth < 2)
      out.push({ kind: 'not', condition: { kind: 'or', conditions: [c, ...randomComposite(spec, rnd, depth + 1)] } })
    else out.push(c)
  }
  return out
}

describe('CaseIndex', () => {
  it.each(TABLES.map((t) => [t.key, t] as const))('matches the SQL reference on random filters: %s', (_key, spec) => {
    const rnd = mulberry32(42)
    let nonEmpty = 0
    for (let i = 0; i < 150; i++) {
      const conds = randomConditions(spec, rnd)
      const sql = searchCases(db, spec, conds, { offset: 0, limit: 10_000 })
      const mem = dict.caseIndex(spec.key).search(db, conds, 0, 10_000)
      expect({ conds, total: mem.total, ids: mem.ids }).toEqual({
        conds,
        total: sql.total,
        ids: sql.rows.map((r) => r.id),
      })
      if (sql.total > 0) nonEmpty++
    }
    expect(nonEmpty).toBeGreaterThan(30)
  })

  it.each(TABLES.map((t) => [t.key, t] as const))(
    'matches the SQL reference on exclusions and any-of/all-of combinations: %s',
    (_key, spec) => {
      const rnd = mulberry32(7)
      let nonEmpty = 0
      let withNot = 0
      for (let i = 0; i < 150; i++) {
        const conds = randomComposite(spec, rnd)
        const sql = searchCases(db, spec, conds, { offset: 0, limit: 10_000 })
        const mem = dict.caseIndex(spec.key).search(db, conds, 0, 10_000)
        expect({ conds, total: mem.total, ids: mem.ids }).toEqual({
          conds,
          total: sql.total,
          ids: sql.rows.map((r) => r.id),
        })
        if (sql.total > 0) nonEmpty++
        if (JSON.stringify(conds).includes('"not"') && sql.total > 0) withNot++
      }
      expect(nonEmpty).toBeGreaterThan(30)
      expect(withNot).toBeGreaterThan(10)
    },
  )

  it('an exclusion keeps rows without a value and drops every row with it', () => {
    const spec = TABLES.find((t) => t.key === 'content-cases')!
    const all = dict.caseIndex(spec.key).search(db, [], 0, Number.POSITIVE_INFINITY).ids
    const stateOwned = dict.values(spec.key, 'enterprise_type').filter((v) => v.includes('国企') || v.includes('央企'))
    const inSet: Condition = { kind: 'in', columns: [{ column: 'enterprise_type', values: stateOwned }] }
    const hit = new Set(dict.caseIndex(spec.key).search(db, [inSet], 0, Number.POSITIVE_INFINITY).ids)
    const kept = dict
      .caseIndex(spec.key)
      .search(db, [{ kind: 'not', condition: inSet }], 0, Number.POSITIVE_INFINITY).ids
    expect(hit.size).toBeGreaterThan(0)
    expect(kept.some((id) => hit.has(id))).toBe(false)
    expect(kept.length + hit.size).toBe(all.length)
  })

  it('pages: offset and limit select the same slice as SQL', () => {
    const spec = TABLES[0]!
    const all = dict.caseIndex(spec.key).search(db, [], 0, Number.POSITIVE_INFINITY)
    const page = dict.caseIndex(spec.key).search(db, [], 30, 7)
    expect(page.total).toBe(all.total)
    expect(page.ids).toEqual(all.ids.slice(30, 37))
  })

  it.each(TABLES.map((t) => [t.key, t] as const))(
    'gives the same answers with its caches off (what a sentence costs the first time): %s',
    (_key, spec) => {
      const rnd = mulberry32(11)
      const index = dict.caseIndex(spec.key)
      if (!(index instanceof CaseIndex)) throw new Error('expected the in-memory index')
      for (let i = 0; i < 60; i++) {
        const conds = randomComposite(spec, rnd)
        const cached = index.search(db, conds, 0, 10_000)
        index.caching = { answers: false, parts: false }
        try {
          expect({ conds, ...index.search(db, conds, 0, 10_000) }).toEqual({ conds, ...cached })
        } finally {
          index.caching = { answers: true, parts: true }
        }
      }
    },
  )

  it('answers a repeated condition set from its cache exactly as the first time, on every page, and tells NaN from Infinity', () => {
    const spec = TABLES[0]!
    const index = dict.caseIndex(spec.key)
    const col = categoryColumns(spec)[0]!
    const conds: Condition[] = [
      { kind: 'in', columns: [{ column: col, values: dict.values(spec.key, col).slice(0, 2) }] },
    ]
    const first = index.search(db, conds, 0, Number.POSITIVE_INFINITY)
    expect(first.total).toBeGreaterThan(3)
    for (let offset = 0; offset < first.total; offset += 3) {
      const page = index.search(db, conds, offset, 3)
      expect(page.total).toBe(first.total)
      expect(page.ids).toEqual(first.ids.slice(offset, offset + 3))
    }
    const num = spec.columns.find((c) => c.type !== 'text')!.name
    const none = index.search(db, [{ kind: 'range', column: num, min: Number.POSITIVE_INFINITY }], 0, 1).total
    const nan = index.search(db, [{ kind: 'range', column: num, min: Number.NaN }], 0, 1).total
    expect(none).toBe(0)
    expect(nan).toBe(index.search(db, [{ kind: 'range', column: num }], 0, 1).total)
  })
})
