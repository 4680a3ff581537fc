import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import { llmCalls } from '../../src/db/llm-calls.js'
import { DEFAULT_QUESTION } from '../../src/handlers/image.js'
import { DingtalkApi } from '../../src/transport/dingtalk-api.js'
import { makePng } from '../helpers/documents.js'
import { type ChatBody, FakeOpenAI } from '../helpers/fake-openai.js'
import { FakeOpenApi, PATHS } from '../helpers/fake-openapi.js'
import { localAttachment } from '../helpers/file-messages.js'
import { createTestApp, DEFAULT_USER, silentLogger } from '../helpers/test-app.js'

/** 图片: a picture → the vision model (LLM_VISION_MODEL) with the picture as a data URL, through the real openai client. */

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

type Part = { type: string; text?: string; image_url?: { url: string } }
const partsOf = (b: ChatBody): Part[] => b.messages.find((m) => m.role === 'user')!.content as unknown as Part[]

async function setup(vision = true) {
  const api = await FakeOpenApi.start()
  const fake = await FakeOpenAI.start({ handler: () => '图中是一张学习数据周报：完课率 87%，销售部最低（72%）。' })
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
    fake,
    env: vision ? { LLM_VISION_MODEL: 'fake-vl' } : {},
    extraDeps: { dingtalk },
  })
  cleanups.push(() => t.close())
  return { api, fake, t }
}

describe('图片解读', () => {
  it('sends the picture as a data URL to the vision model and replies with its answer; the call is accounted', async () => {
    const { api, fake, t } = await setup()
    const png = makePng(32, 24)
    api.addDownload('pic-1', png, { contentType: 'image/png' })
    const r = await t.app.handleNow(localAttachment('picture', { downloadCode: 'pic-1' }))
    expect(r.intent).toBe('image')
    expect(fake.requests).toHaveLength(1)
    const body = fake.requests[0]!.body
    expect(body.model).toBe('fake-vl')
    const parts = partsOf(body)
    expect(parts[0]!.image_url!.url).toBe(`data:image/png;base64,${png.toString('base64')}`)
    expect(parts[1]).toEqual({ type: 'text', text: DEFAULT_QUESTION })
    expect(r.replies.join('\n')).toContain('销售部最低（72%）')
    expect(r.replies.join('\n')).toContain('**图片解读**')
    const calls = llmCalls(t.db)
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ model: 'fake-vl', intent: 'image', status: 'ok', user_id: 'u-wang' })
    expect(calls[0]!.tokens_in).toBeGreaterThan(0)
  })

  it('asks the question written next to the picture (richText)', async () => {
    const { api, fake, t } = await setup()
    api.addDownload('pic-2', makePng(8, 8))
    const r = await t.app.handleNow(
      localAttachment('richText', { downloadCode: 'pic-2', text: '这张报表里完课率最低的是哪个部门？' }),
    )
    expect(r.intent).toBe('image')
    expect(partsOf(fake.requests[0]!.body)[1]!.text).toBe('这张报表里完课率最低的是哪个部门？')
  })

  it('reads a picture sent as a file (a .jpg name on PNG bytes is judged by content)', async () => {
    const { api, fake, t } = await setup()
    api.addDownload('file-pic', makePng(8, 8))
    const r = await t.app.handleNow(localAttachment('file', { downloadCode: 'file-pic', fileName: '截图.jpg' }))
    expect(r.intent).toBe('image')
    expect(partsOf(fake.requests[0]!.body)[0]!.image_url!.url.startsWith('data:image/png;base64,')).toBe(true)
  })

  it('says clearly when no vision model is configured, without downloading anything', async () => {
    const { api, fake, t } = await setup(false)
    api.addDownload('pic-3', makePng(8, 8))
    const r = await t.app.handleNow(localAttachment('picture', { downloadCode: 'pic-3' }))
    expect(r.replies[0]).toContain('LLM_VISION_MODEL')
    expect(api.count(PATHS.download)).toBe(0)
    expect(fake.requests).toHaveLength(0)
  })

  it('refuses a picture over 10 MB and explains a failing model', async () => {
    const { api, fake, t } = await setup()
    api.addDownload('pic-big', Buffer.concat([makePng(4, 4), Buffer.alloc(11 * 1024 * 1024)]))
    const big = await t.app.handleNow(localAttachment('picture', { downloadCode: 'pic-big' }))
    expect(big.replies[0]).toContain('看图模型最多接受 10 MB')
    expect(fake.requests).toHaveLength(0)

    api.addDownload('pic-4', makePng(8, 8))
    fake.handler = () => ({ status: 400 })
    const failed = await t.app.handleNow(localAttachment('picture', { downloadCode: 'pic-4' }))
    expect(failed.replies.at(-1)).toContain('看图模型不接受这次请求')
    expect(llmCalls(t.db).at(-1)).toMatchObject({ status: 'error', intent: 'image' })
  })
})
