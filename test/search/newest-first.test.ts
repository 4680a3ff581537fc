import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { partFilePath } from '../../src/cli/local-parts.js'
import { seedDemo } from '../../src/cli/seed.js'
import { iterateCases } from '../../src/db/case-search.js'
import { openDb } from '../../src/db/client.js'
import { Dictionary } from '../../src/search/dictionary.js'
import { dateKey, dateParts, dateTextColumn } from '../../src/tables/date-key.js'
import { TABLES, tableByKey } from '../../src/tables/index.js'
import { createTestApp, insertCases } from '../helpers/test-app.js'
import { call, type Harness, startHarness } from '../http/setup.js'

/**
 * "Newest first" means the full date — year, month, day where the data has them — then the newest id.
 * The rows are inserted in an order where year-then-insertion order (the old behaviour) is wrong, and
 * the order is checked where a rep sees it: the chat's five newest, 更多, 导出 and the HTTP list.
 */

// Inserted in this order (ids 1…10); the expected order is the full date, ties by id descending.
const ROWS: Array<[string, string | null]> = [
  ['客户A', '2025-11'], // id 1
  ['客户B', '2025-06'], // id 2
  ['客户C', '2025-12'], // id 3
  ['客户D', '2025年'], // id 4: year only → after every dated 2025 row
  ['客户E', '2025-07-15'], // id 5
  ['客户F', '2025年7月2日'], // id 6
  ['客户G', '2024-12'], // id 7
  ['客户H', '2025-11'], // id 8: same month as A, newer id → before A
  ['客户I', null], // id 9: no date → last
  ['客户J', '2026/1'], // id 10
]
const EXPECTED = ['客户J', '客户C', '客户H', '客户A', '客户E', '客户F', '客户B', '客户D', '客户G', '客户I']

const records = ROWS.map(([kh_name, case_time]) => ({
  case_name: `${kh_name}的学习项目`,
  kh_name,
  yxt_industry_1: '制造业',
  enterprise_type: '民营企业',
  case_time,
  case_url: null,
  summary: '排序测试',
}))

describe('date keys', () => {
  it('read year, month and day from the usual spellings', () => {
    expect(dateParts('2025-11')).toEqual({ year: 2025, month: 11, day: 0 })
    expect(dateParts('2025年11月3日')).toEqual({ year: 2025, month: 11, day: 3 })
    expect(dateParts('２０２５／０７／０２')).toEqual({ year: 2025, month: 7, day: 2 })
    expect(dateParts('2025年')).toEqual({ year: 2025, month: 0, day: 0 })
    expect(dateParts('2025-13')).toEqual({ year: 2025, month: 0, day: 0 })
    expect(dateKey(2025, dateParts('2025-11-03'))).toBeGreaterThan(dateKey(2025, dateParts('2025-11'))!)
    expect(dateKey(2025, dateParts('2025-01'))).toBeGreaterThan(dateKey(2025, dateParts('2025年'))!)
    // the year column wins when the text names another year
    expect(dateKey(2024, dateParts('2025-11'))).toBe(2024_00_00)
    expect(dateKey(null, dateParts('2025-11'))).toBeUndefined()
  })
})

describe('newest first', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('orders the chat reply, 更多 and 导出 by the full date, ties by id descending', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'andy-order-'))
    dirs.push(dir)
    const db = openDb(':memory:')
    insertCases(db, 'content-cases', records)
    const t = createTestApp({ db, env: { DB_PATH: join(dir, 'andy.db') } })
    const first = await t.ask('制造业 的客户案例')
    expect(first.total).toBe(ROWS.length)
    expect(first.hits?.map((h) => h.kh_name)).toEqual(EXPECTED.slice(0, 5))
    // the reply lists them in that order too
    const listed = [...first.replies.join('\n').matchAll(/\*\*\d+\. (客户[A-J])\*\*/g)].map((m) => m[1])
    expect(listed).toEqual(EXPECTED.slice(0, 5))
    const more = await t.ask('更多')
    expect(more.hits?.map((h) => h.kh_name)).toEqual(EXPECTED.slice(5, 10))
    await t.ask('导出')
    const file = t.local.parts.map((p) => p.part).find((p) => p.kind === 'file')!
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(partFilePath(file))
    const ws = wb.getWorksheet('结果')!
    const header = (ws.getRow(1).values as unknown[]).slice(1)
    const col = header.indexOf('客户名称') + 1
    const names: unknown[] = []
    ws.eachRow((row, n) => n > 1 && names.push(row.getCell(col).value))
    expect(names).toEqual(EXPECTED)
    db.close()
  })

  it('the SQL reference (iterateCases) agrees', () => {
    const db = openDb(':memory:')
    insertCases(db, 'content-cases', records)
    expect([...iterateCases(db, tableByKey('content-cases')!, [])].map((r) => r.kh_name)).toEqual(EXPECTED)
    db.close()
  })

  describe('HTTP list', () => {
    let h: Harness
    beforeAll(async () => {
      h = await startHarness({ prepare: (db) => void insertCases(db, 'content-cases', records) })
    })
    afterAll(() => h.close())

    it('ANrkhCaseDetail pages newest first', async () => {
      const p1 = await call(h.base, 'ANrkhCaseDetail', { perpage: '4', page: '1' })
      const p2 = await call(h.base, 'ANrkhCaseDetail', { perpage: '4', page: '2' })
      const p3 = await call(h.base, 'ANrkhCaseDetail', { perpage: '4', page: '3' })
      const names = [p1, p2, p3].flatMap((r) =>
        (r.json.data.lie_biao as Array<Record<string, string>>).map((row) => row.kh_name),
      )
      expect(names).toEqual(EXPECTED)
    })
  })

  it('every table of the demo data is in full-date order, with no inversion', async () => {
    const db = openDb(':memory:')
    await seedDemo(db)
    const dict = Dictionary.build(db)
    let checked = 0
    for (const spec of TABLES) {
      if (!spec.yearColumn) continue
      const text = dateTextColumn(spec)
      const rows = [...iterateCases(db, spec, [])]
      const mem = dict.caseIndex(spec.key).search(db, [], 0, Number.POSITIVE_INFINITY).ids
      expect(mem).toEqual(rows.map((r) => r.id))
      const key = (r: Record<string, unknown>) =>
        dateKey(r[spec.yearColumn!], text ? dateParts(r[text]) : undefined) ?? Number.NEGATIVE_INFINITY
      let inversions = 0
      for (let i = 1; i < rows.length; i++) {
        const a = key(rows[i - 1]!)
        const b = key(rows[i]!)
        if (a < b || (a === b && rows[i - 1]!.id < rows[i]!.id)) inversions++
      }
      expect({ table: spec.key, inversions }).toEqual({ table: spec.key, inversions: 0 })
      checked++
    }
    expect(checked).toBe(4)
    db.close()
  })
})
