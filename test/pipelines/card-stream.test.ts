import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import type { InboundEnvelope } from '../../src/core/message.js'
import { replacePromptVersions } from '../../src/db/prompts.js'
import { createLogger } from '../../src/logger.js'
import { DingtalkCards } from '../../src/transport/cards.js'
import { DingtalkApi } from '../../src/transport/dingtalk-api.js'
import { FakeOpenAI, type FakeReply } from '../helpers/fake-openai.js'
import { FAULTS, FakeOpenApi, PATHS, type RecordedCardCall } from '../helpers/fake-openapi.js'
import { createTestApp, DEFAULT_USER, type TestApp } from '../helpers/test-app.js'
import { until } from '../helpers/wait.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const TEMPLATE = 'andy-test-template.schema'
let seq = 0

async function setup(answer: () => FakeReply, opts: { oneRow?: boolean; apiTimeoutMs?: number } = {}) {
  const llm = await FakeOpenAI.start({ handler: answer })
  const openapi = await FakeOpenApi.start()
  cleanups.push(
    () => llm.close(),
    () => openapi.close(),
  )
  const api = new DingtalkApi({
    clientId: openapi.clientId,
    clientSecret: openapi.clientSecret,
    apiBase: openapi.base,
    oapiBase: openapi.base,
    logger: createLogger({ level: 'silent' }),
    retry: { attempts: 1 },
    timeoutMs: opts.apiTimeoutMs ?? 60_000,
  })
  const t = createTestApp({
    clock: systemClock,
    user: DEFAULT_USER,
    fake: llm,
    env: { DINGTALK_CARD_TEMPLATE_ID: TEMPLATE },
    cards: new DingtalkCards(api),
    logs: true,
    extraDeps: { dingtalk: api },
  })
  cleanups.push(() => t.close())
  if (opts.oneRow) {
    replacePromptVersions(t.db, [
      {
        version: '9.0',
        step_type: 'hyps',
        step_name: '会议评审',
        prompt: '你是会议评审专家。',
        steps: { step1: '评审：{{input}}' },
      },
    ])
  }
  return { t, llm, openapi }
}

/** A 会议评审 message from a DingTalk group, as the stream transport hands it over. */
function groupMessage(t: TestApp, text: string): Promise<Awaited<ReturnType<TestApp['app']['handleNow']>>> {
  const message = {
    msgId: `msg-card-${++seq}`,
    msgtype: 'text',
    robotCode: 'robot-1',
    conversationId: 'cid-group-1',
    conversationType: '2',
    conversationTitle: '华东销售群',
    senderStaffId: 'rep001',
    senderNick: '小王',
    text: { content: text },
  }
  const envelope: InboundEnvelope = { source: 'stream', robotCode: 'robot-1', message, raw: JSON.stringify(message) }
  return t.app.handleNow(envelope)
}

function streams(calls: readonly RecordedCardCall[], outTrackId: string): RecordedCardCall[] {
  return calls.filter((c) => c.op === 'streaming' && c.body.outTrackId === outTrackId)
}

const MEETING =
  '会议评审：周一销售例会，议程三项：回顾上周业绩、讨论华东大客户打单策略、确定下周拜访计划。会上决定由小王负责跟进远拓通信。'

describe('AI card streaming', () => {
  it('creates the card, updates it at most every ~500 ms, then finalizes it with the whole answer', async () => {
    const answer = '一、会议目标清晰，议程合理。'.repeat(30)
    const { t, openapi, llm } = await setup(() => ({ content: answer, chunkSize: 10, chunkDelayMs: 60 }), {
      oneRow: true,
    })
    // Reply delivery for stream messages goes to a local replier here: any markdown part would show up in it.
    const r = await groupMessage(t, MEETING)
    expect(r.status).toBe('ok')
    expect(llm.requests).toHaveLength(1)
    const calls = openapi.cardCalls
    expect(calls[0]!.op).toBe('createAndDeliver')
    const create = calls[0]!.body as {
      cardTemplateId: string
      openSpaceId: string
      outTrackId: string
      imGroupOpenDeliverModel: { atUserIds: Record<string, string> }
    }
    expect(create.cardTemplateId).toBe(TEMPLATE)
    expect(create.openSpaceId).toBe('dtv1.card//IM_GROUP.cid-group-1')
    expect(create.imGroupOpenDeliverModel.atUserIds).toEqual({ rep001: '小王' })
    const updates = streams(calls, create.outTrackId)
    expect(updates.length).toBeGreaterThanOrEqual(3)
    // Order: create, then updates (never finalized), then exactly one finalize, last.
    expect(calls.findIndex((c) => c.op === 'streaming')).toBeGreaterThan(0)
    expect(
      updates
        .slice(0, -1)
        .every((u) => u.body.isFinalize === false && u.body.isFull === true && u.body.key === 'content'),
    ).toBe(true)
    const last = updates.at(-1)!.body as { isFinalize: boolean; content: string; isError: boolean }
    expect(last.isFinalize).toBe(true)
    expect(last.isError).toBe(false)
    expect(last.content).toContain(answer)
    expect(last.content).toContain('本次用量')
    // Throttled: consecutive non-final updates are at least ~500 ms apart (timer jitter allowed). Load cannot
    // shrink a gap: the next push is timed from the end of the previous call, after the fake received it.
    const gaps = updates.slice(0, -1).map((u, i, a) => (i ? u.at - a[i - 1]!.at : 500))
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(440)
    // Every update shows more text than the one before.
    const lengths = updates.map((u) => String(u.body.content).length)
    for (let i = 1; i < lengths.length; i++) expect(lengths[i]).toBeGreaterThanOrEqual(lengths[i - 1]!)
    expect(r.replies).toHaveLength(0)
  })

  it('splits a long answer across cards, each finalized', async () => {
    const para = `${'本段分析会议的决策质量与执行安排，并给出改进建议。'.repeat(10)}\n\n`
    const answer = para.repeat(28).trim()
    expect(answer.length).toBeGreaterThan(6000)
    const { t, openapi } = await setup(() => ({ content: answer, chunkSize: 400 }), { oneRow: true })
    await groupMessage(t, MEETING)
    const creates = openapi.cardCalls.filter((c) => c.op === 'createAndDeliver')
    expect(creates.length).toBeGreaterThanOrEqual(3)
    const finals = creates.map(
      (c) =>
        streams(openapi.cardCalls, String(c.body.outTrackId)).at(-1)!.body as { isFinalize: boolean; content: string },
    )
    for (const f of finals) {
      expect(f.isFinalize).toBe(true)
      expect(f.content.length).toBeLessThanOrEqual(3200)
    }
    const shown = finals.map((f) => f.content.replace(/^\*\*.+?\*\*\n\n/, '')).join('\n\n')
    expect(shown.replace(/\s+/g, '')).toContain(answer.replace(/\s+/g, ''))
    expect(String(finals[1]!.content)).toMatch(/^\*\*会议评审（续 2）\*\*/)
  })

  it('falls back to markdown messages when DingTalk refuses cards (QPS 403), for the rest of the message too', async () => {
    const { t, openapi } = await setup(() => ({ content: '评审意见：目标清晰，建议明确责任人。' }))
    openapi.failNext(PATHS.cardCreate, FAULTS.qpsLimit, 1)
    const r = await groupMessage(t, MEETING)
    expect(r.status).toBe('ok')
    // Both sections of the default 会议评审 pipeline arrive as markdown; only one card was attempted.
    expect(r.replies.filter((x) => x.includes('评审意见：目标清晰'))).toHaveLength(2)
    expect(r.replies[0]).toContain('**会议评审**')
    expect(openapi.count(PATHS.cardCreate)).toBe(1)
    expect(t.logLines.join('\n')).toContain('falling back to markdown')
  })

  it('falls back to markdown when a card update times out, and marks the card', async () => {
    const { t, openapi } = await setup(
      () => ({ content: '评审意见：会议准备充分。'.repeat(20), chunkSize: 20, chunkDelayMs: 30 }),
      { oneRow: true, apiTimeoutMs: 2000 },
    )
    openapi.failNext(PATHS.cardStream, { hang: true })
    const r = await groupMessage(t, MEETING)
    expect(r.replies).toHaveLength(1)
    expect(r.replies[0]).toContain('评审意见：会议准备充分。')
    expect(openapi.count(PATHS.cardCreate)).toBe(1)
    // The abandoned card is switched to its failed state (best effort, after the reply).
    await until(() => openapi.cardCalls.some((c) => c.op === 'streaming' && c.body.isError === true), 'the error mark')
  })

  it('uses markdown for messages that are not from DingTalk (andy chat)', async () => {
    const { t, openapi } = await setup(() => ({ content: '评审意见：很好。' }), { oneRow: true })
    const r = await t.ask(MEETING)
    expect(r.replies[0]).toContain('评审意见：很好。')
    expect(openapi.cardCalls).toHaveLength(0)
  })
})
