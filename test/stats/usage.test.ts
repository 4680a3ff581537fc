import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OutboundPart } from '../../src/core/delivery.js'
import { getInbound } from '../../src/db/inbox.js'
import { iterateUsage, type UsageDetailRow } from '../../src/db/usage-detail.js'
import { LATENCY_BUCKETS } from '../../src/db/usage-rollup.js'
import { insertUsageMany } from '../../src/db/usage-stats.js'
import { generateUsageRows } from '../../src/demo/usage.js'
import { loadFixtures } from '../helpers/fixtures.js'
import { createTestApp, type FixedClock, type TestApp, tempDir } from '../helpers/test-app.js'

/**
 * 统计 through the real dispatcher (fixed clock 2026-11-28 10:00, a Saturday): messages asked over two
 * weeks by two reps and an admin, plus generated rows; every figure is checked against the records.
 */

const ADMIN = { nick: '赵经理', staffId: 'boss' }
const ZHANG = { nick: '张三', staffId: 'zs' }
const LI = { nick: '李四', staffId: 'ls', group: '华东销售群' }

let t: TestApp<FixedClock>

function allRows(): UsageDetailRow[] {
  return [...iterateUsage(t.db, { from: '2000-01-01', to: '2100-01-01' })]
}

function rowsIn(from: string, to: string, pred: (r: UsageDetailRow) => boolean = () => true): UsageDetailRow[] {
  return allRows().filter((r) => r.use_date >= from && r.use_date <= to && pred(r))
}

function partsOf(inboxId: number): OutboundPart[] {
  const msgId = getInbound(t.db, inboxId)!.msg_id
  return t.local.parts.filter((p) => p.target.msgId === msgId).map((p) => p.part)
}

function filePath(part: OutboundPart): string {
  return (JSON.parse(part.body) as { path: string }).path
}

let tmp: ReturnType<typeof tempDir>
afterAll(() => tmp.cleanup())

beforeAll(async () => {
  tmp = tempDir('andy-stats-')
  // DB_PATH only places the generated files (next to it, in exports/); the database is in memory.
  t = createTestApp({ env: { ANDY_ADMIN_STAFF_IDS: 'boss', DB_PATH: join(tmp.dir, 'andy.db') } })
  loadFixtures(t.db)
  // Older history: generated rows (3 weeks before the dispatched ones).
  insertUsageMany(
    t.db,
    generateUsageRows({ rows: 400, endDate: '2026-11-15', days: 21, users: 12, groups: 4, seed: 7 }),
  )
  // Last week (W47) and this week, asked through the dispatcher.
  const asks: Array<[string, string, typeof ZHANG | typeof LI | typeof ADMIN]> = [
    ['2026-11-16T02:00:00Z', '制造业 5000人以上 国企 的客户案例', ZHANG],
    ['2026-11-16T03:00:00Z', '央企 客户案例', LI],
    ['2026-11-17T02:00:00Z', '银行 新员工培训 的打单方案', ZHANG],
    ['2026-11-18T02:00:00Z', '帮助', LI],
    ['2026-11-19T06:00:00Z', '江苏 软件客户', LI],
    ['2026-11-20T02:00:00Z', '2023 年医药行业采购了哪些内容产品', ADMIN],
    ['2026-11-22T02:00:00Z', '制造业 客户案例', ZHANG],
    ['2026-11-24T02:00:00Z', '央企 客户案例', ZHANG],
    ['2026-11-27T02:00:00Z', '你好', LI],
  ]
  for (const [iso, text, user] of asks) {
    t.clock.set(iso)
    const r = await t.ask(text, user)
    expect(r.status).not.toBe('failed')
  }
  t.clock.set('2026-11-28T02:00:00Z')
})

describe('统计 in chat', () => {
  it("should give an admin everyone's totals, per intent, per day, top users and groups for 上周", async () => {
    const expected = rowsIn('2026-11-16', '2026-11-22')
    expect(expected.length).toBe(7)
    const r = await t.ask('统计 上周', ADMIN)
    expect(r.intent).toBe('usage')
    const reply = r.replies.join('\n')
    expect(reply).toContain('使用统计 · 上周（11-16 至 11-22）')
    expect(reply).toContain('范围：全员（管理员视图）')
    expect(reply).toContain(`共 **${expected.length}** 次使用，**3** 人，**1** 个群`)
    expect(reply).toContain(`- 内容客户案例：${expected.filter((x) => x.intent === 'case').length}（`)
    expect(reply).toContain('- 11-16 周一：2')
    expect(reply).toContain('最活跃的人')
    expect(reply).toMatch(/[12]\. 张三：3/)
    expect(reply).toMatch(/[12]\. 李四：3/)
    expect(reply).toContain('1. 华东销售群：3')
    expect(reply).not.toMatch(/\|.*\|/)
    expect(r.filters).toMatchObject({ from: '2026-11-16', to: '2026-11-22', scope: 'all' })
  })

  it('should show a rep only their own usage and say so', async () => {
    const mine = rowsIn('2026-11-16', '2026-11-22', (x) => x.user_id === 'zs')
    const r = await t.ask('统计 上周', ZHANG)
    const reply = r.replies.join('\n')
    expect(reply).toContain('只含你本人（张三）的使用记录')
    expect(reply).toContain(`共 **${mine.length}** 次使用`)
    expect(reply).not.toContain('李四')
    expect(reply).not.toContain('最活跃的人')
    expect(r.filters).toMatchObject({ scope: 'self' })
  })

  it('should not let a rep look at someone else by name', async () => {
    const mine = rowsIn('2026-11-16', '2026-11-22', (x) => x.user_id === 'ls')
    const r = await t.ask('统计 上周 人员:张三', LI)
    const reply = r.replies.join('\n')
    expect(reply).toContain('只有管理员能查看他人的使用情况')
    expect(reply).toContain(`共 **${mine.length}** 次使用`)
  })

  it('should apply the seed filters: assistant, conversation type, user, group, content', async () => {
    const check = async (text: string, pred: (x: UsageDetailRow) => boolean) => {
      const n = rowsIn('2026-11-16', '2026-11-22', pred).length
      const r = await t.ask(text, ADMIN)
      expect(r.replies.join('\n'), text).toContain(n === 0 ? '这段时间没有使用记录' : `共 **${n}** 次使用`)
      return n
    }
    expect(await check('统计 上周 案例', (x) => x.intent === 'case')).toBe(3)
    expect(await check('统计 上周 群聊', (x) => x.conversation_type === '2')).toBe(3)
    expect(await check('统计 上周 单聊 打单', (x) => x.conversation_type === '1' && x.intent === 'pitch')).toBe(1)
    expect(await check('统计 上周 张三', (x) => x.user_dd_nick === '张三')).toBe(3)
    expect(await check('统计 上周 群:华东销售群', (x) => x.dd_group_name === '华东销售群')).toBe(3)
    expect(await check('统计 上周 内容:客户案例', (x) => (x.consult_content ?? '').includes('客户案例'))).toBe(3)
    expect(await check('统计 上周 助手:2', (x) => x.assistant_type === '2')).toBe(1)
  })

  it('should answer every period phrase with its own date range', async () => {
    const cases: Array<[string, string, string]> = [
      ['统计 今天', '2026-11-28', '2026-11-28'],
      ['统计 昨天', '2026-11-27', '2026-11-27'],
      ['统计 本周', '2026-11-23', '2026-11-28'],
      ['统计 本月', '2026-11-01', '2026-11-28'],
      ['统计 上月', '2026-10-01', '2026-10-31'],
      ['统计', '2026-11-22', '2026-11-28'],
      ['统计 最近30天', '2026-10-30', '2026-11-28'],
      ['统计 2026-11-01到2026-11-15', '2026-11-01', '2026-11-15'],
    ]
    for (const [text, from, to] of cases) {
      const expected = rowsIn(from, to).length
      const r = await t.ask(text, ADMIN)
      expect(r.filters, text).toMatchObject({ from, to })
      expect(r.replies.join('\n'), text).toContain(
        expected === 0 ? '这段时间没有使用记录' : `共 **${expected.toLocaleString('en-US')}** 次使用`,
      )
    }
    const bad = await t.ask('统计 2026-11-15到2026-11-01', ADMIN)
    expect(bad.status).toBe('rejected')
    expect(bad.replies.join('')).toContain('晚于结束日期')
  })

  it('should list the zero-result questions, most frequent first, with the median and p95 latency', async () => {
    const rows = rowsIn('2026-10-25', '2026-11-15')
    const zero = rows.filter(
      (x) => x.hits === 0 && ['case', 'pitch', 'switch', 'procurement', 'software'].includes(x.intent),
    )
    const counts = new Map<string, number>()
    for (const z of zero) counts.set(z.consult_content!, (counts.get(z.consult_content!) ?? 0) + 1)
    const top = [...counts].sort((a, b) => b[1] - a[1])[0]!
    // Percentiles are read from the fixed latency buckets: the bound of the bucket holding the nearest rank.
    const lat = rows.map((x) => x.latency_ms!).sort((a, b) => a - b)
    const bound = (ms: number) => Math.min(LATENCY_BUCKETS.find((b) => ms <= b) ?? Infinity, lat[lat.length - 1]!)
    const p50 = bound(lat[Math.ceil(0.5 * lat.length) - 1]!)
    const p95 = bound(lat[Math.ceil(0.95 * lat.length) - 1]!)
    const r = await t.ask('统计 2026-10-25到2026-11-15', ADMIN)
    const reply = r.replies.join('\n')
    expect(zero.length).toBeGreaterThan(0)
    expect(reply).toContain(`搜索无结果或无法回答 ${zero.length} 次，${counts.size} 种问题`)
    expect(reply).toContain(`1. 「${top[0]}」×${top[1]}`)
    const secs = (ms: number) => (ms < 1000 ? (ms / 1000).toFixed(2) : (ms / 1000).toFixed(1))
    expect(reply).toContain(`一半在 ${secs(p50)} 秒 内，95% 在 ${secs(p95)} 秒 内`)
    const tokens = rows.reduce((s, x) => s + x.tokens!, 0)
    expect(reply).toContain(`大模型：${tokens.toLocaleString('en-US')} tokens`)
  })

  it('should send the chart as a picture that decodes to a 720 px wide, about square PNG (DingTalk shows ~358×350)', async () => {
    const r = await t.ask('统计 本月', ADMIN)
    const image = partsOf(r.inboxId).find((p) => p.kind === 'image')
    expect(image).toBeDefined()
    expect(filePath(image!).startsWith(join(tmp.dir, 'exports'))).toBe(true)
    const png = readFileSync(filePath(image!))
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR')
    const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)]
    expect(w).toBe(720)
    expect(h / w).toBeGreaterThan(0.8)
    expect(h / w).toBeLessThan(1.15)
    expect(png.length).toBeGreaterThan(10_000) // bars, labels and legend, not an empty canvas
  })

  it('should export 统计 导出 as a workbook whose summary sheets hold the totals of the 统计 reply and whose 明细 holds every record', async () => {
    // Up to yesterday: today's asks (these two included) add usage records of their own.
    const rows = rowsIn('2026-10-01', '2026-11-27')
    const summary = (await t.ask('统计 2026-10-01到2026-11-27', ADMIN)).replies.join('\n')
    expect(summary).toContain(`共 **${rows.length}** 次使用`)
    const r = await t.ask('统计 2026-10-01到2026-11-27 导出', ADMIN)
    const parts = partsOf(r.inboxId)
    const reply = parts.find((p) => p.kind !== 'file')!.body
    expect(reply).toContain(`共 ${rows.length} 次使用`)
    expect(reply).toContain(`明细 ${rows.length} 条（全部记录）`)
    // The reply names the summary sheets the workbook really has.
    expect(reply).toContain('汇总表 概览、按助手、按日、按人员、按群、耗时分布、内容缺口、LLM成本 含全部记录')
    const file = parts.find((p) => p.kind === 'file')!
    expect(JSON.parse(file.body)).toMatchObject({ fileName: '使用统计_2026-10-01_2026-11-27.xlsx', fileType: 'xlsx' })
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(filePath(file))
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      '概览',
      '按助手',
      '按日',
      '按人员',
      '按群',
      '耗时分布',
      '内容缺口',
      'LLM成本',
      '明细',
    ])
    const sheet = (name: string) => wb.getWorksheet(name)!
    const colSum = (name: string, col: number) => {
      let s = 0
      sheet(name).eachRow((row, i) => i > 1 && (s += Number(row.getCell(col).value)))
      return s
    }
    const overview = new Map<string, unknown>()
    sheet('概览').eachRow((row, i) => i > 1 && overview.set(String(row.getCell(1).value), row.getCell(2).value))
    expect(overview.get('使用次数')).toBe(rows.length)
    expect(overview.get('失败')).toBe(rows.filter((x) => x.status === 'failed').length)
    expect(overview.get('明细')).toBe(rows.length)
    expect(sheet('明细').rowCount - 1).toBe(rows.length)
    expect(colSum('按助手', 3)).toBe(rows.length)
    expect(colSum('按人员', 3)).toBe(rows.length)
    expect(colSum('按日', 2)).toBe(rows.length)
    expect(colSum('耗时分布', 2)).toBe(rows.filter((x) => x.latency_ms != null).length)
    expect(colSum('按群', 2)).toBe(rows.filter((x) => x.dd_group_name).length)
    expect(colSum('内容缺口', 2)).toBe(
      rows.filter((x) => x.hits === 0 && ['case', 'pitch', 'switch', 'procurement', 'software'].includes(x.intent))
        .length,
    )
    expect(sheet('明细').getRow(1).getCell(1).value).toBe('使用时间')
  })

  it('should cap the 明细 of a long period at ANDY_STATS_EXPORT_DETAIL_ROWS, keep the newest records, and say in the reply and 概览 how to get the rest', async () => {
    const capped = createTestApp({
      env: { ANDY_ADMIN_STAFF_IDS: 'boss', DB_PATH: join(tmp.dir, 'capped.db'), ANDY_STATS_EXPORT_DETAIL_ROWS: '50' },
    })
    try {
      insertUsageMany(
        capped.db,
        generateUsageRows({ rows: 400, endDate: '2026-11-15', days: 21, users: 12, groups: 4, seed: 7 }),
      )
      const r = await capped.ask('统计 2026-10-01到2026-11-28 导出', ADMIN)
      const parts = capped.local.parts
        .filter((p) => p.target.msgId === getInbound(capped.db, r.inboxId)!.msg_id)
        .map((p) => p.part)
      const note =
        '明细只列出最近的 50 条记录（共 400 条，另有 350 条未列出）；汇总表含全部记录。要全部明细：缩短时间范围再导出，或由管理员在服务器上运行'
      const reply = parts.find((p) => p.kind !== 'file')!.body
      expect(reply).toContain(note)
      expect(reply).toContain('`andy stats --since 2026-10-01 --until 2026-11-28 --detail 明细.csv`')
      const wb = new ExcelJS.Workbook()
      await wb.xlsx.readFile(filePath(parts.find((p) => p.kind === 'file')!))
      const overview = new Map<string, unknown>()
      wb.getWorksheet('概览')!.eachRow((row) => overview.set(String(row.getCell(1).value), row.getCell(3).value))
      expect(String(overview.get('明细'))).toContain(note)
      let total = 0
      wb.getWorksheet('按日')!.eachRow((row, i) => i > 1 && (total += Number(row.getCell(2).value)))
      expect(total).toBe(400)
      const shown: string[] = []
      wb.getWorksheet('明细')!.eachRow((row, i) => i > 1 && shown.push(String(row.getCell(17).value)))
      // The generated records only (the export's own usage record comes after it, on 2026-11-28).
      const newest = [...iterateUsage(capped.db, { from: '2026-10-01', to: '2026-11-15' })].slice(-50)
      expect(shown).toEqual(newest.map((x) => x.msg_id))
    } finally {
      await capped.app.stop(1000)
      capped.db.close()
    }
  })
})
