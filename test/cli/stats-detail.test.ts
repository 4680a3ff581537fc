import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb } from '../../src/db/client.js'
import { insertUsageMany } from '../../src/db/usage-stats.js'
import { generateUsageRows } from '../../src/demo/usage.js'
import { cliRunner } from '../helpers/cli.js'
import { tempDir } from '../helpers/test-app.js'

/**
 * `andy stats --xlsx` keeps the newest ANDY_STATS_EXPORT_DETAIL_ROWS records in its 明细 and says so;
 * `--detail` writes every record of the period (CSV or .xlsx).
 */
const tmp = tempDir('andy-stats-cli-')
afterAll(() => tmp.cleanup())
const dbPath = join(tmp.dir, 'andy.db')
const andy = cliRunner({ ...process.env, DB_PATH: dbPath, LOG_LEVEL: 'silent', ANDY_STATS_EXPORT_DETAIL_ROWS: '20' })

beforeAll(() => {
  const db = openDb(dbPath)
  insertUsageMany(db, generateUsageRows({ rows: 300, endDate: '2026-11-15', days: 30, users: 9, groups: 3, seed: 5 }))
  db.close()
})

describe('andy stats --detail', () => {
  it('writes every record of the period to CSV and .xlsx while the workbook keeps the newest and says how to get the rest', async () => {
    const csv = join(tmp.dir, '明细.csv')
    const xlsx = join(tmp.dir, '明细.xlsx')
    const book = join(tmp.dir, 'stats.xlsx')
    const r = await andy('stats', '--since', '2026-10-01', '--until', '2026-11-15', '--xlsx', book, '--detail', csv)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('明细只列出最近的 20 条记录（共 300 条，另有 280 条未列出）')
    expect(r.stdout).toContain(`✔ 明细：300 条记录 → ${csv}`)
    const lines = readFileSync(csv, 'utf8').split('\r\n').filter(Boolean)
    expect(lines[0]).toBe(
      '\uFEFF使用时间,使用日期,助手类型,助手名称,使用者钉钉昵称,用户ID,钉钉群名称,会话类型,咨询内容,意图,结果数,耗时(毫秒),状态,错误,tokens,费用(元),消息ID',
    )
    expect(lines).toHaveLength(301)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(book)
    expect(wb.getWorksheet('明细')!.rowCount).toBe(21)

    const x = await andy('stats', '--since', '2026-11-01', '--until', '2026-11-15', '--detail', xlsx)
    expect(x.code).toBe(0)
    const n = Number(/✔ 明细：(\d+) 条记录/.exec(x.stdout)?.[1])
    expect(n).toBeGreaterThan(100)
    expect(x.stdout).toContain(`共 ${n} 次`)
    const full = new ExcelJS.Workbook()
    await full.xlsx.readFile(xlsx)
    expect(full.worksheets.map((w) => w.name)).toEqual(['明细'])
    expect(full.getWorksheet('明细')!.rowCount).toBe(n + 1)
  })
})
