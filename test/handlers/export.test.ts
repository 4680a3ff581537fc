import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterEach, describe, expect, it } from 'vitest'
import { partFilePath, renderPart } from '../../src/cli/local-parts.js'
import type { OutboundPart } from '../../src/core/delivery.js'
import { openDb } from '../../src/db/client.js'
import { loadFixtures } from '../helpers/fixtures.js'
import { createTestApp, insertCases, type TestApp } from '../helpers/test-app.js'

/**
 * 导出 after a search, through the real app with the local replier (as in andy chat): every matching row
 * into an .xlsx (结果 + 查询条件), read back with exceljs.
 */

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function app(seed: (db: ReturnType<typeof openDb>) => void = loadFixtures): { t: TestApp; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'andy-export-'))
  dirs.push(dir)
  const db = openDb(':memory:')
  seed(db)
  // DB_PATH only decides where generated files go (<its folder>/exports/search).
  return { t: createTestApp({ db, env: { DB_PATH: join(dir, 'andy.db') } }), dir }
}

function fileParts(t: TestApp): OutboundPart[] {
  return t.local.parts.map((p) => p.part).filter((p) => p.kind === 'file')
}

async function readSheetRows(path: string, sheet: string): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.readFile(path)
  const ws = wb.getWorksheet(sheet)!
  const rows: unknown[][] = []
  ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)))
  return rows
}

describe('导出', () => {
  it('without a search before it, says what to do', async () => {
    const { t } = app()
    const r = await t.ask('导出')
    expect(r.intent).toBe('export')
    expect(r.replies[0]).toContain('还没有可以导出的搜索结果')
    expect(fileParts(t)).toHaveLength(0)
  })

  it('with 0 matches replies clearly and writes no file', async () => {
    const { t } = app(() => undefined)
    const search = await t.ask('制造业 国企 的客户案例')
    expect(search.total).toBe(0)
    const r = await t.ask('导出')
    expect(r.replies[0]).toContain('没有符合条件的内容客户案例，没有生成文件')
    expect(fileParts(t)).toHaveLength(0)
  })

  it('with 1 match: headers, values, a hyperlink, an escaped formula and the query sheet', async () => {
    const { t, dir } = app((db) => {
      loadFixtures(db)
      insertCases(db, 'content-cases', [
        {
          case_name: '公式注入测试',
          kh_name: '事业单位测试客户',
          yxt_industry_1: '教育',
          enterprise_type: '事业单位',
          staff_size: '1000-5000人',
          case_time: '2025-04',
          case_url: 'https://cases.example.com/c/99',
          summary: '=HYPERLINK("http://evil.example","点我")',
        },
      ])
    })
    await t.ask('事业单位 的客户案例', { nick: '李雷', staffId: 'u-li' })
    const r = await t.ask('导出', { nick: '李雷', staffId: 'u-li' })
    expect(r.status).toBe('ok')
    expect(r.replies[0]).toContain('已导出「事业单位 的客户案例」的全部 **1** 条内容客户案例')
    const files = fileParts(t)
    expect(files).toHaveLength(1)
    const body = JSON.parse(files[0]!.body) as { path: string; fileName: string; fileType: string }
    expect(body.fileName).toBe('内容客户案例-20261128-1000.xlsx')
    expect(body.fileType).toBe('xlsx')
    expect(body.path.startsWith(join(dir, 'exports', 'search'))).toBe(true)
    // andy chat / ask show the path of a file part.
    expect(renderPart(files[0]!)).toBe(`已生成文件：${body.path}`)
    expect(partFilePath(files[0]!)).toBe(body.path)

    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(body.path)
    expect(wb.worksheets.map((w) => w.name)).toEqual(['结果', '查询条件'])
    const ws = wb.getWorksheet('结果')!
    const header = (ws.getRow(1).values as unknown[]).slice(1)
    expect(header).toEqual([
      '案例名称',
      '客户名称',
      '行业',
      '客户行业',
      '企业性质',
      '人员规模',
      '人员规模_最小值',
      '人员规模_最大值',
      '培训对象',
      '项目人群',
      '项目名称',
      '内容产品',
      '产品系列',
      '案例时间',
      '案例链接',
      '案例摘要',
    ])
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    expect(ws.rowCount).toBe(2)
    const cell = (label: string) => ws.getRow(2).getCell(header.indexOf(label) + 1)
    expect(cell('客户名称').value).toBe('事业单位测试客户')
    expect(cell('人员规模_最小值').value).toBe(1000)
    expect(cell('案例链接').hyperlink).toBe('https://cases.example.com/c/99')
    const formula = cell('案例摘要')
    expect(formula.type).toBe(ExcelJS.ValueType.String)
    expect(formula.value).toBe('=HYPERLINK("http://evil.example","点我")')
    expect(formula.numFmt).toBe('@')
    const q = Object.fromEntries((await readSheetRows(body.path, '查询条件')).slice(1).map((row) => [row[0], row[1]]))
    expect(q).toMatchObject({
      查询语句: '事业单位 的客户案例',
      数据: '内容客户案例',
      结果条数: 1,
      放宽的条件: '无',
      导出人: '李雷（u-li）',
      会话: '单聊',
      导出时间: '2026-11-28 10:00:00',
      本文件: '全部 1 条',
    })
    expect(String(q['筛选条件'])).toContain('企业性质=事业单位')
  })

  // 5,000 rows: five fetch batches of 1,000 and fifty file-size checks, far past the five hits shown. The speed
  // and memory of big exports (100,000 rows) are bench figures (npm run bench -- excel), not a unit test's.
  it('exports every match, not only the page shown: 5,000 rows, relaxed filters listed', async () => {
    const N = 5_000
    const { t } = app((db) =>
      insertCases(
        db,
        'content-cases',
        Array.from({ length: N }, (_, i) => ({
          case_name: `批量案例${i}`,
          kh_name: `批量客户${i}`,
          yxt_industry_1: '制造业',
          enterprise_type: i % 2 ? '民营企业' : '地方国企',
          case_time: `${2021 + (i % 5)}-0${1 + (i % 9)}`,
          case_url: `https://cases.example.com/b/${i}`,
          summary: i % 1000 === 0 ? `-${i} 以减号开头` : `第${i}号`,
        })),
      ),
    )
    const search = await t.ask('制造业 2019年 的客户案例')
    expect(search.total).toBe(N)
    // No case is from 2019: the year is dropped so that something is found (and listed in the export).
    expect(search.relaxed?.map((f) => f.key)).toEqual(['case_year'])
    expect(search.hits).toHaveLength(5)
    const r = await t.ask('导出')
    expect(r.replies[0]).toContain('全部 **5,000** 条内容客户案例（含放宽条件后的结果')
    const files = fileParts(t)
    expect(files).toHaveLength(1)
    const path = partFilePath(files[0]!)
    expect(statSync(path).size).toBeLessThan(20 * 1024 * 1024)
    // Streamed back (an in-memory load of every row would be the slow part of this test).
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      styles: 'ignore',
    })
    const seen = new Map<string, number>()
    const names = new Set<string>()
    let first: unknown[] | undefined
    let minus: unknown
    for await (const ws of reader) {
      const name = (ws as unknown as { name: string }).name
      let n = 0
      for await (const row of ws) {
        n++
        const v = (row.values as unknown[]).slice(1)
        if (name === '结果' && n === 2) first = v
        if (name === '结果' && v[1] === '批量客户1000') minus = v[15]
        if (name === '结果') names.add(String(v[1]))
      }
      seen.set(name, n)
    }
    expect(seen.get('结果')).toBe(N + 1)
    expect(names.size).toBe(N + 1) // every customer once, plus the header
    // Newest first, as the chat shows them.
    expect(first?.[13]).toMatch(/^2025-/)
    expect(minus).toBe('-1000 以减号开头')
    const q = Object.fromEntries((await readSheetRows(path, '查询条件')).slice(1).map((row) => [row[0], row[1]]))
    expect(q['结果条数']).toBe(N)
    expect(String(q['放宽的条件'])).toContain('年份=2019年')
    expect(String(q['筛选条件'])).toContain('行业=制造业')
  })
})
