import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import JSZip from 'jszip'
import { afterAll, describe, expect, it } from 'vitest'
import { openDb } from '../../src/db/client.js'
import { buildOpsReport } from '../../src/ops-report/build.js'
import { extractText, FileError } from '../../src/services/files.js'
import { importCases } from '../../src/services/importer.js'
import { readTableRows } from '../../src/services/table-file.js'
import { plainCell } from '../../src/services/xlsx-rows.js'
import { tableByKey } from '../../src/tables/index.js'
import { buildZip, xlsxSharedStringsLast, xlsxWithSheet } from '../helpers/bombs.js'
import { makeMixedPdf } from '../helpers/documents.js'
import { tempDir } from '../helpers/test-app.js'

/**
 * Issue 12.2: Excel stores the shared strings after the worksheets; exceljs' streaming pass over the zip
 * could miss that part, and every text cell became ''. Issue 12.18: a short closing page is not a scan.
 */

const tmp = tempDir('andy-xlsx-order-')
afterAll(() => tmp.cleanup())

const CASES = [
  {
    name: '客户案例',
    rows: [
      ['客户名称', '客户行业', '案例时间'],
      ['甲银行', '金融', '2024-03'],
      ['乙集团', '制造业', '2023-11'],
    ],
  },
  { name: '备注', rows: [['说明'], ['重点客户：甲银行']] },
]

describe('shared strings stored after the worksheets (as Excel writes them)', () => {
  const late = xlsxSharedStringsLast(CASES)

  it('is really laid out that way', async () => {
    const names = Object.keys((await JSZip.loadAsync(late)).files)
    expect(names.indexOf('xl/sharedStrings.xml')).toBeGreaterThan(names.indexOf('xl/worksheets/sheet2.xml'))
  })

  it('keeps every text in 报告解读', async () => {
    // Twenty reads at once, as a busy bot would: the text must survive every one of them.
    const reads = await Promise.all(Array.from({ length: 20 }, () => extractText(late, { fileName: '客户案例.xlsx' })))
    for (const r of reads) {
      expect(r.text).toBe(
        '## 工作表：客户案例\n客户名称 | 客户行业 | 案例时间\n甲银行 | 金融 | 2024-03\n乙集团 | 制造业 | 2023-11\n\n## 工作表：备注\n说明\n重点客户：甲银行',
      )
      expect(r.sheets).toEqual(['客户案例', '备注'])
    }
  })

  it('keeps every text in `andy import`', async () => {
    const path = join(tmp.dir, 'cases.xlsx')
    writeFileSync(path, late)
    const db = openDb(':memory:')
    const r = await importCases(db, tableByKey('content-cases')!, path)
    expect(r.inserted).toBe(2)
    const rows = db.sqlite.prepare('SELECT kh_name, kh_industry_1, case_time FROM content_cases ORDER BY id').all()
    expect(rows).toEqual([
      { kh_name: '甲银行', kh_industry_1: '金融', case_time: '2024-03' },
      { kh_name: '乙集团', kh_industry_1: '制造业', case_time: '2023-11' },
    ])
    db.close()
  })

  it('keeps every text in the ops report', async () => {
    const records = xlsxSharedStringsLast([
      {
        name: '学习记录',
        rows: [
          ['学员', '部门', '课程名称', '学习时长（分钟）', '完成状态'],
          ['王一', '销售部', '客户沟通技巧', '60', '已完成'],
          ['李一', '研发部', '信息安全', '30', '学习中'],
        ],
      },
    ])
    const r = await buildOpsReport({
      buffer: records,
      fileName: '学习记录.xlsx',
      now: Date.parse('2026-11-28T02:00:00Z'),
    })
    expect(r.records.map((x) => [x.learner, x.department, x.course, x.minutes, x.completed])).toEqual([
      ['王一', '销售部', '客户沟通技巧', 60, true],
      ['李一', '研发部', '信息安全', 30, false],
    ])
  })

  it('gives every sheet, in tab order, to the table reader', async () => {
    const rows = []
    for await (const row of readTableRows({ buffer: late, fileName: 'x.xlsx' }))
      rows.push([row.sheet, row.rowNumber, ...row.values])
    expect(rows).toEqual([
      ['客户案例', 1, '客户名称', '客户行业', '案例时间'],
      ['客户案例', 2, '甲银行', '金融', '2024-03'],
      ['客户案例', 3, '乙集团', '制造业', '2023-11'],
      ['备注', 1, '说明'],
      ['备注', 2, '重点客户：甲银行'],
    ])
  })
})

describe('a cell value nobody knows is an error, never a silent empty string', () => {
  it('reports a shared-string cell whose string is missing', async () => {
    const noTable = xlsxWithSheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    const err = await extractText(noTable, { fileName: 'x.xlsx' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FileError)
    expect((err as FileError).code).toBe('corrupt')
    expect((err as FileError).message).toContain('shared string 0')
    const late = xlsxSharedStringsLast([{ name: 'S', rows: [['a']] }])
    // The same workbook with a cell pointing past the end of its table.
    const zip = await JSZip.loadAsync(late)
    const sheet = (await zip.file('xl/worksheets/sheet1.xml')!.async('string')).replace('<v>0</v>', '<v>7</v>')
    const entries = await Promise.all(
      Object.keys(zip.files)
        .filter((n) => !n.endsWith('/'))
        .map(async (name) => ({
          name,
          data: name === 'xl/worksheets/sheet1.xml' ? sheet : await zip.file(name)!.async('nodebuffer'),
        })),
    )
    const past = await extractText(buildZip(entries), { fileName: 'x.xlsx' }).catch((e: unknown) => e)
    expect((past as FileError).message).toContain('shared string 7')
  })

  it('plainCell knows the value kinds exceljs gives and refuses others', () => {
    expect(plainCell({ richText: [{ text: '甲' }, { text: '乙' }] }, 'A1')).toBe('甲乙')
    expect(plainCell({ formula: 'A1*2', result: 4 }, 'A1')).toBe(4)
    expect(plainCell({ text: '打开', hyperlink: 'https://x.example/1' }, 'A1', { hyperlinkTargets: true })).toBe(
      'https://x.example/1',
    )
    expect(plainCell({ error: '#N/A' }, 'A1', { errorText: true })).toBe('#N/A')
    expect(() => plainCell({ sharedString: 3 }, 'S!B2')).toThrow(/cell S!B2 refers to shared string 3/)
    expect(() => plainCell({ checkbox: true }, 'S!C3')).toThrow(/cell S!C3 holds a value of an unknown kind/)
  })
})

describe('PDF pages with little text (12.18)', () => {
  it('does not call a short closing page a scan, but still counts a picture-only page', async () => {
    const long = Array.from(
      { length: 8 },
      (_, i) => `Finding ${i + 1}: completion rose to ${60 + i}% in the east region.`,
    )
    const pdf = await makeMixedPdf([{ lines: long }, { picture: true }, { lines: long }, { lines: ['Thanks!'] }])
    const r = await extractText(pdf, { fileName: 'report.pdf' })
    expect(r.pages).toBe(4)
    expect(r.imagePages).toBe(1)
    expect(r.text).toContain('Thanks!')
  })
})
