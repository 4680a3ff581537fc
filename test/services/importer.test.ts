import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { beforeEach, describe, expect, it } from 'vitest'
import { tableCount } from '../../src/db/case-search.js'
import { type Db, openDb } from '../../src/db/client.js'
import { casesVersion } from '../../src/db/meta.js'
import { exportCases } from '../../src/services/case-export.js'
import { ImportError, importCases } from '../../src/services/importer.js'
import { FileFormatError } from '../../src/services/table-file.js'
import { tableByKey } from '../../src/tables/index.js'

const dir = mkdtempSync(join(tmpdir(), 'andy-import-'))
const file = (name: string, content: string) => {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}
const switches = tableByKey('competitor-switches')!
const software = tableByKey('software-cases')!

let db: Db
beforeEach(() => {
  db = openDb(':memory:')
})

const rows = (table: string) =>
  db.sqlite.prepare(`SELECT * FROM ${table} ORDER BY id`).all() as Array<Record<string, unknown>>

describe('importCases', () => {
  it('reads a CSV with Chinese headers and parses sizes and years into numbers', async () => {
    const p = file(
      'cn.csv',
      '\uFEFF客户名称,客户行业,地区,人员规模,竞品名称,替换年份,替换原因\n甲公司,金融,江苏,1000-5000人,学邦云,2023年,"慢,贵"\n乙公司,制造业,浙江,5000人以上,知行学堂,2024,稳定性差\n',
    )
    const r = await importCases(db, switches, p)
    expect(r.inserted).toBe(2)
    expect(r.unknownColumns).toEqual([])
    const [a, b] = rows('competitor_switches')
    expect(a).toMatchObject({
      kh_name: '甲公司',
      staff_size: '1000-5000人',
      staff_size_begin: 1000,
      staff_size_end: 5000,
      replace_year: 2023,
      replace_reason: '慢,贵',
    })
    expect(b).toMatchObject({ staff_size_begin: 5000, staff_size_end: null, replace_year: 2024 })
    expect(casesVersion(db)).not.toBe('0')
  })

  it('reads the seed field names as headers and names unknown columns', async () => {
    const p = file(
      'en.csv',
      'archive_name,yxt_industry_1,customer_province,account_count,备注,crm_id\n丙公司,制造业,江苏,"1,200",重点客户,77\n',
    )
    const r = await importCases(db, software, p)
    expect(r.inserted).toBe(1)
    expect(r.unknownColumns).toEqual(['备注', 'crm_id'])
    expect(r.missingColumns).toContain('staff_size')
    expect(rows('software_cases')[0]).toMatchObject({ archive_name: '丙公司', account_count: 1200 })
  })

  it('reads xlsx, including hyperlink and number cells', async () => {
    const wb = new ExcelJS.Workbook()
    const ws = wb.addWorksheet('案例')
    ws.addRow(['客户名称', '客户行业', '方案链接', '案例时间'])
    ws.addRow(['丁银行', '金融', { text: '打开', hyperlink: 'https://plans.example.com/p/9' }, '2022-05'])
    ws.addRow([])
    ws.addRow(['戊集团', '制造业', null, 2021])
    const p = join(dir, 'plans.xlsx')
    await wb.xlsx.writeFile(p)
    const r = await importCases(db, tableByKey('pitch-plans')!, p)
    expect(r.inserted).toBe(2)
    const got = rows('pitch_plans')
    expect(got[0]).toMatchObject({
      kh_name: '丁银行',
      case_url: 'https://plans.example.com/p/9',
      case_time: '2022-05',
      case_year: 2022,
    })
    expect(got[1]).toMatchObject({ kh_name: '戊集团', case_time: '2021', case_year: 2021 })
  })

  it('skips bad rows and reports them with their row numbers', async () => {
    const p = file(
      'bad.csv',
      '客户名称,替换年份,人员规模\n好公司,2023,100人以下\n,2023,100人以下\n坏年份,明年,100人以下\n倒置规模,2022,\n',
    )
    const r = await importCases(db, switches, p)
    expect(r.inserted).toBe(2)
    expect(r.badRows.map((b) => b.rowNumber)).toEqual([3, 4])
    expect(r.badRows[0]!.problems[0]!.message).toMatch(/客户名称/)
    expect(r.badRows[1]!.problems[0]!.message).toMatch(/明年/)
  })

  it('with --strict imports nothing when a row is bad (one transaction)', async () => {
    const p = file('strict.csv', '客户名称,替换年份\n好公司,2023\n坏年份,明年\n')
    await expect(importCases(db, switches, p, { strict: true })).rejects.toThrow(ImportError)
    expect(tableCount(db, switches)).toBe(0)
  })

  it('--replace swaps the rows in one transaction and keeps the search index in step', async () => {
    await importCases(db, switches, file('a.csv', '客户名称,竞品名称\n旧客户,学邦云\n'))
    const r = await importCases(db, switches, file('b.csv', '客户名称,竞品名称\n新客户,易课通\n'), { replace: true })
    expect(r.deleted).toBe(1)
    expect(rows('competitor_switches').map((x) => x.kh_name)).toEqual(['新客户'])
    const fts = (q: string) =>
      (
        db.sqlite
          .prepare(`SELECT count(*) AS n FROM competitor_switches_fts WHERE competitor_switches_fts MATCH ?`)
          .get(q) as { n: number }
      ).n
    expect(fts('"旧客"')).toBe(0)
    expect(fts('"新客"')).toBe(1)
  })

  it('refuses a file without the customer-name column, and unknown file types', async () => {
    await expect(importCases(db, switches, file('noname.csv', '地区,竞品名称\n江苏,学邦云\n'))).rejects.toThrow(
      /客户名称/,
    )
    await expect(importCases(db, switches, file('x.pdf', 'a'))).rejects.toThrow(FileFormatError)
    await expect(importCases(db, switches, join(dir, 'missing.csv'))).rejects.toThrow(/找不到/)
  })
})

describe('export → import round trip', () => {
  it('gives back the same rows, with the same Chinese headers', async () => {
    const src = file(
      'src.csv',
      [
        '客户名称,客户行业,地区,人员规模,竞品名称,替换年份,替换原因,企业性质,签约销售',
        '甲公司,金融,江苏,1000-5000人,学邦云,2023,"慢,贵 ""很""",民营企业,王磊',
        '=HYPERLINK("x"),制造业,浙江,5000人以上,知行学堂,2024,-负面,央企,@李静',
      ].join('\n'),
    )
    await importCases(db, switches, src)
    const out = join(dir, 'export.xlsx')
    const res = await exportCases(db, switches, out)
    expect(res.rows).toBe(2)

    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(out)
    const ws = wb.worksheets[0]!
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(switches.columns.map((c) => c.label))
    const cells = [2, 3].map((r) => ws.getRow(r).getCell(1))
    const formulaLike = cells.find((c) => String(c.value).startsWith('='))!
    expect(formulaLike.value).toBe('=HYPERLINK("x")')
    expect(formulaLike.type).toBe(ExcelJS.ValueType.String)
    expect(formulaLike.numFmt).toBe('@')

    const db2 = openDb(':memory:')
    const back = await importCases(db2, switches, out)
    expect(back.unknownColumns).toEqual([])
    const strip = (rs: Array<Record<string, unknown>>) =>
      rs
        .map(({ id: _i, created_at: _c, updated_at: _u, ...rest }) => rest)
        .sort((a, b) => String(a.kh_name).localeCompare(String(b.kh_name)))
    expect(
      strip(db2.sqlite.prepare('SELECT * FROM competitor_switches').all() as Array<Record<string, unknown>>),
    ).toEqual(strip(rows('competitor_switches')))
  })
})
