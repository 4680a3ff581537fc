import { createHmac } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InboundEnvelope } from '../../src/core/message.js'
import { openDb } from '../../src/db/client.js'
import { storesOf } from '../../src/db/stores/index.js'
import { buildOpsReport, postOpsReport } from '../../src/ops-report/build.js'
import { OpsReportError } from '../../src/ops-report/errors.js'
import { recordedNarrativeLlm } from '../../src/ops-report/ledger.js'
import { createOpenAiLlmClient } from '../../src/services/llm.js'
import { DingtalkApi } from '../../src/transport/dingtalk-api.js'
import { xlsxBomb } from '../helpers/bombs.js'
import { FakeOpenAI } from '../helpers/fake-openai.js'
import { FakeOpenApi } from '../helpers/fake-openapi.js'
import { createTestApp, DEFAULT_USER, silentLogger, type TestApp, tempDir } from '../helpers/test-app.js'
import { WebhookSink } from '../helpers/webhook-sink.js'

/**
 * A generated learning-record workbook (input_type 1, kng) with known answers:
 * 销售部 4 learners, 研发部 4, 人力部 2 (+1 enrolled, never started); 3 courses; two weeks.
 */

const NOW = Date.parse('2026-11-28T02:00:00Z')
type Rec = [
  learner: string,
  id: string,
  dept: string,
  course: string,
  minutes: number | string,
  status: string,
  date: string | Date,
]

export const RECORDS: Rec[] = [
  // 销售部: every assignment done
  ['王一', 'S1', '销售部', '客户沟通技巧', 60, '已完成', '2026-11-02'],
  ['王一', 'S1', '销售部', '产品知识', 30, '已完成', '2026-11-03'],
  ['王二', 'S2', '销售部', '客户沟通技巧', 45, '已完成', '2026-11-04'],
  ['王三', 'S3', '销售部', '客户沟通技巧', 90, '已完成', '2026-11-10'],
  ['王四', 'S4', '销售部', '产品知识', 15, '已完成', '2026-11-11'],
  // 研发部: half done
  ['李一', 'R1', '研发部', '信息安全', 30, '已完成', '2026-11-02'],
  ['李二', 'R2', '研发部', '信息安全', 20, '学习中', '2026-11-05'],
  ['李三', 'R3', '研发部', '信息安全', 40, '已完成', '2026-11-12'],
  ['李四', 'R4', '研发部', '产品知识', 10, '未完成', '2026-11-13'],
  // 人力部: one done, one started, one never started
  ['张一', 'H1', '人力部', '信息安全', 120, '已完成', new Date('2026-11-09T00:00:00Z')],
  ['张二', 'H2', '人力部', '信息安全', 0, '未开始', ''],
  ['张三', 'H3', '人力部', '产品知识', 20, '学习中', '2026/11/14'],
]

async function writeInput(
  path: string,
  headers = ['学员', '工号', '部门', '课程名称', '学习时长（分钟）', '完成状态', '学习日期'],
  rows: ReadonlyArray<ReadonlyArray<unknown>> = RECORDS,
): Promise<void> {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('学习记录')
  ws.addRow(headers)
  for (const r of rows) ws.addRow([...r])
  await wb.xlsx.writeFile(path)
}

let tmp: ReturnType<typeof tempDir>
let input: string

beforeAll(async () => {
  tmp = tempDir('andy-ops-')
  input = join(tmp.dir, '华东客户学习记录.xlsx')
  await writeInput(input)
})
afterAll(() => tmp.cleanup())

describe('buildOpsReport (input_type 1, kng)', () => {
  it('should compute participation, completion, hours by department and course, and weekly trends', async () => {
    const r = await buildOpsReport({ file: input, now: NOW })
    const m = r.metrics
    expect(m).toMatchObject({
      records: 12,
      learners: 11,
      participants: 10,
      completed: 8,
      learnersAllDone: 7,
      from: '2026-11-02',
      to: '2026-11-14',
    })
    expect(m.participationRate).toBeCloseTo(10 / 11, 4)
    expect(m.completionRate).toBeCloseTo(8 / 12, 4)
    expect(m.hours).toBe(8) // 480 minutes
    const dept = Object.fromEntries(m.departments.map((d) => [d.name, d]))
    expect(dept['销售部']).toMatchObject({ learners: 4, completed: 5, completionRate: 1, hours: 4 })
    expect(dept['研发部']).toMatchObject({ learners: 4, completed: 2, completionRate: 0.5, hours: 1.7 })
    expect(dept['人力部']).toMatchObject({ learners: 3, participants: 2, completed: 1, hours: 2.3 })
    expect(m.topDepartments[0]!.name).toBe('销售部')
    expect(m.bottomDepartments[0]!.name).toBe('人力部')
    expect(m.courses.map((c) => [c.name, c.learners])).toEqual([
      ['信息安全', 5],
      ['产品知识', 4],
      ['客户沟通技巧', 3],
    ])
    expect(m.weeks.map((w) => [w.week, w.records, w.hours])).toEqual([
      ['2026-11-02', 5, 3.1],
      ['2026-11-09', 6, 4.9],
    ])
    expect(r.narrative.source).toBe('plain')
    expect(r.markdown).toContain('学员 **11** 人，参与 **10** 人（90.9%）')
    expect(r.markdown).toContain('完成率 **66.7%**')
    expect(r.markdown).toContain('**整体表现**')
    expect(r.markdown).toContain('1. 销售部：完成率 100%')
    expect(r.markdown).not.toMatch(/\|.*\|/)
  })

  it('should render the chart and the workbook', async () => {
    const r = await buildOpsReport({ file: input, now: NOW })
    const png = r.chartPng()
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([960, 1080])
    const out = join(tmp.dir, 'report.xlsx')
    await r.writeWorkbook(out)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(out)
    expect(wb.worksheets.map((w) => w.name)).toEqual(['概览', '按部门', '按课程', '按周', '明细', '数据问题'])
    expect(wb.getWorksheet('明细')!.rowCount).toBe(13)
    let hours = 0
    wb.getWorksheet('按部门')!.eachRow((row, i) => i > 1 && (hours += Number(row.getCell(8).value)))
    expect(hours).toBeCloseTo(8, 0)
  })

  it('should accept other header spellings: 姓名, 学习时长(小时), 是否完成, and a CSV file', async () => {
    const csv = join(tmp.dir, 'records.csv')
    writeFileSync(
      csv,
      '\uFEFF姓名,所属部门,课程,学习时长(小时),是否完成\n甲,A部,课1,1.5,是\n乙,A部,课1,0.5,否\n丙,B部,课2,1小时30分,1\n',
    )
    const r = await buildOpsReport({ file: csv, now: NOW })
    expect(r.metrics).toMatchObject({ learners: 3, completed: 2, hours: 3.5 })
    const buf = readFileSync(csv)
    const fromBuffer = await buildOpsReport({ buffer: buf, fileName: 'x.csv', now: NOW })
    expect(fromBuffer.metrics.hours).toBe(3.5)
  })

  it('should explain what is missing or unsupported, in Chinese', async () => {
    const bad = join(tmp.dir, 'bad.xlsx')
    await writeInput(bad, ['姓名', '部门', '备注'], [['甲', 'A', 'x']])
    await expect(buildOpsReport({ file: bad, now: NOW })).rejects.toThrow(/缺少列：课程、学习时长/)
    await expect(buildOpsReport({ file: input, inputType: '2', now: NOW })).rejects.toBeInstanceOf(OpsReportError)
    await expect(buildOpsReport({ buffer: Buffer.from('x'), fileName: 'a.pdf', now: NOW })).rejects.toThrow(
      /只支持 .xlsx 和 .csv/,
    )
  })
})

describe('the narrative by the LLM', () => {
  let fake: FakeOpenAI
  beforeAll(async () => {
    fake = await FakeOpenAI.start({
      handler: () =>
        '**整体表现** 参与率 90.9%，销售部全部完成。\n\n**亮点与问题** 人力部需要跟进。\n\n**下阶段建议** 提醒未开始的学员。',
    })
  })
  afterAll(() => fake.close())
  const llm = () =>
    createOpenAiLlmClient({
      apiKey: 'sk-test',
      baseUrl: fake.baseUrl,
      model: 'fake-model',
      prices: { inputPerMTok: 2, outputPerMTok: 8 },
      timeoutMs: 5000,
      maxRetries: 0,
    })

  it('should give the model the computed metrics and use its text', async () => {
    const r = await buildOpsReport({ file: input, now: NOW, llm: llm() })
    expect(r.narrative.source).toBe('llm')
    expect(r.markdown).toContain('人力部需要跟进')
    expect(r.markdown).toContain('学员 **11** 人') // numbers still computed, not written by the model
    const sent = fake.requests.at(-1)!.body.messages.find((m) => m.role === 'user')!.content
    expect(JSON.parse(sent)).toMatchObject({
      学员数: 11,
      参与人数: 10,
      参与率: '90.9%',
      完成率: '66.7%',
      总学习小时: 8,
    })
    expect(r.narrative.tokens).toBeGreaterThan(0)
  })

  it('should fall back to the plain summary when the model fails, and say so', async () => {
    fake.enqueue({ status: 500 })
    const r = await buildOpsReport({ file: input, now: NOW, llm: llm() })
    expect(r.narrative).toMatchObject({ source: 'plain' })
    expect(r.narrative.error).toBeDefined()
    expect(r.markdown).toContain('AI 解读暂时不可用')
    expect(r.markdown).toContain('**整体表现** 本阶段（2026-11-02 至 2026-11-14）共 11 名学员')
  })

  it('records the calls of andy ops-report and AJdyyReportData in llm_calls, also a failed one', async () => {
    const db = openDb(':memory:')
    try {
      const calls = storesOf({ db }).llm.calls
      const recorded = recordedNarrativeLlm(llm(), calls, { userId: 'api', now: () => NOW, onError: () => {} })
      const ok = await buildOpsReport({ file: input, now: NOW, llm: recorded })
      fake.enqueue({ status: 500 })
      await buildOpsReport({ file: input, now: NOW, llm: recorded })
      const rows = await calls.list({ userId: 'api' })
      expect(rows.map((c) => [c.intent, c.model, c.status])).toEqual([
        ['ops-report', 'fake-model', 'ok'],
        ['ops-report', 'fake-model', 'error'],
      ])
      expect(rows[0]!.cost_rmb).toBeCloseTo(ok.narrative.costRmb!, 9)
      expect(rows[0]!.tokens_in + rows[0]!.tokens_out).toBe(ok.narrative.tokens)
      expect(rows[1]!.error).toContain('500')
    } finally {
      db.close()
    }
  })
})

describe('posting to a custom-robot webhook', () => {
  let sink: WebhookSink
  beforeAll(async () => {
    sink = await WebhookSink.start()
  })
  afterAll(() => sink.close())

  it('should sign the URL with the SEC secret (timestamp + "\\n" + secret, HmacSHA256, base64)', async () => {
    const secret = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd'
    const r = await buildOpsReport({ file: input, now: NOW })
    const at = 1_795_000_000_123
    await postOpsReport(r, sink.url('/robot/send?access_token=tok123'), { secret, now: () => at })
    const req = sink.requests.at(-1)!
    const url = new URL(req.path, 'http://x')
    expect(url.searchParams.get('access_token')).toBe('tok123')
    expect(url.searchParams.get('timestamp')).toBe(String(at))
    const expected = createHmac('sha256', secret).update(`${at}\n${secret}`).digest('base64')
    expect(url.searchParams.get('sign')).toBe(expected)
    expect(req.path).toContain(`sign=${encodeURIComponent(expected)}`)
    expect(req.body).toMatchObject({ msgtype: 'markdown', markdown: { title: '阶段运营报告', text: r.markdown } })
  })

  it("should post unsigned without a secret and report DingTalk's errcode", async () => {
    const r = await buildOpsReport({ file: input, now: NOW })
    await postOpsReport(r, sink.url('/robot/send?access_token=t'))
    expect(new URL(sink.requests.at(-1)!.path, 'http://x').searchParams.has('sign')).toBe(false)
    sink.respondNext({ errcode: 310000, errmsg: 'sign not match' })
    await expect(postOpsReport(r, sink.url('/robot/send?access_token=t'), { secret: 'SECwrong' })).rejects.toThrow(
      /310000.*签名/,
    )
    await expect(postOpsReport(r, sink.url('/x'), { secret: 'not-a-sec' })).rejects.toThrow(/SEC/)
  })
})

describe('运营报告 in chat', () => {
  let api: FakeOpenApi
  let app: TestApp
  let now = Date.parse('2026-11-28T02:00:00Z')
  let n = 0
  const send = (message: Record<string, unknown>) => {
    const msg = {
      msgId: `ops-${++n}`,
      conversationId: 'cid-dm-u1',
      conversationType: '1',
      senderStaffId: 'u1',
      senderNick: '小王',
      ...message,
    }
    return app.app.handleNow({
      source: 'local',
      robotCode: 'andy-local',
      message: msg as InboundEnvelope['message'],
      raw: JSON.stringify(msg),
    })
  }
  const fileMsg = (fileName: string, downloadCode: string) => ({ msgtype: 'file', content: { downloadCode, fileName } })

  beforeAll(async () => {
    api = await FakeOpenApi.start()
    const dingtalk = new DingtalkApi({
      clientId: api.clientId,
      clientSecret: api.clientSecret,
      robotCode: 'andy-local',
      apiBase: api.base,
      oapiBase: api.base,
      logger: silentLogger,
      qpsPerPath: 1000,
      retry: { attempts: 1 },
    })
    app = createTestApp({
      user: DEFAULT_USER,
      env: { DB_PATH: join(tmp.dir, 'chat.db') },
      clock: { now: () => now },
      extraDeps: { dingtalk },
    })
    const bytes = readFileSync(input)
    api.addDownload('dc-named', bytes, { fileName: '华东客户运营报告.xlsx' })
    api.addDownload('dc-plain', bytes, { fileName: '学习记录导出.xlsx' })
    api.addDownload('dc-corrupt', Buffer.from('PK\u0003\u0004 cut off in the middle of the download'), {
      fileName: '坏的运营报告.xlsx',
    })
    api.addDownload('dc-bomb', xlsxBomb(), { fileName: '炸弹运营报告.xlsx' })
  })
  afterAll(async () => {
    await app.close()
    await api.close()
  })

  it('should build the report from a file whose name says 运营报告: markdown, chart and workbook', async () => {
    const before = app.local.parts.length
    const r = await send(fileMsg('华东客户运营报告.xlsx', 'dc-named'))
    expect(r.intent).toBe('ops-report')
    const parts = app.local.parts.slice(before).map((p) => p.part)
    expect(parts.map((p) => p.kind)).toEqual(['markdown', 'image', 'file'])
    expect(parts[0]!.body).toContain('学员 **11** 人，参与 **10** 人（90.9%）')
    expect(JSON.parse(parts[2]!.body)).toMatchObject({ fileName: '华东客户运营报告-运营报告.xlsx', fileType: 'xlsx' })
    const png = readFileSync(JSON.parse(parts[1]!.body).path as string)
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG')
  })

  it('should answer a damaged workbook in Chinese (no library error), and refuse a zip bomb as a failed message', async () => {
    const bad = await send(fileMsg('坏的运营报告.xlsx', 'dc-corrupt'))
    expect(bad.replies).toEqual([
      '「坏的运营报告.xlsx」打不开：文件已损坏，或不是它的扩展名所说的格式（例如改了扩展名的文件）。请用 Excel/Word/WPS 打开后重新另存一份再试。',
    ])
    expect(bad.status).toBe('rejected')
    const bomb = await send(fileMsg('炸弹运营报告.xlsx', 'dc-bomb'))
    expect(bomb.replies[0]).toContain('「炸弹运营报告.xlsx」其中的「xl/worksheets/sheet1.xml」解压后超过 100 MB')
    expect(bomb.status).toBe('failed')
    expect(bomb.error).toBe('ops_report_too_large')
  })

  it('should take any .xlsx sent within 10 minutes after the text 运营报告, and only then', async () => {
    const help = await send({ msgtype: 'text', text: { content: '运营报告' } })
    expect(help.intent).toBe('ops-report')
    expect(help.replies.join('')).toContain('学员/姓名、课程/课程名称')
    now += 5 * 60_000
    const r = await send(fileMsg('学习记录导出.xlsx', 'dc-plain'))
    expect(r.intent).toBe('ops-report')
    expect(r.replies[0]).toContain('完成率 **66.7%**')
    now += 11 * 60_000
    const late = await send(fileMsg('学习记录导出.xlsx', 'dc-plain'))
    expect(late.intent).not.toBe('ops-report')
  })
})
