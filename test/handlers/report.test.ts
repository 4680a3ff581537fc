import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import { llmCalls } from '../../src/db/llm-calls.js'
import { getState } from '../../src/db/state.js'
import { estimateTokens } from '../../src/services/llm.js'
import { DingtalkApi } from '../../src/transport/dingtalk-api.js'
import { makeDocx, makePdf, makePptx, makeScannedPdf, makeXlsx } from '../helpers/documents.js'
import { type ChatBody, FakeOpenAI } from '../helpers/fake-openai.js'
import { FakeOpenApi, PATHS } from '../helpers/fake-openapi.js'
import { localAttachment } from '../helpers/file-messages.js'
import { createTestApp, DEFAULT_USER, silentLogger, type TestApp } from '../helpers/test-app.js'

/**
 * 报告解读 through the real app (router, handlers, SQLite, default report prompts from data/prompts/), the
 * real DingTalk client against the fake OpenAPI (files served by download code) and the real openai
 * client against the fake model.
 */

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const userText = (b: ChatBody) =>
  b.messages
    .filter((m) => m.role === 'user')
    .map((m) => String(m.content))
    .join('\n')

/** The fake model: condensing calls get "要点…", step N of an app gets "STEP-N". */
function answer(b: ChatBody): string {
  const u = userText(b)
  if (u.includes('较长材料的第')) return `要点：${/第 (\d+)\/(\d+) 部分/.exec(u)?.[0] ?? ''}`
  if (u.includes('核心结论') || u.includes('概括')) return 'STEP-1 完课率 87%'
  if (u.includes('STEP-1')) return 'STEP-2 问题分析'
  if (u.includes('STEP-2')) return 'STEP-3 改进建议'
  return 'OTHER'
}

async function setup(o: { llm?: boolean; env?: Record<string, string> } = {}) {
  const api = await FakeOpenApi.start()
  const fake = await FakeOpenAI.start({ handler: answer })
  cleanups.push(
    () => api.close(),
    () => fake.close(),
  )
  const dingtalk = new DingtalkApi({
    clientId: api.clientId,
    clientSecret: api.clientSecret,
    apiBase: api.base,
    oapiBase: api.base,
    logger: silentLogger,
    retry: { attempts: 1 },
  })
  const t = createTestApp({
    clock: systemClock,
    user: DEFAULT_USER,
    fake: o.llm === false ? undefined : fake,
    env: o.env,
    extraDeps: { dingtalk },
  })
  cleanups.push(() => t.close())
  const sendFile = (code: string, fileName: string, text?: string) =>
    t.app.handleNow(localAttachment('file', { downloadCode: code, fileName, text }))
  return { api, fake, t, sendFile }
}

const replies = (t: TestApp) => t.local.parts.map((p) => p.part.body).join('\n\n')

describe('报告解读: a document → its prompt app → the interpretation', () => {
  it('asks which interpretation when nothing names it, remembers the file, and runs the picked app on the next "2"', async () => {
    const { api, fake, t, sendFile } = await setup()
    api.addDownload(
      'code-docx',
      await makeDocx([{ heading: '2026 年度培训总结' }, { para: '总体满意度 4.6 分，讲师评分 4.8 分。' }]),
      { fileName: '总结.docx' },
    )
    const first = await sendFile('code-docx', '总结.docx')
    expect(first.intent).toBe('report')
    const ask = replies(t)
    expect(ask).toContain('**《总结.docx》** Word')
    expect(ask).toContain('标题：2026 年度培训总结')
    expect(ask).toMatch(/1\. 学习数据分析报告\n2\. 培训满意度调研报告\n3\. 人才盘点报告/)
    expect(fake.requests).toHaveLength(0)
    expect(JSON.parse(getState(t.db, 'local-dm-u-wang', 'u-wang')!.workflow!).kind).toBe('report-pick')

    const second = await t.ask('2')
    expect(second.intent).toBe('report')
    // The three steps of 培训满意度调研报告, chained: each step sees the one before.
    expect(fake.requests).toHaveLength(3)
    expect(userText(fake.requests[0]!.body)).toContain('以下是客户的「培训满意度调研报告」')
    expect(userText(fake.requests[0]!.body)).toContain('总体满意度 4.6 分')
    expect(String(fake.requests[0]!.body.messages[0]!.content)).toContain('数据分析专家')
    const out = second.replies.join('\n\n')
    expect(out).toContain('培训满意度调研报告解读')
    expect(out).toContain('STEP-1 完课率 87%')
    expect(out).toContain('STEP-3 改进建议')
    expect(out).toMatch(/本次用量：[\d,]+ tokens/)
    expect(llmCalls(t.db).filter((c) => c.intent === 'report' && c.status === 'ok')).toHaveLength(3)
    // The pick is over: a later "2" is not a report any more.
    expect(getState(t.db, 'local-dm-u-wang', 'u-wang')!.workflow).toBeNull()
    expect((await t.ask('2')).intent).not.toBe('report')
  })

  it('starts at once when the file name names the app (PDF), and counts pages and characters', async () => {
    const { api, fake, sendFile } = await setup()
    api.addDownload('code-pdf', await makePdf(2, (p) => [`Satisfaction survey page ${p}`, 'Overall score 4.6 of 5']))
    const r = await sendFile('code-pdf', '某银行2026满意度调研.pdf')
    expect(r.status).toBe('ok')
    expect(userText(fake.requests[0]!.body)).toContain('「培训满意度调研报告」')
    expect(userText(fake.requests[0]!.body)).toContain('Overall score 4.6 of 5')
    expect(r.replies.join('\n')).toMatch(/\*\*《某银行2026满意度调研\.pdf》\*\* PDF · 2 页 · \d+ 字/)
  })

  it('reads XLSX and PPTX attachments too; the report type may come in the message just before the file', async () => {
    const { api, fake, t, sendFile } = await setup()
    api.addDownload(
      'code-xlsx',
      await makeXlsx([
        {
          name: '盘点',
          rows: [
            ['姓名', '九宫格'],
            ['张三', '高潜'],
          ],
        },
      ]),
    )
    api.addDownload('code-pptx', await makePptx([{ title: '学习数据概览', bullets: ['人均学习时长 12 小时'] }]))
    const announce = await t.ask('人才盘点报告解读')
    expect(announce.replies[0]).toContain('按「人才盘点报告」解读：请在 10 分钟内把报告文件发给我')
    await sendFile('code-xlsx', 'data.xlsx')
    expect(userText(fake.requests[0]!.body)).toContain('「人才盘点报告」')
    expect(userText(fake.requests[0]!.body)).toContain('张三 | 高潜')
    await sendFile('code-pptx', '学习数据分析.pptx')
    expect(
      fake
        .requestsMatching('人均学习时长 12 小时')[0]!
        .body.messages.some((m) => String(m.content).includes('「学习数据分析报告」')),
    ).toBe(true)
  })

  it('condenses a long document part by part so every request fits the context, then interprets the notes', async () => {
    const { api, fake, t, sendFile } = await setup({ env: { LLM_CONTEXT_TOKENS: '2000' } })
    const paragraphs = Array.from(
      { length: 60 },
      (_, i) =>
        `第${i + 1}段：本季度第${i + 1}个事业部的完课率为${60 + (i % 40)}%，人均学习时长${(i % 9) + 3}小时，主要问题是工学矛盾。`,
    )
    api.addDownload('code-long', Buffer.from(paragraphs.join('\n\n')), { fileName: 'x.txt' })
    const r = await sendFile('code-long', '学习数据分析报告.txt')
    expect(r.status).toBe('ok')
    const condense = fake.requests.filter((q) => userText(q.body).includes('较长材料的第'))
    expect(condense.length).toBeGreaterThan(1)
    // Every condensing request (prompt and part) fits in half of the 2,000-token context.
    for (const q of condense)
      expect(estimateTokens(q.body.messages.map((m) => String(m.content)).join('\n'))).toBeLessThan(1000)
    // Nothing is lost: every paragraph went into some part.
    const sent = condense.map((q) => userText(q.body)).join('\n')
    for (let i = 1; i <= 60; i++) expect(sent).toContain(`第${i}段`)
    const step1 = fake.requests.find((q) => userText(q.body).includes('以下是客户的「学习数据分析报告」'))!
    expect(userText(step1.body)).toContain(`【第 ${condense.length} 部分要点】`)
    expect(userText(step1.body)).not.toContain('第1段')
    expect(llmCalls(t.db).filter((c) => c.status === 'ok')).toHaveLength(condense.length + 3)
  })

  it('without an LLM still shows what the document contains, and says the model is missing', async () => {
    const { api, t, sendFile } = await setup({ llm: false })
    api.addDownload(
      'code-docx',
      await makeDocx([{ heading: '人才盘点结果' }, { heading: '高潜人才', level: 2 }, { para: '高潜人才 12 人。' }]),
    )
    const r = await sendFile('code-docx', '盘点.docx')
    const out = r.replies.join('\n')
    expect(out).toContain('标题：人才盘点结果 / 高潜人才')
    expect(out).toContain('开头：人才盘点结果')
    expect(out).toContain('管理员还没有配置（OPENAI_API_KEY、LLM_MODEL）')
    expect(t.local.parts).toHaveLength(1)
  })

  it('gives honest replies for a scanned PDF, an expired download code, a 25 MB file and an old .doc', async () => {
    const { api, fake, sendFile } = await setup()
    api.addDownload('code-scan', await makeScannedPdf(3))
    const scan = await sendFile('code-scan', '扫描件.pdf')
    expect(scan.status).toBe('rejected')
    expect(scan.replies[0]).toContain('「扫描件.pdf」共 3 页，但没有可以读取的文字层')

    const expired = await sendFile('never-registered', '报告.pdf')
    expect(expired.replies[0]).toContain('下载链接已经过期')

    api.addDownload('code-big', Buffer.alloc(25 * 1024 * 1024, 0x20), { omitLength: true })
    const big = await sendFile('code-big', '大文件.pdf')
    expect(big.replies[0]).toContain('文件超过 20 MB')
    // The transfer was cut at the limit, not read to the end.
    await expect.poll(() => api.downloadsAborted, { timeout: 60_000 }).toBeGreaterThanOrEqual(1)

    api.addDownload(
      'code-doc',
      Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(2048)]),
    )
    const doc = await sendFile('code-doc', '旧版报告.doc')
    expect(doc.replies[0]).toContain('旧版 Word 97-2003（.doc）格式')
    expect(fake.requests).toHaveLength(0)
    expect(api.count(PATHS.download)).toBe(4)
  })

  it('a pending pick is dropped by an unrelated question (which is answered normally) and by 取消', async () => {
    const { api, t, sendFile } = await setup()
    api.addDownload('code-1', await makeDocx([{ para: '年度总结' }]))
    await sendFile('code-1', 'a.docx')
    const cancel = await t.ask('取消')
    expect(cancel.replies[0]).toContain('「a.docx」不解读了')
    expect(getState(t.db, 'local-dm-u-wang', 'u-wang')!.workflow).toBeNull()

    api.addDownload('code-2', await makeDocx([{ para: '年度总结' }]))
    await sendFile('code-2', 'b.docx')
    const other = await t.ask('帮我设计一个运营活动')
    expect(other.intent).toBe('activity')
    expect(getState(t.db, 'local-dm-u-wang', 'u-wang')!.workflow ?? '').not.toContain('report-pick')
  })

  it('explains how to send a report when 解读 comes without a file, and interprets long pasted text', async () => {
    const { fake, t } = await setup()
    const help = await t.ask('报告解读')
    expect(help.intent).toBe('report')
    expect(help.replies[0]).toContain('单聊')
    const pasted = `报告解读：学习数据分析报告 ${'本季度全员完课率 87%，较上季度提升 5 个百分点；'.repeat(10)}`
    const r = await t.ask(pasted)
    expect(r.intent).toBe('report')
    expect(userText(fake.requests[0]!.body)).toContain('「学习数据分析报告」')
    expect(userText(fake.requests[0]!.body)).toContain('本季度全员完课率 87%')
  })
})
