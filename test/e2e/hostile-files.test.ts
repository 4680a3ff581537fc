import { afterEach, describe, expect, it } from 'vitest'
import { pngDeclaring, pptxBomb, xlsxBomb } from '../helpers/bombs.js'
import { makeDocx } from '../helpers/documents.js'
import { type E2eBot, e2eBot, markdownOf, until } from '../helpers/e2e-bot.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'
import { FakeOpenAI } from '../helpers/fake-openai.js'
import { robotFilePayload, robotPicturePayload } from '../helpers/file-messages.js'

/**
 * Issue 18 through the bot as `andy start` runs it (real stream client, fake gateway, inbox, scheduler):
 * a zip bomb, a picture declaring 2.5 billion pixels and a document that outgrows the parsing worker's
 * heap each cost one Chinese reply; the message is finished as failed with the reason (not left
 * 'processing' for a restart to retry); the bot answers the next message normally.
 */

let env: E2eBot | undefined
let llm: FakeOpenAI | undefined
afterEach(async () => {
  await env?.close()
  await llm?.close()
  env = undefined
  llm = undefined
})

const dm = (e: E2eBot, msgId: string) => ({
  msgId,
  conversationType: '1' as const,
  conversationId: 'cid-dm-rep9',
  senderStaffId: 'rep9',
  sessionWebhook: e.sink.url(`/${msgId}`),
})
const repliesTo = (e: E2eBot, msgId: string) =>
  e.sink.requests.filter((r) => r.path === `/${msgId}`).map((r) => markdownOf(r.body))

describe('hostile files through the stream bot', () => {
  it('refuses a bomb, a 50,000 × 50,000 picture and a heap blow-up with one reply each, marks them failed, and keeps answering', async () => {
    llm = await FakeOpenAI.start({ handler: () => '看图回答' })
    env = await e2eBot({
      env: {
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: llm.baseUrl,
        LLM_MODEL: 'fake-model',
        LLM_VISION_MODEL: 'fake-vl',
        LLM_TIMEOUT_MS: '60000',
        LOG_LEVEL: 'warn',
        // A small worker heap, and the ratio cap out of the way, so one huge slide blows the heap.
        ANDY_FILE_WORKER_HEAP_MB: '64',
        ANDY_FILE_MAX_RATIO: '100000',
      },
    })
    const e = env
    const { db } = await e.start()
    const status = (msgId: string) =>
      db.sqlite.prepare('SELECT status, last_error FROM inbound_messages WHERE msg_id = ?').get(msgId)

    e.openapi.addDownload('code-bomb', xlsxBomb(), { fileName: '学习数据.xlsx' })
    await e.gateway.sendRobotMessage(
      robotFilePayload({ ...dm(e, 'm-bomb'), downloadCode: 'code-bomb', fileName: '学习数据.xlsx' }),
    )
    await until(() => repliesTo(e, 'm-bomb').length > 0, 'the bomb refusal')
    expect(repliesTo(e, 'm-bomb')).toEqual([
      '「学习数据.xlsx」其中的「xl/worksheets/sheet1.xml」解压后超过 100 MB，为安全起见 Andy 没有继续读取。如果是正常文件，请拆分成几个小文件，或只保留需要的部分后再发。',
    ])
    await until(
      () => (status('m-bomb') as { status: string } | undefined)?.status === 'failed',
      'the bomb message to be finished',
    )
    expect(status('m-bomb')).toEqual({ status: 'failed', last_error: 'file_limit_part' })

    e.openapi.addDownload('code-png', pngDeclaring(50_000, 50_000))
    await e.gateway.sendRobotMessage(robotPicturePayload({ ...dm(e, 'm-png'), downloadCode: 'code-png' }))
    await until(() => repliesTo(e, 'm-png').length > 0, 'the picture refusal')
    expect(repliesTo(e, 'm-png')[0]).toContain('图片声明的尺寸是 50000×50000')
    expect(llm.requests.filter((r) => r.body.model === 'fake-vl')).toHaveLength(0)

    e.openapi.addDownload('code-heavy', pptxBomb(60 * 1024 * 1024), { fileName: '年度总结.pptx' })
    await e.gateway.sendRobotMessage(
      robotFilePayload({ ...dm(e, 'm-heavy'), downloadCode: 'code-heavy', fileName: '年度总结.pptx' }),
    )
    await until(() => repliesTo(e, 'm-heavy').length > 0, 'the heap refusal', 120_000)
    expect(repliesTo(e, 'm-heavy')[0]).toContain('「年度总结.pptx」读取时占用的内存超过上限（64 MB）')
    await until(
      () => (status('m-heavy') as { status: string } | undefined)?.status === 'failed',
      'the heavy message to be finished',
    )
    expect(status('m-heavy')).toEqual({ status: 'failed', last_error: 'file_limit_memory' })

    // The bot is alive and well: a search, then a normal document through a fresh parsing worker.
    await e.gateway.sendRobotMessage(robotTextPayload({ ...dm(e, 'm-next'), text: '制造业 客户案例' }))
    await until(() => repliesTo(e, 'm-next').length > 0, 'the next answer')
    expect(repliesTo(e, 'm-next')[0]).toContain('内容客户案例：找到')
    e.openapi.addDownload('code-ok', await makeDocx([{ heading: '结论' }, { para: '高潜人才 12 人。' }]), {
      fileName: '人才盘点.docx',
    })
    await e.gateway.sendRobotMessage(
      robotFilePayload({ ...dm(e, 'm-ok'), downloadCode: 'code-ok', fileName: '人才盘点.docx' }),
    )
    await until(() => repliesTo(e, 'm-ok').some((t) => t.includes('**《人才盘点.docx》**')), 'the interpretation')
    expect(repliesTo(e, 'm-ok').join('\n')).toContain('**《人才盘点.docx》**')
    const unfinished = () =>
      (
        db.sqlite
          .prepare(`SELECT count(*) AS n FROM inbound_messages WHERE status IN ('received', 'processing')`)
          .get() as { n: number }
      ).n
    await until(() => unfinished() === 0, 'every message finished')
  }, 300_000)
})
