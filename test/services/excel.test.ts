import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, describe, expect, it } from 'vitest'
import { EXCEL_CELL_MAX, writeWorkbook } from '../../src/services/excel.js'

const dir = mkdtempSync(join(tmpdir(), 'andy-excel-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('writeWorkbook (streaming xlsx builder)', () => {
  it('writes dates as dates, numbers as numbers, links as hyperlinks, and never a formula', async () => {
    const path = join(dir, 'a.xlsx')
    const res = await writeWorkbook(path, [
      {
        name: '数据/汇总?',
        autoFilter: true,
        columns: [
          { key: 'd', header: '日期', kind: 'date', format: 'yyyy-mm-dd' },
          { key: 'n', header: '金额', kind: 'number', format: '#,##0.00' },
          { key: 'u', header: '链接', kind: 'url' },
          { key: 't', header: '备注', wrap: true },
        ],
        rows: [
          { d: '2026-03-01T00:00:00Z', n: '1234.5', u: 'https://cases.example.com/c/1', t: '+86 138' },
          { d: new Date(Date.UTC(2025, 11, 31)), n: 7, u: 'not a url', t: '@SUM(A1)' },
          { d: 'not a date', n: true, u: null, t: `控制\u0001字符${'长'.repeat(EXCEL_CELL_MAX + 10)}` },
        ],
      },
      { name: '数据/汇总?', columns: [{ key: 'x', header: 'X' }], rows: [], frozen: false },
    ])
    expect(res.sheetRows).toEqual([3, 0])
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(path)
    // Sheet names are cleaned of : \ / ? * [ ] and made unique.
    expect(wb.worksheets.map((w) => w.name)).toEqual(['数据 汇总', '数据 汇总(2)'])
    const ws = wb.worksheets[0]!
    expect(ws.autoFilter).toBe('A1:D1')
    const r2 = ws.getRow(2)
    expect(r2.getCell(1).value).toEqual(new Date(Date.UTC(2026, 2, 1)))
    expect(r2.getCell(1).numFmt).toBe('yyyy-mm-dd')
    expect(r2.getCell(2).value).toBe(1234.5)
    expect(r2.getCell(2).numFmt).toBe('#,##0.00')
    expect(r2.getCell(3).hyperlink).toBe('https://cases.example.com/c/1')
    expect(r2.getCell(4)).toMatchObject({ value: '+86 138', numFmt: '@' })
    expect(r2.getCell(4).alignment).toMatchObject({ wrapText: true })
    const r3 = ws.getRow(3)
    expect(r3.getCell(3).value).toBe('not a url')
    expect(r3.getCell(4)).toMatchObject({ value: '@SUM(A1)', numFmt: '@', type: ExcelJS.ValueType.String })
    const r4 = ws.getRow(4)
    expect(r4.getCell(1).value).toBe('not a date')
    expect(r4.getCell(2).value).toBe('是')
    const long = String(r4.getCell(4).value)
    expect(long.startsWith('控制字符长')).toBe(true)
    expect(long).toHaveLength(EXCEL_CELL_MAX)
  })
})
