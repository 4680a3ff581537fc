import ExcelJS from 'exceljs'
import { afterEach, describe, expect, it } from 'vitest'
import { openDb } from '../../src/db/client.js'
import { workbook } from '../helpers/admin-files.js'
import { type E2eBot, e2eBot, markdownOf, until } from '../helpers/e2e-bot.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'
import { robotFilePayload } from '../helpers/file-messages.js'

/**
 * Issue 11.8–9, as `andy start` runs: an admin (ANDY_ADMIN_STAFF_IDS) sends a spreadsheet in a 1:1 chat
 * through the real dingtalk-stream client and the fake gateway; the file is downloaded from the fake
 * OpenAPI; replies go to the sessionWebhook; the problems workbook through media/upload + batchSend.
 */

let env: E2eBot | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

async function setup(): Promise<E2eBot> {
  env = await e2eBot({ env: { ANDY_ADMIN_STAFF_IDS: 'admin1', LOG_LEVEL: 'warn' } })
  await env.start()
  return env
}

const dm = (e: E2eBot, msgId: string, staff = 'admin1') => ({
  msgId,
  conversationType: '1' as const,
  conversationId: `cid-dm-${staff}`,
  senderStaffId: staff,
  sessionWebhook: e.sink.url(`/${msgId}`),
})
const repliesTo = (e: E2eBot, msgId: string) =>
  e.sink.requests.filter((r) => r.path === `/${msgId}`).map((r) => markdownOf(r.body))

async function say(e: E2eBot, msgId: string, text: string, staff?: string): Promise<string> {
  await e.gateway.sendRobotMessage(robotTextPayload({ ...dm(e, msgId, staff), text }))
  await until(() => repliesTo(e, msgId).length > 0, `the reply to ${text}`)
  return repliesTo(e, msgId).join('\n')
}

async function send(e: E2eBot, msgId: string, fileName: string, bytes: Buffer, staff?: string): Promise<string> {
  e.openapi.addDownload(`code-${msgId}`, bytes, { fileName })
  await e.gateway.sendRobotMessage(
    robotFilePayload({ ...dm(e, msgId, staff), downloadCode: `code-${msgId}`, fileName }),
  )
  await until(() => repliesTo(e, msgId).length > 0, `the reply to ${fileName}`)
  return repliesTo(e, msgId).join('\n')
}

const CASES = () =>
  workbook([
    { name: '填写说明', rows: [['客户名称必填']] },
    {
      name: '案例',
      rows: [
        [{ merged: '2024 客户成功案例' }],
        ['客户名称', '案例名称', '行业', '人员规模', '案例时间', '备注'],
        ['星河量子计算研究院', '量子新员工项目', '科技', '约3000人', '2024-05', '内部'],
        ['星河量子计算研究院', '量子新员工项目', '科技', '3000人', '2024-05', ''],
        ['云岭茶业集团', '茶业中层项目', '零售', '待定', '2023', ''],
      ],
    },
  ])

describe('import from DingTalk', () => {
  it('admin: file → dry-run report → 确认导入 → summary, problems workbook, and search finds the rows at once', async () => {
    const e = await setup()
    const before = await say(e, 'q0', '星河量子 客户案例')
    expect(before).toContain('找到 0 条')

    const dry = await send(e, 'f1', '客户案例.xlsx', await CASES())
    expect(dry).toContain('内容客户案例')
    expect(dry).toContain('试导入')
    expect(dry).toContain('工作表「案例」')
    expect(dry).toMatch(/新增 1 · 更新 0 · 未变 0 · 合并 1 · 跳过 1/)
    expect(dry).toContain('确认导入')
    const db = openDb(e.dbPath)
    const count = () =>
      (
        db.sqlite.prepare("SELECT count(*) AS n FROM content_cases WHERE kh_name = '星河量子计算研究院'").get() as {
          n: number
        }
      ).n
    expect(count()).toBe(0)

    const done = await say(e, 'c1', '确认导入')
    expect(done).toContain('已导入')
    expect(done).toMatch(/新增 1 .* 合并 1 · 跳过 1/)
    expect(count()).toBe(1)
    await until(() => e.openapi.sends.length >= 1, 'the problems workbook')
    expect(e.openapi.sends[0]).toMatchObject({ kind: 'oto', userIds: ['admin1'], msgKey: 'sampleFile' })
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(e.openapi.uploads[0]!.bytes as unknown as ArrayBuffer)
    const reasons = wb.getWorksheet('问题')!.getColumn(6).values.map(String).join('\n')
    expect(reasons).toContain('「待定」不是人员规模')

    const after = await say(e, 'q1', '星河量子 客户案例')
    expect(after).toContain('找到 1 条')
    expect(after).toContain('星河量子计算研究院')
    db.close()
  })

  it('admin: 取消 drops the file; 确认导入 afterwards has nothing to import', async () => {
    const e = await setup()
    await send(e, 'f2', 'cases.xlsx', await CASES())
    expect(await say(e, 'x2', '取消')).toContain('不导入了')
    expect(await say(e, 'c2', '确认导入')).toContain('没有等待确认的导入')
    const db = openDb(e.dbPath)
    expect(
      (db.sqlite.prepare("SELECT count(*) AS n FROM content_cases WHERE kh_name LIKE '星河%'").get() as { n: number })
        .n,
    ).toBe(0)
    db.close()
  })

  it('a file for the wrong table after 「导入 客户案例」 is refused, naming the table it fits; 「导入 竞对切换」 then checks it against that one', async () => {
    const e = await setup()
    expect(await say(e, 'a3', '导入 客户案例')).toContain('「内容客户案例」的 Excel 或 CSV')
    const csv = Buffer.from('客户名称,地区,竞品名称,替换年份,替换原因\n北辰重工,江苏,学邦云,2023,贵\n')
    const refused = await send(e, 'f3', 'switches.csv', csv)
    expect(refused).toContain('不像「内容客户案例」的表')
    expect(refused).toContain('导入 平台竞对切换案例')
    const dry = await say(e, 'a4', '导入 平台竞对切换案例')
    expect(dry).toMatch(/平台竞对切换案例.*试导入/)
    expect(await say(e, 'c4', '确认导入')).toMatch(/新增 1/)
  })

  it('non-admins get a polite refusal; 导入 alone explains how; 数据体检 for admins', async () => {
    const e = await setup()
    expect(await say(e, 'n1', '导入 客户案例', 'rep9')).toContain('只对管理员开放')
    expect(await send(e, 'n2', 'cases.xlsx', await CASES(), 'rep9')).toContain('只对管理员开放')
    expect(await say(e, 'n3', '数据体检', 'rep9')).toContain('只对管理员开放')
    // An admin's spreadsheet that is no case table (and no 导入 before it) is a report to interpret.
    const notes = await send(
      e,
      'r1',
      '会议纪要.txt',
      Buffer.from('本周培训复盘：完课率 82%，满意度 4.6。\n下周计划：中层领导力第二期。\n'),
    )
    expect(notes).toContain('《会议纪要.txt》')
    expect(notes).not.toContain('试导入')
    expect(await say(e, 'h1', '导入')).toContain('单聊')
    const check = await say(e, 'd1', '数据体检')
    expect(check).toContain('数据体检')
    await until(() => e.openapi.sends.length >= 1, 'the health workbook')
    expect(e.openapi.uploads[0]!.fileName).toMatch(/^数据体检-.*\.xlsx$/)
  })
})
