import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, describe, expect, it } from 'vitest'
import type { OutboundPart } from '../../src/core/delivery.js'
import { loadFixtures } from '../helpers/fixtures.js'
import { createTestApp, tempDir } from '../helpers/test-app.js'

/**
 * 内容缺口: a question Andy cannot answer at all is a gap just like a search that found nothing — in the
 * 统计 reply, in its per-assistant counts and in the exported workbook — and not a use of 帮助.
 */

const tmp = tempDir('andy-gaps-')
afterAll(() => tmp.cleanup())

describe('unanswerable questions', () => {
  it('count as 内容缺口, not as 帮助', async () => {
    const t = createTestApp({ env: { ANDY_ADMIN_STAFF_IDS: 'boss', DB_PATH: join(tmp.dir, 'andy.db') } })
    loadFixtures(t.db)
    const boss = { nick: '赵经理', staffId: 'boss' }
    const unanswerable = await t.ask('怎么申请出差报销', boss)
    // the user still gets the menu
    expect(unanswerable.replies[0]).toContain('没太明白「怎么申请出差报销」')
    expect(unanswerable.intent).toBe('unanswered')
    await t.ask('怎么申请出差报销', boss)
    await t.ask('帮助', boss)
    await t.ask('谢谢', boss)
    await t.ask('航天 火箭 的客户案例', boss) // a search that finds nothing (after relaxation too)
    const stats = await t.ask('统计 今天', boss)
    const reply = stats.replies.join('\n')
    expect(reply).toContain('**内容缺口**（搜索无结果或无法回答 3 次，2 种问题）')
    expect(reply).toContain('1. 「怎么申请出差报销」×2（未能回答')
    expect(reply).toMatch(/- 帮助：2（/)
    expect(reply).toMatch(/- 未能回答：2（/)

    const exported = await t.ask('统计 今天 导出', boss)
    const file = t.local.parts
      .map((p) => p.part)
      .find((p: OutboundPart) => p.kind === 'file' && p.body.includes('.xlsx') && p.title.startsWith('使用统计'))
    expect(file, JSON.stringify(exported.replies)).toBeDefined()
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile((JSON.parse(file!.body) as { path: string }).path)
    const gaps: unknown[][] = []
    wb.getWorksheet('内容缺口')!.eachRow((row, i) => i > 1 && gaps.push((row.values as unknown[]).slice(1)))
    expect(gaps.map((g) => [g[0], g[1], g[2]])).toEqual([
      ['怎么申请出差报销', 2, '未能回答'],
      ['航天 火箭 的客户案例', 1, '内容客户案例'],
    ])
    const byAssistant: Record<string, unknown> = {}
    wb.getWorksheet('按助手')!.eachRow(
      (row, i) => i > 1 && (byAssistant[String(row.getCell(1).value)] = row.getCell(6).value),
    )
    expect(byAssistant).toMatchObject({ 未能回答: 2, 帮助: 0 })
  })
})
