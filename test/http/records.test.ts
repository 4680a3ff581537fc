import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../src/db/client.js'
import { promptSteps, reportPrompts } from '../../src/db/schema.js'
import { insertUsage } from '../../src/db/usage.js'
import { ormOf } from '../helpers/orm.js'
import { call, type Harness, startHarness } from './setup.js'

/** The non-case endpoints: usage statistics, prompt tables, process data, Excel, the report placeholder. */

function prepare(db: Db): void {
  const usage = (nick: string, type: string, content: string, conv: string, date: string) =>
    insertUsage(db, {
      assistant_type: type,
      assistant_name: `助手${type}`,
      user_dd_nick: nick,
      consult_content: content,
      conversation_type: conv,
      dd_group_name: conv === '2' ? '销售一群' : null,
      use_time: `${date} 10:00:00`,
      use_date: date,
      intent: 'case',
      status: 'ok',
    })
  usage('张三', '4', '制造业 的客户案例', '1', '2026-11-01')
  usage('李四', '3', '银行 打单方案', '2', '2026-11-02')
  usage('张三', '1', '医药 采购记录', '2', '2026-11-03')
  usage('张三丰', '4', '银行 客户案例', '1', '2026-11-04')
  ormOf(db)
    .insert(promptSteps)
    .values([
      { version: '1.0', step_type: 'qymc', step_name: '企业名称', prompt: 'P1', step1: 's1' },
      { version: '1.0', step_type: 'qygs', step_name: '企业概述', prompt: 'P2' },
      { version: '2.0', step_type: 'qymc', step_name: '企业名称', prompt: 'P3' },
    ])
    .run()
  ormOf(db)
    .insert(reportPrompts)
    .values([
      { app_catalog: '报告', app_name: '年度培训报告解读', app_id: 'a1', order_index: 2, prompt: 'R1' },
      { app_catalog: '报告', app_name: '季度运营报告', app_id: 'a2', order_index: 1, prompt: 'R2' },
      { app_catalog: '图片', app_name: '海报解读', app_id: 'a3', order_index: 1, prompt: 'R3' },
    ])
    .run()
}

let h: Harness

beforeAll(async () => {
  h = await startHarness({ prepare })
})
afterAll(async () => {
  await h.close()
})

describe('AAndyUseRecordStatistics', () => {
  it('lists usage records newest first as {items, total}', async () => {
    const r = await call(h.base, 'AAndyUseRecordStatistics', {})
    expect(r.json.data.total).toBe(4)
    expect(r.json.data.items.map((i: { use_date: string }) => i.use_date)).toEqual([
      '2026-11-04',
      '2026-11-03',
      '2026-11-02',
      '2026-11-01',
    ])
    expect(r.json.data.items[1]).toMatchObject({
      assistant_type: '1',
      assistant_name: '助手1',
      user_dd_nick: '张三',
      conversation_type: '2',
      dd_group_name: '销售一群',
      use_time: '2026-11-03 10:00:00',
    })
  })

  it('filters exactly by nick, type and conversation type, and by words in the content', async () => {
    const total = async (p: Record<string, string>) =>
      (await call(h.base, 'AAndyUseRecordStatistics', p)).json.data.total
    expect(await total({ user_dd_nick: '张三' })).toBe(2)
    expect(await total({ assistant_type: '4' })).toBe(2)
    expect(await total({ conversation_type: '2' })).toBe(2)
    expect(await total({ consult_content: '银行' })).toBe(2)
    expect(await total({ consult_content: '银行', assistant_type: '4' })).toBe(1)
    const page2 = await call(h.base, 'AAndyUseRecordStatistics', { perpage: '3', page: '2' })
    expect(page2.json.data).toMatchObject({ total: 4 })
    expect(page2.json.data.items).toHaveLength(1)
  })
})

describe('prompt tables', () => {
  it('ALieBiaoAndypromptsteps needs version and filters by step_type', async () => {
    const v1 = await call(h.base, 'ALieBiaoAndypromptsteps', { version: '1.0' })
    expect(v1.json.data.zong_shu).toBe(2)
    expect(v1.json.data.lie_biao[0]).toMatchObject({
      version: '1.0',
      step_type: 'qymc',
      step_name: '企业名称',
      prompt: 'P1',
      step1: 's1',
      step12: null,
    })
    const one = await call(h.base, 'ALieBiaoAndypromptsteps', { version: '1.0', step_type: 'qygs' })
    expect(one.json.data.lie_biao.map((r: { prompt: string }) => r.prompt)).toEqual(['P2'])
  })

  it('ALieBiaoAndyReportPromts filters by catalog, id and name words, ordered by order_index', async () => {
    const cat = await call(h.base, 'ALieBiaoAndyReportPromts', { app_catalog: '报告' })
    expect(cat.json.data.lie_biao.map((r: { app_id: string }) => r.app_id)).toEqual(['a2', 'a1'])
    expect((await call(h.base, 'ALieBiaoAndyReportPromts', { app_name: '解读' })).json.data.zong_shu).toBe(2)
    expect((await call(h.base, 'ALieBiaoAndyReportPromts', { app_id: 'a3' })).json.data.lie_biao[0]).toMatchObject({
      app_name: '海报解读',
      order_index: 1,
    })
  })
})

describe('process data', () => {
  it('creates (operate_type 1), updates by id (2) and reads back by user_id', async () => {
    const created = await call(
      h.base,
      'ASaveAndyVardDtas',
      {
        user_id: 'u-1',
        user_name: '王五',
        enterprise_name: '某银行',
        block_index: '0',
        total_tokens: '1200',
        total_rmb: '0.35',
      },
      { method: 'POST' },
    )
    expect(created.json.ret).toBe(200)
    const id = created.json.data.id
    expect(created.json.data).toEqual({ id: expect.stringMatching(/^\d+$/), row_num: '1' })
    const second = await call(
      h.base,
      'ASaveAndyVardDtas',
      { user_id: 'u-1', block_index: '1', sys_activity_name: '活动A' },
      { method: 'POST', body: 'json' },
    )
    expect(second.json.data.id).not.toBe(id)
    const updated = await call(
      h.base,
      'ASaveAndyVardDtas',
      { operate_type: '2', id: String(id), sys_survey_report: '调研报告内容' },
      { method: 'POST' },
    )
    expect(updated.json.data).toEqual({ id, row_num: '1' })
    const got = await call(h.base, 'AGetAndyVarDatas', { user_id: 'u-1' })
    expect(got.json.data.datas).toHaveLength(2)
    expect(got.json.data.datas[0]).toMatchObject({
      id,
      user_name: '王五',
      enterprise_name: '某银行',
      sys_survey_report: '调研报告内容',
      total_tokens: '1200',
      total_rmb: '0.35',
      block_index: '0',
    })
    expect(got.json.data.datas[1]).toMatchObject({ sys_activity_name: '活动A', block_index: '1' })
    expect((await call(h.base, 'AGetAndyVarDatas', { user_id: 'nobody' })).json.data).toEqual({ datas: [] })
  })

  it('rejects an update without a valid id, and bad numbers', async () => {
    const noId = await call(h.base, 'ASaveAndyVardDtas', { operate_type: '2', user_name: 'x' })
    expect([noId.status, noId.json.ret]).toEqual([400, 400])
    expect(noId.json.msg).toContain('id')
    const missing = await call(h.base, 'ASaveAndyVardDtas', { operate_type: '2', id: '99999', user_name: 'x' })
    expect(missing.json.ret).toBe(404)
    expect(missing.json.msg).toContain('99999')
    expect((await call(h.base, 'ASaveAndyVardDtas', { operate_type: '3' })).json.msg).toContain('operate_type')
    expect((await call(h.base, 'ASaveAndyVardDtas', { id: 'abc', operate_type: '2' })).json.ret).toBe(400)
    expect((await call(h.base, 'ASaveAndyVardDtas', { total_tokens: 'lots' })).json.msg).toContain('total_tokens')
  })
})

describe('ABuildExcel', () => {
  it('returns base64 in data with as_base64=1; the workbook has every sheet, header and row', async () => {
    const sheets = [
      {
        name: '客户',
        columns: [
          { key: 'name', header: '客户名称' },
          { key: 'n', header: '人数', kind: 'number' },
          { key: 'url', header: '链接', kind: 'url' },
        ],
        rows: [
          { name: '甲', n: 5, url: 'https://x.example/a' },
          { name: '=危险', n: '7' },
        ],
      },
      {
        name: '数组行',
        rows: [
          ['a', 1],
          ['b', 2],
        ],
      },
      { name: '对象行', rows: [{ k: 'v', m: 1 }] },
    ]
    const r = await call(
      h.base,
      'ABuildExcel',
      { sheets: JSON.stringify(sheets), as_base64: '1', file_name: '报表' },
      { method: 'POST', body: 'json' },
    )
    expect(r.json.ret).toBe(200)
    expect(r.json.data).toMatchObject({
      file_name: '报表.xlsx',
      rows: 5,
      content_type: expect.stringContaining('spreadsheetml'),
    })
    const buf = Buffer.from(r.json.data.base64, 'base64')
    expect(buf.length).toBe(r.json.data.size)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(buf as unknown as ArrayBuffer)
    expect(wb.worksheets.map((w) => w.name)).toEqual(['客户', '数组行', '对象行'])
    const [a, b, c] = wb.worksheets
    expect(a!.getRow(1).values).toEqual([undefined, '客户名称', '人数', '链接'])
    expect(a!.getRow(2).getCell(2).value).toBe(5)
    expect(a!.getRow(3).getCell(1).value).toBe('=危险')
    expect(a!.getRow(3).getCell(2).value).toBe(7)
    expect(b!.getRow(1).values).toEqual([undefined, '列1', '列2'])
    expect(b!.getRow(3).values).toEqual([undefined, 'b', 2])
    expect(c!.getRow(1).values).toEqual([undefined, 'k', 'm'])
  })
})

describe('AJdyyReportData', () => {
  async function workbookBase64(): Promise<string> {
    const wb = new ExcelJS.Workbook()
    const ws = wb.addWorksheet('学习记录')
    ws.addRow(['学员', '部门', '课程名称', '学习时长（分钟）', '完成状态', '学习日期'])
    ws.addRow(['王一', '销售部', '客户沟通技巧', 60, '已完成', '2026-11-02'])
    ws.addRow(['王二', '销售部', '产品知识', 30, '学习中', '2026-11-03'])
    ws.addRow(['李一', '研发部', '信息安全', 0, '未开始', ''])
    return Buffer.from(await wb.xlsx.writeBuffer()).toString('base64')
  }

  it('builds the stage report from a base64 workbook: metrics and markdown', async () => {
    const r = await call(
      h.base,
      'AJdyyReportData',
      { input_type: '1', file_base64: await workbookBase64(), file_name: '学习记录.xlsx' },
      { method: 'POST', body: 'json' },
    )
    expect([r.status, r.json.ret]).toEqual([200, 200])
    const d = r.json.data as {
      metrics: { learners: number; participants: number; completed: number; records: number }
      markdown: string
      narrative: string
      webhook_posted: boolean
    }
    expect(d.metrics).toMatchObject({ records: 3, learners: 3, participants: 2, completed: 1 })
    expect(d.markdown).toContain('阶段运营报告')
    expect(d.narrative).toBe('plain')
    expect(d.webhook_posted).toBe(false)
  })

  it('answers 4xx with a helpful msg for a missing file, an unsupported input_type or an unreadable file', async () => {
    const none = await call(h.base, 'AJdyyReportData', { input_type: '1' })
    expect([none.status, none.json.ret]).toEqual([400, 400])
    expect(none.json.msg).toContain('file_base64')
    const type2 = await call(
      h.base,
      'AJdyyReportData',
      { input_type: '2', file_base64: await workbookBase64() },
      { method: 'POST', body: 'json' },
    )
    expect(type2.json.ret).toBe(400)
    expect(type2.json.msg).toContain('input_type=2')
    const junk = await call(
      h.base,
      'AJdyyReportData',
      { file_base64: Buffer.from('not a workbook').toString('base64'), file_name: 'x.xlsx' },
      { method: 'POST', body: 'json' },
    )
    expect(junk.json.ret).toBe(400)
  })
})
