import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { type Db, openDb } from '../../src/db/client.js'
import { writeProblemsWorkbook } from '../../src/services/import-report.js'
import { ImportError, importCases } from '../../src/services/importer.js'
import { FileFormatError } from '../../src/services/table-file.js'
import { tableByKey } from '../../src/tables/index.js'
import { gb18030, utf16, workbook, xlsxChineseDates } from '../helpers/admin-files.js'
import { xlsxSharedStringsLast } from '../helpers/bombs.js'
import { tempDir } from '../helpers/test-app.js'

/** Issue 11: admins' real spreadsheets, each asserting what is stored and what is reported. */

const tmp = tempDir('andy-admin-files-')
afterAll(() => tmp.cleanup())
const file = (name: string, bytes: Buffer | string) => {
  const p = join(tmp.dir, name)
  writeFileSync(p, bytes)
  return p
}
const cases = tableByKey('content-cases')!
const switches = tableByKey('competitor-switches')!
const procurements = tableByKey('procurements')!
const software = tableByKey('software-cases')!
const NOW = Date.UTC(2026, 5, 1)

let db: Db
beforeEach(() => {
  db = openDb(':memory:')
})
const rows = (table: string) =>
  db.sqlite.prepare(`SELECT * FROM ${table} ORDER BY id`).all() as Array<Record<string, unknown>>
const fts = (table: string, phrase: string) =>
  (db.sqlite.prepare(`SELECT count(*) AS n FROM ${table}_fts WHERE ${table}_fts MATCH ?`).get(phrase) as { n: number })
    .n

const SWITCH_CSV =
  '客户名称,客户行业,地区,人员规模,竞品名称,替换年份,替换原因\r\n江苏恒远银行,金融,江苏,1000-5000人,学邦云,2023年,"价格高，\r\n服务慢"\r\n浙江万拓制造,制造业,浙江,5000人以上,知行学堂,2024,稳定性差\r\n'

describe('encodings', () => {
  it('reads a GB18030 (GBK) CSV as Excel on Chinese Windows saves it, and says so', async () => {
    const r = await importCases(db, switches, file('gbk.csv', gb18030(SWITCH_CSV)), { now: NOW })
    expect(r.encoding).toBe('GB18030（GBK）')
    expect(r.inserted).toBe(2)
    const [a, b] = rows('competitor_switches')
    expect(a).toMatchObject({
      kh_name: '江苏恒远银行',
      area: '江苏',
      staff_size_begin: 1000,
      staff_size_end: 5000,
      replace_year: 2023,
      replace_reason: '价格高，\n服务慢',
    })
    expect(b).toMatchObject({ kh_name: '浙江万拓制造', competitor_name: '知行学堂' })
    expect(fts('competitor_switches', '"恒远"')).toBe(1)
  })

  it('reads GB18030 with field-name headers without garbling the values', async () => {
    const r = await importCases(
      db,
      switches,
      file('gbk-en.csv', gb18030('kh_name,area,competitor_name\n北京嘉睿商贸,北京,课立方\n')),
      { now: NOW },
    )
    expect(r.inserted).toBe(1)
    expect(rows('competitor_switches')[0]).toMatchObject({
      kh_name: '北京嘉睿商贸',
      area: '北京',
      competitor_name: '课立方',
    })
  })

  it('reads UTF-16 LE and BE "Unicode text" (tab-separated, with a BOM), and UTF-8 without a BOM', async () => {
    const tsv = SWITCH_CSV.replace(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/gm, '\t')
    for (const [name, bytes] of [
      ['le.txt', utf16(tsv, 'le')],
      ['be.txt', utf16(tsv, 'be')],
      ['plain.csv', Buffer.from(SWITCH_CSV)],
    ] as const) {
      const d = openDb(':memory:')
      const r = await importCases(d, switches, file(name, bytes), { now: NOW })
      expect(r.inserted, name).toBe(2)
      const got = d.sqlite.prepare('SELECT kh_name, replace_reason FROM competitor_switches ORDER BY id').all()
      expect(got, name).toEqual([
        { kh_name: '江苏恒远银行', replace_reason: '价格高，\n服务慢' },
        { kh_name: '浙江万拓制造', replace_reason: '稳定性差' },
      ])
    }
  })

  it('refuses a file whose encoding cannot be told, with the hint, and never stores U+FFFD', async () => {
    // Big5 bytes for 客戶名稱 + Latin-1 bytes: neither UTF-8 nor GBK text.
    const big5 = Buffer.from([0xab, 0xc8, 0xa4, 0xe1, 0xa6, 0x57, 0xba, 0xd9, 0x2c, 0xe9, 0x20, 0x0a])
    await expect(importCases(db, switches, file('big5.csv', big5), { now: NOW })).rejects.toThrow(
      /请另存为 UTF-8 CSV 或 \.xlsx/,
    )
    const r = await importCases(db, switches, file('fffd.csv', '客户名称,地区\n好公司,江苏\n坏\uFFFD公司,浙江\n'), {
      now: NOW,
    })
    expect(r.inserted).toBe(1)
    expect(r.badRows[0]).toMatchObject({ rowNumber: 3 })
    expect(r.badRows[0]!.problems[0]!.message).toMatch(/乱码/)
    expect(rows('competitor_switches').some((x) => String(x.kh_name).includes('\uFFFD'))).toBe(false)
  })

  it('refuses an old .xls with its own message', async () => {
    const ole = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0])
    await expect(importCases(db, switches, file('old.xls', ole))).rejects.toThrow(/另存为 \.xlsx/)
    await expect(importCases(db, switches, file('renamed.csv', ole))).rejects.toThrow(FileFormatError)
  })
})

describe('finding the table in a workbook', () => {
  it('skips a merged title row and a note row, reads the sheet after a 填写说明 sheet, and names it', async () => {
    const xlsx = await workbook([
      { name: '填写说明', rows: [['填写说明'], ['1. 客户名称必填'], ['2. 人员规模写 1000-5000人']] },
      {
        name: '客户案例',
        rows: [
          [{ merged: '2024年客户成功案例汇总表' }],
          ['制表：培训运营部', null, '更新：2024-06'],
          ['序号', '客户名称', '案例名称', '行业', '人员规模（人）', '案例时间', '案例摘要'],
          [1, '华东能源集团', '华东能源新员工项目', '能源', 3000, '2024-03', '覆盖新员工\n完课率95%'],
          [2, '南方电网某公司', '南方电网中层项目', '能源', '1万人-5万人', '2023年', '中层领导力'],
        ],
      },
    ])
    const r = await importCases(db, cases, file('titled.xlsx', xlsx), { now: NOW })
    expect(r).toMatchObject({ sheet: '客户案例', headerRow: 3, inserted: 2, unknownColumns: [] })
    const [a, b] = rows('content_cases')
    expect(a).toMatchObject({
      kh_name: '华东能源集团',
      staff_size_min: 3000,
      staff_size_max: 3000,
      case_year: 2024,
      summary: '覆盖新员工\n完课率95%',
    })
    expect(b).toMatchObject({ staff_size_min: 10_000, staff_size_max: 50_000, case_year: 2023 })
    // No problem repeats the merged title.
    expect(JSON.stringify(r.problems)).not.toContain('汇总表')
  })

  it('recognises units in headers and scales the values', async () => {
    const csv = '机构名称,金额（万元）,人员规模(万人),采购年份\n甲银行,12.5,1-5,2023\n乙集团,"80,000元",3000人,2024\n'
    const r = await importCases(db, procurements, file('units.csv', csv), { now: NOW })
    expect(r.units.map((u) => [u.header, u.factor])).toEqual([
      ['金额（万元）', 10_000],
      ['人员规模(万人)', 10_000],
    ])
    const [a, b] = rows('procurements')
    expect(a).toMatchObject({ money: 125_000, staff_size: '1-5万人', staff_size_min: 10_000, staff_size_max: 50_000 })
    // A unit written in the cell wins over the header's.
    expect(b).toMatchObject({ money: 80_000, staff_size_min: 3000, staff_size_max: 3000 })
  })

  it('reads headers as admins vary them: filler prefixes and suffixes, words of their own', async () => {
    const csv =
      '序号,客户名称,所属行业,所在省份,企业性质,员工人数（人）,开通帐号数(个),合作模块\n' +
      '1,江苏恒信重工,制造业,江苏省,国企,"12,000",3500,移动学习\n2,浙江乐购零售,零售,浙江,民营,800人,600,知识库\n'
    const r = await importCases(db, software, file('台账.csv', csv), { now: NOW })
    expect(r.inserted).toBe(2)
    expect(r.unknownColumns).toEqual(['合作模块'])
    expect(rows('software_cases')[0]).toMatchObject({
      archive_name: '江苏恒信重工',
      yxt_industry_1: '制造业',
      customer_province: '江苏省',
      enterprise_type: '国企',
      staff_size_min: 12_000,
      account_count: 3500,
    })
    // 公司名称 names the customer, 竞争对手 the competitor: the table is recognised without being named.
    const other = await importCases(
      db,
      undefined,
      file('切换.csv', '公司名称,客户行业,竞争对手,替换年份\n甲公司,金融,学邦云,2023\n'),
      {
        now: NOW,
      },
    )
    expect(other.tableKey).toBe('competitor-switches')
    expect(rows('competitor_switches')[0]).toMatchObject({ kh_name: '甲公司', competitor_name: '学邦云' })
  })

  it('reads a procurement 台账 as admins head it (采购产品, 采购时间, 授课方式, 采购类型), its 合计 row under 序号 one clear line', async () => {
    const xlsx = await workbook([
      {
        name: '2025采购台账',
        rows: [
          [{ merged: '2025年度内容产品采购台账' }],
          ['序号', '客户名称', '所属行业', '采购产品', '授课方式', '采购类型', '采购金额（万元）', '采购时间'],
          [1, '华电新能源集团', '能源', '领导力课程包', '面授', '新签', 35.5, new Date(Date.UTC(2025, 2, 15))],
          [2, '星辰银行', '金融', '新员工训练营', '线上课程', '续约', 12.8, '2025/6/1'],
          ['合 计', null, null, null, null, null, 48.3, null],
        ],
      },
    ])
    const r = await importCases(db, undefined, file('采购台账.xlsx', xlsx), { now: NOW })
    expect(r).toMatchObject({ tableKey: 'procurements', inserted: 2, unknownColumns: [] })
    expect(rows('procurements')[0]).toMatchObject({
      org_name: '华电新能源集团',
      product_name: '领导力课程包',
      class_type: '面授',
      source_type: '新签',
      money: 355_000,
      purchase_year: 2025,
    })
    const bad = r.problems.filter((p) => p.level === 'error')
    expect(bad).toHaveLength(1)
    expect(bad[0]).toMatchObject({ row: 5, message: expect.stringContaining('合计行') })
  })

  it('does not import a column whose currency it cannot convert, and says so', async () => {
    const r = await importCases(db, procurements, file('usd.csv', '机构名称,金额（美元）\n甲银行,100\n'), { now: NOW })
    expect(r.unknownColumns).toEqual(['金额（美元）（单位无法换算）'])
    expect(rows('procurements')[0]!.money).toBeNull()
  })

  it('reads a workbook whose shared strings come after the worksheets', async () => {
    const late = xlsxSharedStringsLast([
      {
        name: '案例',
        rows: [
          ['客户名称', '客户行业'],
          ['甲银行', '金融'],
          ['乙集团', '制造业'],
        ],
      },
    ])
    const r = await importCases(db, cases, file('late.xlsx', late), { now: NOW })
    expect(r.inserted).toBe(2)
    expect(rows('content_cases').map((x) => [x.kh_name, x.kh_industry_1])).toEqual([
      ['甲银行', '金融'],
      ['乙集团', '制造业'],
    ])
  })
})

describe('values', () => {
  it('reads a year column headed 年份 or 年度 as the case time (newest-first order and year filters use it)', async () => {
    const r = await importCases(
      db,
      cases,
      file('yr.csv', '客户名称,行业,年份\n甲银行,金融,2024-07\n乙集团,制造业,2022\n'),
      { now: NOW },
    )
    expect(r).toMatchObject({ inserted: 2 })
    expect(r.problems.filter((p) => p.level === 'warning')).toEqual([])
    const r2 = await importCases(db, switches, file('yr2.csv', '客户名称,竞品名称,年度\n丙公司,学邦云,2021\n'), {
      now: NOW,
    })
    expect(r2.problems.filter((p) => p.level === 'warning')).toEqual([])
    expect(db.sqlite.prepare('SELECT case_time, case_year FROM content_cases ORDER BY id').all()).toEqual([
      { case_time: '2024-07', case_year: 2024 },
      { case_time: '2022', case_year: 2022 },
    ])
    expect(db.sqlite.prepare('SELECT replace_year FROM competitor_switches').all()).toEqual([{ replace_year: 2021 }])
  })

  it('reads every way a size is written', async () => {
    const forms: Array<[string, number | null, number | null]> = [
      ['1000人-5000人', 1000, 5000],
      ['1000人~5000人', 1000, 5000],
      ['1000人至5000人', 1000, 5000],
      ['1万人-5万人', 10_000, 50_000],
      ['约3000人', 3000, 3000],
      ['5000人以上', 5000, null],
      ['1000-5000', 1000, 5000],
      ['1,000～5,000人', 1000, 5000],
      ['1-2万人', 10_000, 20_000],
      ['不足100人', 0, 100],
      ['100人以下', 0, 100],
      ['3000人左右', 3000, 3000],
      ['万人以上', 10_000, null],
      ['10万+', 100_000, null],
      ['五千人以上', 5000, null],
    ]
    const csv = `客户名称,人员规模\n${forms.map(([f], i) => `客户${i},"${f}"`).join('\n')}\n`
    const r = await importCases(db, switches, file('sizes.csv', csv), { now: NOW })
    expect(r.badRows).toEqual([])
    expect(rows('competitor_switches').map((x) => [x.staff_size, x.staff_size_begin, x.staff_size_end])).toEqual(forms)
  })

  it('reports a size it cannot read instead of storing it without numbers', async () => {
    const r = await importCases(db, switches, file('badsize.csv', '客户名称,人员规模\n甲,大型企业\n乙,500人\n'), {
      now: NOW,
    })
    expect(r.inserted).toBe(1)
    expect(r.badRows[0]).toMatchObject({ rowNumber: 2 })
    expect(r.problems.find((p) => p.level === 'error')).toMatchObject({ row: 2, column: '人员规模', value: '大型企业' })
  })

  it('refuses out-of-range years and impossible months the same way in every table', async () => {
    const bad = ['45000', 'N/A', '待定', '1899', '3023', '2021-13', '2023-02-30']
    const csvCases = `客户名称,案例名称,案例时间\n${bad.map((y, i) => `客户${i},案例${i},${y}`).join('\n')}\n好客户,好案例,2023-06\n`
    const a = await importCases(db, cases, file('years-cases.csv', csvCases), { now: NOW })
    const csvProc = `机构名称,采购年份\n${bad.map((y, i) => `客户${i},${y}`).join('\n')}\n好客户,2023\n`
    const b = await importCases(db, procurements, file('years-proc.csv', csvProc), { now: NOW })
    for (const r of [a, b]) {
      expect(r.inserted).toBe(1)
      expect(r.badRows.map((x) => x.rowNumber)).toEqual([2, 3, 4, 5, 6, 7, 8])
      expect(r.badRows.map((x) => x.problems[0]!.value)).toEqual(bad)
    }
    expect(rows('content_cases')[0]).toMatchObject({ case_time: '2023-06', case_year: 2023 })
  })

  it('reads years from Excel date serials (Chinese built-in date formats), date cells and text dates', async () => {
    const xlsx = xlsxChineseDates(
      [
        ['客户名称', '案例名称', '案例时间'],
        ['甲', '案例一', 45000],
        ['乙', '案例二', '2022年5月'],
        ['丙', '案例三', '2021/7/1'],
      ],
      [2],
    )
    const r = await importCases(db, cases, file('serial.xlsx', xlsx), { now: NOW })
    expect(r.badRows).toEqual([])
    expect(rows('content_cases').map((x) => [x.case_time, x.case_year])).toEqual([
      ['2023-03-15', 2023],
      ['2022年5月', 2022],
      ['2021/7/1', 2021],
    ])
  })
})

describe('wrong table', () => {
  it('refuses a switch file imported as content cases, naming the table it fits', async () => {
    const p = file(
      'switch-as-case.csv',
      '客户名称,地区,竞品名称,替换年份,替换原因,签约销售\n甲,江苏,学邦云,2023,贵,王磊\n',
    )
    const err = await importCases(db, cases, p, { now: NOW }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ImportError)
    expect((err as ImportError).message).toMatch(
      /不像「内容客户案例」的表.*平台竞对切换案例.*andy import competitor-switches/,
    )
    expect((err as ImportError).betterTable).toBe('competitor-switches')
    expect(rows('content_cases')).toEqual([])
  })

  it('guesses the table from the headers when none is named', async () => {
    const r = await importCases(db, undefined, file('guess.csv', '档案名称,一级行业,帐号数\n甲,金融,100\n'), {
      now: NOW,
    })
    expect(r).toMatchObject({ tableKey: 'software-cases', guessed: true, inserted: 1 })
  })
})

describe('duplicates and re-imports', () => {
  const first =
    '客户名称,竞品名称,地区,替换原因\n甲银行,学邦云,江苏,贵\n乙集团,知行学堂,浙江,慢\n甲银行,学邦云,,价格太高\n'

  it('merges duplicates inside a file and reports them', async () => {
    const r = await importCases(db, switches, file('dup.csv', first), { now: NOW })
    expect(r).toMatchObject({ inserted: 2, merged: 1 })
    expect(r.merges).toEqual([{ rowNumber: 4, intoRow: 2, changed: ['replace_reason'] }])
    // The later row's non-empty values win; its empty cell does not clear the earlier one.
    expect(rows('competitor_switches')[0]).toMatchObject({
      kh_name: '甲银行',
      area: '江苏',
      replace_reason: '价格太高',
    })
    expect(fts('competitor_switches', '"价格"')).toBe(1)
  })

  it('updates in place on re-import (search index too), counts unchanged rows, and appends with --append', async () => {
    await importCases(db, switches, file('v1.csv', first), { now: NOW })
    const ids = rows('competitor_switches').map((x) => x.id)
    const v2 =
      '客户名称,竞品名称,地区,替换原因\n甲银行,学邦云,江苏,价格太高\n乙集团,知行学堂,浙江,服务跟不上\n丙公司,课立方,上海,功能少\n'
    const r = await importCases(db, switches, file('v2.csv', v2), { now: NOW })
    expect(r).toMatchObject({ inserted: 1, updated: 1, unchanged: 1, merged: 0 })
    const got = rows('competitor_switches')
    expect(got.map((x) => x.id).slice(0, 2)).toEqual(ids)
    expect(got[1]).toMatchObject({ kh_name: '乙集团', replace_reason: '服务跟不上' })
    expect(fts('competitor_switches', '"服务 务跟"')).toBe(1)
    expect(fts('competitor_switches', '"慢"')).toBe(0)
    const again = await importCases(db, switches, file('v2.csv', v2), { now: NOW, append: true })
    expect(again.inserted).toBe(3)
    expect(rows('competitor_switches')).toHaveLength(6)
  })

  it('--dry-run gives the same report and writes nothing', async () => {
    await importCases(db, switches, file('v1.csv', first), { now: NOW })
    const before = rows('competitor_switches')
    const v2 = '客户名称,竞品名称,替换原因\n甲银行,学邦云,新原因\n丁公司,云学堂,新客户\n'
    for (const buffered of [false, true]) {
      const r = await importCases(db, switches, file('v2.csv', v2), { now: NOW, dryRun: true, buffered })
      expect(r).toMatchObject({ dryRun: true, inserted: 1, updated: 1 })
      expect(rows('competitor_switches')).toEqual(before)
    }
  })
})

describe('the problems workbook', () => {
  it('has one row per problem: sheet, row, column, value, why', async () => {
    const r = await importCases(
      db,
      switches,
      file('probs.csv', '客户名称,替换年份,备注\n甲,待定,x\n,2023,y\n乙,2023,z\n'),
      { now: NOW },
    )
    const out = join(tmp.dir, 'problems.xlsx')
    await writeProblemsWorkbook(out, r)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(out)
    const ws = wb.getWorksheet('问题')!
    const body = ws
      .getSheetValues()
      .slice(2)
      .map((v) => (v as unknown[]).slice(1, 5))
    expect(ws.getRow(1).values).toEqual([undefined, '工作表', '行号', '列', '值', '处理', '原因'])
    expect(body).toEqual([
      ['probs.csv', 1, '备注', undefined],
      ['probs.csv', 2, '替换年份', '待定'],
      ['probs.csv', 3, '客户名称', undefined],
    ])
  })
})

it('imports the software table with its seed field names untouched (regression)', async () => {
  const r = await importCases(db, software, file('sw.csv', 'archive_name,account_count\n甲,"1,200"\n'), { now: NOW })
  expect(r.inserted).toBe(1)
  expect(rows('software_cases')[0]).toMatchObject({ account_count: 1200 })
})
