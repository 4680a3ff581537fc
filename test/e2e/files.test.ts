import ExcelJS from 'exceljs'
import { afterEach, describe, expect, it } from 'vitest'
import { makeDocx, makePdf, makePng, makePptx, makeXlsx } from '../helpers/documents.js'
import { type E2eBot, e2eBot, markdownOf, until } from '../helpers/e2e-bot.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'
import { type ChatBody, FakeOpenAI } from '../helpers/fake-openai.js'
import { PATHS } from '../helpers/fake-openapi.js'
import { robotFilePayload, robotPicturePayload, robotRichTextPayload } from '../helpers/file-messages.js'

/**
 * Files in, Excel out, as `andy start` runs: robot callbacks with files and pictures through the real
 * dingtalk-stream client and the fake gateway; downloads by downloadCode from the fake OpenAPI; the
 * document or picture to the real openai client against the fake model; replies through the
 * sessionWebhook; 导出 as media/upload (multipart) + sampleFile to the same group or 1:1 chat.
 */

let env: E2eBot | undefined
let llm: FakeOpenAI | undefined
afterEach(async () => {
  await env?.close()
  await llm?.close()
  env = undefined
  llm = undefined
})

type Part = { type: string; text?: string; image_url?: { url: string } }
const userText = (b: ChatBody) =>
  b.messages
    .filter((m) => m.role === 'user')
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
    .join('\n')

async function setup(): Promise<{ e: E2eBot; fake: FakeOpenAI }> {
  const fake = await FakeOpenAI.start({
    handler: (b) => {
      const user = b.messages.find((m) => m.role === 'user')!
      if (Array.isArray(user.content))
        return `看图回答：${(user.content as Part[]).find((p) => p.type === 'text')?.text}`
      const app = /以下是客户的「(.+?)」/.exec(userText(b))?.[1]
      return app ? `【${app}】第一步结论` : '下一步'
    },
  })
  llm = fake
  env = await e2eBot({
    env: {
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: fake.baseUrl,
      LLM_MODEL: 'fake-model',
      LLM_VISION_MODEL: 'fake-vl',
      LLM_TIMEOUT_MS: '60000',
      LOG_LEVEL: 'warn',
    },
  })
  return { e: env, fake }
}

const direct = (e: E2eBot, msgId: string) => ({
  msgId,
  conversationType: '1' as const,
  conversationId: 'cid-dm-rep7',
  senderStaffId: 'rep7',
  sessionWebhook: e.sink.url(`/${msgId}`),
})
const group = (e: E2eBot, msgId: string) => ({
  msgId,
  conversationType: '2' as const,
  conversationId: 'cid-group-sales',
  senderStaffId: 'rep8',
  sessionWebhook: e.sink.url(`/${msgId}`),
})
const repliesTo = (e: E2eBot, msgId: string) =>
  e.sink.requests.filter((r) => r.path === `/${msgId}`).map((r) => markdownOf(r.body))

describe('files through the stream bot', () => {
  it('interprets PDF, DOCX, XLSX, PPTX and TXT files sent in a 1:1 chat', async () => {
    const { e, fake } = await setup()
    await e.start()
    const files: Array<[string, string, Buffer, string, string]> = [
      [
        'm-pdf',
        '客户满意度调研.pdf',
        await makePdf(2, (p) => [`Survey page ${p}: overall 4.6`]),
        '培训满意度调研报告',
        'Survey page 2: overall 4.6',
      ],
      [
        'm-docx',
        '人才盘点结果.docx',
        await makeDocx([{ heading: '盘点结论' }, { para: '高潜人才 12 人，占 8%。' }]),
        '人才盘点报告',
        '高潜人才 12 人',
      ],
      [
        'm-xlsx',
        '学习数据分析.xlsx',
        await makeXlsx([
          {
            name: '完课',
            rows: [
              ['部门', '完课率'],
              ['销售部', 0.72],
            ],
          },
        ]),
        '学习数据分析报告',
        '销售部 | 0.72',
      ],
      [
        'm-pptx',
        '培训效果评估汇报.pptx',
        await makePptx([{ title: '柯氏四级评估', bullets: ['行为改变率 63%'] }]),
        '培训效果评估报告',
        '行为改变率 63%',
      ],
      [
        'm-txt',
        '满意度调研纪要.txt',
        Buffer.from('总体满意度 4.6 分；讲师 4.8 分。\n'),
        '培训满意度调研报告',
        '讲师 4.8 分',
      ],
    ]
    for (const [msgId, name, bytes, app, snippet] of files) {
      e.openapi.addDownload(`code-${msgId}`, bytes, { fileName: name })
      const ack = await e.gateway.sendRobotMessage(
        robotFilePayload({ ...direct(e, msgId), downloadCode: `code-${msgId}`, fileName: name }),
      )
      expect(ack.frame.code).toBe(200)
      await until(() => repliesTo(e, msgId).some((t) => t.includes('本次用量')), `the interpretation of ${name}`)
      const out = repliesTo(e, msgId).join('\n')
      expect(out).toContain(`**《${name}》**`)
      expect(out).toContain(`【${app}】第一步结论`)
      expect(
        fake.requests.some((r) => userText(r.body).includes(`「${app}」`) && userText(r.body).includes(snippet)),
      ).toBe(true)
    }
    expect(e.openapi.count(PATHS.download)).toBe(files.length)
  })

  it('answers a picture in a group with the vision model, and explains an expired download code', async () => {
    const { e, fake } = await setup()
    await e.start()
    const png = makePng(16, 16)
    e.openapi.addDownload('pic-1', png)
    await e.gateway.sendRobotMessage(
      robotRichTextPayload({ ...group(e, 'm-pic'), text: '图里哪个部门最低？', downloadCode: 'pic-1' }),
    )
    await until(() => repliesTo(e, 'm-pic').length > 0, 'the picture answer')
    expect(repliesTo(e, 'm-pic')[0]).toContain('看图回答：图里哪个部门最低？')
    const req = fake.requests.find((r) => r.body.model === 'fake-vl')!
    const parts = req.body.messages.find((m) => m.role === 'user')!.content as unknown as Part[]
    expect(parts[0]!.image_url!.url).toBe(`data:image/png;base64,${png.toString('base64')}`)

    await e.gateway.sendRobotMessage(robotPicturePayload({ ...group(e, 'm-old'), downloadCode: 'expired-code' }))
    await until(() => repliesTo(e, 'm-old').length > 0, 'the expired-code reply')
    expect(repliesTo(e, 'm-old')[0]).toContain('下载链接已经过期')
  })

  it('导出 in a group: uploads the xlsx (multipart media + type) and sends sampleFile to the same group', async () => {
    const { e } = await setup()
    await e.start()
    await e.gateway.sendRobotMessage(robotTextPayload({ ...group(e, 'm-search'), text: '制造业 客户案例' }))
    await until(() => repliesTo(e, 'm-search').length > 0, 'the search reply')
    expect(repliesTo(e, 'm-search')[0]).toContain('内容客户案例：找到 4 条')
    await e.gateway.sendRobotMessage(robotTextPayload({ ...group(e, 'm-export'), text: '导出' }))
    await until(() => e.openapi.sends.length >= 1, 'the file send')
    expect(repliesTo(e, 'm-export')[0]).toContain('已导出「制造业 客户案例」的全部 **4** 条内容客户案例')
    expect(e.openapi.uploads).toHaveLength(1)
    const up = e.openapi.uploads[0]!
    expect(up.type).toBe('file')
    expect(up.fileName).toMatch(/^内容客户案例-\d{8}-\d{4}\.xlsx$/)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(up.bytes as unknown as ArrayBuffer)
    expect(wb.getWorksheet('结果')!.rowCount).toBe(5)
    expect(wb.getWorksheet('查询条件')!.getRow(2).values).toEqual([undefined, '查询语句', '制造业 客户案例'])
    const send = e.openapi.sends[0]!
    expect(send).toMatchObject({ kind: 'group', openConversationId: 'cid-group-sales', msgKey: 'sampleFile' })
    expect(send.msgParam).toEqual({ mediaId: up.mediaId, fileName: up.fileName, fileType: 'xlsx' })
  })

  it('导出 in a 1:1 chat goes to the sender through oToMessages/batchSend', async () => {
    const { e } = await setup()
    await e.start()
    await e.gateway.sendRobotMessage(robotTextPayload({ ...direct(e, 'd-search'), text: '金融 客户案例' }))
    await until(() => repliesTo(e, 'd-search').length > 0, 'the search reply')
    await e.gateway.sendRobotMessage(robotTextPayload({ ...direct(e, 'd-export'), text: '导出' }))
    await until(() => e.openapi.sends.length >= 1, 'the file send')
    const send = e.openapi.sends[0]!
    expect(send).toMatchObject({ kind: 'oto', userIds: ['rep7'], msgKey: 'sampleFile' })
    expect(send.msgParam.mediaId).toBe(e.openapi.uploads[0]!.mediaId)
    expect(String(send.msgParam.fileName)).toMatch(/\.xlsx$/)
  })
})
