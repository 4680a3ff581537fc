import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { csvCell } from '../../src/core/csv.js'
import { parseSizeText } from '../../src/core/numbers.js'
import { toCsv } from '../../src/demo/csv.js'
import { type DemoRecord, generateRecords, iterateRecords } from '../../src/demo/generate.js'
import { ENTERPRISE_TYPES } from '../../src/demo/vocab.js'
import { outputColumns, TABLE_KEYS, TABLES, type TableSpec } from '../../src/tables/index.js'
import { prepareRow } from '../../src/tables/rows.js'

const N = 600
const rowsOf = new Map(TABLES.map((spec) => [spec.key, generateRecords(spec.key, N)]))
const rows = (spec: TableSpec): DemoRecord[] => rowsOf.get(spec.key)!
const distinct = (spec: TableSpec, col: string): Set<unknown> =>
  new Set(
    rows(spec)
      .map((r) => r[col])
      .filter((v) => v != null && v !== ''),
  )
const colsWith = (spec: TableSpec, pred: (c: TableSpec['columns'][number]) => boolean): string[] =>
  spec.columns.filter(pred).map((c) => c.name)

describe('demo generator', () => {
  it('is deterministic: same seed, same rows; another seed, other rows', () => {
    for (const key of TABLE_KEYS) {
      expect(generateRecords(key, 50, 3)).toEqual(generateRecords(key, 50, 3))
      expect(generateRecords(key, 50, 3)).not.toEqual(generateRecords(key, 50, 4))
      expect([...iterateRecords(key, 50, 3)]).toEqual(generateRecords(key, 50, 3))
    }
  })

  for (const spec of TABLES) {
    describe(spec.key, () => {
      it('has ≥200 rows, every output column in spec order, customer names, no internal columns', () => {
        const out = outputColumns(spec).map((c) => c.name)
        expect(rows(spec).length).toBeGreaterThanOrEqual(200)
        for (const r of rows(spec)) {
          expect(Object.keys(r)).toEqual(out)
          expect(typeof r[spec.nameColumn]).toBe('string')
          expect(String(r[spec.nameColumn]).length).toBeGreaterThan(4)
        }
      })

      it('keeps values trimmed and typed like a spreadsheet', () => {
        for (const r of rows(spec)) {
          for (const col of outputColumns(spec)) {
            const v = r[col.name]
            if (typeof v === 'string') expect(v).toBe(v.trim())
            if (col.type !== 'text') expect(v === null || typeof v === 'number').toBe(true)
            else expect(v === null || typeof v === 'string').toBe(true)
          }
        }
      })

      it('imports cleanly (prepareRow finds no problems)', () => {
        for (const r of rows(spec)) expect(prepareRow(spec, r).problems).toEqual([])
      })

      it('has variety in industries, regions, enterprise types, competitors and years', () => {
        for (const col of colsWith(spec, (c) => c.dim === 'industry'))
          expect(distinct(spec, col).size).toBeGreaterThanOrEqual(10)
        for (const col of colsWith(spec, (c) => c.dim === 'region'))
          expect(distinct(spec, col).size).toBeGreaterThanOrEqual(15)
        for (const col of colsWith(spec, (c) => c.dim === 'competitor'))
          expect(distinct(spec, col).size).toBeGreaterThanOrEqual(6)
        const types = distinct(spec, 'enterprise_type')
        expect(types.size).toBeGreaterThanOrEqual(5)
        for (const t of types) expect(ENTERPRISE_TYPES).toContain(t)
        if (spec.yearColumn) {
          const years = new Set(rows(spec).map((r) => prepareRow(spec, r).row[spec.yearColumn!]))
          expect(years.size).toBeGreaterThanOrEqual(4)
        }
        expect(distinct(spec, spec.nameColumn).size).toBeGreaterThan(N * 0.9)
      })

      if (spec.sizeColumns) {
        it('keeps staff-size text consistent with the numeric bounds', () => {
          const [lo, hi] = spec.sizeColumns!
          for (const r of rows(spec)) {
            const b = parseSizeText(String(r.staff_size))
            expect(b).toBeDefined()
            expect(r[lo]).toBe(b!.min)
            expect(r[hi]).toBe(b!.max ?? null)
            if (String(r.staff_size).includes('以上')) expect(r[hi]).toBeNull()
            if (String(r.staff_size).includes('以下')) expect(r[lo]).toBe(0)
          }
        })
      }
    })
  }

  it('uses two industry levels where the table has them', () => {
    const [cases] = TABLES
    for (const r of rows(cases!)) expect(r.yxt_industry_1).not.toBe(r.kh_industry_1)
    const software = TABLES.find((t) => t.key === 'software-cases')!
    expect(distinct(software, 'yxt_industry_2').size).toBeGreaterThan(distinct(software, 'yxt_industry_1').size)
  })

  it('keeps numbers in realistic ranges', () => {
    const proc = TABLES.find((t) => t.key === 'procurements')!
    for (const r of rows(proc)) {
      expect(r.money).toBeGreaterThanOrEqual(20_000)
      expect(r.money).toBeLessThanOrEqual(3_000_000)
      expect(r.purchase_year).toBeGreaterThanOrEqual(2021)
      expect(r.purchase_year).toBeLessThanOrEqual(2024)
    }
    const software = TABLES.find((t) => t.key === 'software-cases')!
    for (const r of rows(software)) {
      expect(r.account_count).toBeGreaterThanOrEqual(50)
      expect(r.account_count).toBeLessThanOrEqual(50_000)
    }
    const switches = TABLES.find((t) => t.key === 'competitor-switches')!
    expect(distinct(switches, 'sign_sales').size).toBeGreaterThanOrEqual(12)
    for (const r of rows(switches)) expect(Number(r.replace_year)).toBeGreaterThanOrEqual(2019)
  })
})

describe('demo CSV', () => {
  it('quotes commas, quotes and newlines so they parse back', () => {
    const values = ['a,b', 'say "hi"', 'line1\nline2', '普通文本', 12.5, null]
    expect(csvCell(null)).toBe('')
    const text = toCsv(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'], [values])
    expect(text.startsWith('\uFEFF')).toBe(true)
    const parsed = parse(text, { bom: true }) as string[][]
    expect(parsed[1]).toEqual(['a,b', 'say "hi"', 'line1\nline2', '普通文本', '12.5', ''])
  })

  it('shows typed text that starts like a formula as text where asked (usage 明细), and numbers as numbers', () => {
    expect(csvCell('=HYPERLINK("http://x","点我")', true)).toBe(`"'=HYPERLINK(""http://x"",""点我"")"`)
    expect(csvCell('-检查', true)).toBe("'-检查")
    expect(csvCell(-5, true)).toBe('-5')
    expect(csvCell('=1+1')).toBe('=1+1')
  })

  for (const spec of TABLES) {
    it(`data/demo/${spec.key}.csv parses back with the labels as header and the generated rows`, () => {
      const text = readFileSync(new URL(`../../data/demo/${spec.key}.csv`, import.meta.url), 'utf8')
      expect(text.charCodeAt(0)).toBe(0xfeff)
      const [header, ...body] = parse(text, { bom: true }) as string[][]
      expect(header).toEqual(outputColumns(spec).map((c) => c.label))
      expect(body.length).toBe(N)
      const cols = outputColumns(spec)
      body.forEach((line, i) => {
        const r = rows(spec)[i]!
        expect(line).toEqual(cols.map((c) => (r[c.name] == null ? '' : String(r[c.name]))))
      })
    })
  }
})
