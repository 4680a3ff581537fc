import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterEach, describe, expect, it } from 'vitest'
import type { Row } from '../../src/db/case-search.js'
import { cleanOldExports, exportSearch, KEEP_EXPORTS_MS } from '../../src/handlers/search-export.js'
import { tableByKey } from '../../src/tables/index.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'andy-sexport-'))
  dirs.push(d)
  return d
}

/** Text that does not compress to nothing (a linear congruential walk through common characters). */
function noise(seed: number, len: number): string {
  const chars = '培训学习数据完课率满意度讲师课程部门销售管理领导力新员工项目评估提升问题建议季度年度平台内容'
  let x = seed
  let s = ''
  for (let i = 0; i < len; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    s += chars[x % chars.length]
  }
  return s
}

async function rowsOf(path: string): Promise<{ results: unknown[][]; conditions: Record<string, unknown> }> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.readFile(path)
  const results: unknown[][] = []
  wb.getWorksheet('结果')!.eachRow((r, n) => n > 1 && results.push((r.values as unknown[]).slice(1)))
  const conditions: Record<string, unknown> = {}
  wb.getWorksheet('查询条件')!.eachRow((r, n) => n > 1 && (conditions[String(r.getCell(1).value)] = r.getCell(2).value))
  return { results, conditions }
}

describe('exportSearch', () => {
  it('splits an export that would pass the size limit into parts, each under it, rows contiguous and labelled', async () => {
    const spec = tableByKey('content-cases')!
    const total = 6000
    const rows = function* (): Generator<Row> {
      for (let i = 0; i < total; i++)
        yield {
          id: i + 1,
          case_name: `案例${i}`,
          kh_name: `客户${i}`,
          summary: noise(i, 300),
          case_url: `https://cases.example.com/c/${i}`,
        }
    }
    const partBytes = 400 * 1024
    const parts = await exportSearch({
      spec,
      rows: rows(),
      total,
      dir: tmp(),
      baseName: '内容客户案例-20261128-1000',
      key: 'robot/msg1',
      partBytes,
      conditions: {
        sentence: '全部案例',
        filters: [],
        relaxed: [],
        who: '张三（u1）',
        where: '单聊',
        when: '2026-11-28 10:00:00',
      },
    })
    expect(parts.length).toBeGreaterThanOrEqual(3)
    expect(parts.map((p) => p.fileName)).toEqual(parts.map((_, i) => `内容客户案例-20261128-1000-第${i + 1}部分.xlsx`))
    expect(parts.reduce((n, p) => n + p.rows, 0)).toBe(total)
    let next = 1
    for (const [i, p] of parts.entries()) {
      // The size is watched while writing; what is written after the check stays within a small margin.
      expect(p.bytes).toBeLessThan(partBytes + 200 * 1024)
      expect(p.from).toBe(next)
      next = p.to + 1
      const { results, conditions } = await rowsOf(p.path)
      expect(results).toHaveLength(p.rows)
      expect(results[0]![1]).toBe(`客户${p.from - 1}`)
      expect(results.at(-1)![1]).toBe(`客户${p.to - 1}`)
      expect(conditions['本文件']).toBe(`第 ${i + 1} 部分：第 ${p.from}–${p.to} 条（文件超过 20 MB 时分成多个部分）`)
      expect(conditions['结果条数']).toBe(total)
    }
  })

  it('cleans only old .xlsx files of its own folder', () => {
    const dir = tmp()
    const old = join(dir, 'old.xlsx')
    const fresh = join(dir, 'fresh.xlsx')
    const other = join(dir, 'notes.txt')
    for (const f of [old, fresh, other]) writeFileSync(f, 'x')
    const past = (Date.now() - KEEP_EXPORTS_MS - 60_000) / 1000
    utimesSync(old, past, past)
    utimesSync(other, past, past)
    expect(cleanOldExports(dir)).toBe(1)
    expect([existsSync(old), existsSync(fresh), existsSync(other)]).toEqual([false, true, true])
    expect(cleanOldExports(join(dir, 'missing'))).toBe(0)
  })
})
