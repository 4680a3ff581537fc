import { afterEach, describe, expect, it } from 'vitest'
import { startBot } from '../../src/cli/start.js'
import { parseConfig } from '../../src/config.js'
import { openDb } from '../../src/db/client.js'
import { llmCalls } from '../../src/db/llm-calls.js'
import { getState } from '../../src/db/state.js'
import { storesOf } from '../../src/db/stores/index.js'
import { activityLlm, STEP_MARKERS } from '../helpers/activity-llm.js'
import { FakeGateway, robotTextPayload } from '../helpers/fake-gateway.js'
import { FakeOpenAI } from '../helpers/fake-openai.js'
import { demoDbPath, llmEnv, silentLogger, tempDir } from '../helpers/test-app.js'
import { until } from '../helpers/wait.js'
import { WebhookSink } from '../helpers/webhook-sink.js'

/**
 * 查看进度 and 取消 while a generation runs, over the DingTalk stream (andy start's bot, the real
 * dingtalk-stream client, the real openai client): the model never answers the step being generated,
 * so any answer to 查看进度 proves it did not wait behind the generation, and the generation ending
 * proves 取消 aborted its LLM call. No timing is asserted: only what can happen in which order.
 */

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

describe('control commands during a generation', () => {
  it('查看进度 answers while a step is being generated; 取消 aborts it and leaves the workflow consistent', async () => {
    const dir = tempDir('andy-e2e-control-')
    const gateway = await FakeGateway.start()
    const sink = await WebhookSink.start()
    const script = activityLlm()
    const llm = await FakeOpenAI.start({
      // 活动需求 (step 2) never answers: only an abort ends that call.
      handler: (body, n) =>
        body.messages.some((m) => String(m.content).includes(STEP_MARKERS.sys_activity_need!))
          ? { hang: true }
          : script.handler(body, n),
    })
    cleanups.push(
      () => dir.cleanup(),
      () => gateway.close(),
      () => sink.close(),
      () => llm.close(),
    )
    const dbPath = await demoDbPath(dir.dir)
    const config = parseConfig({
      DINGTALK_CLIENT_ID: gateway.clientId,
      DINGTALK_CLIENT_SECRET: gateway.clientSecret,
      DINGTALK_API_BASE: gateway.apiBase,
      DB_PATH: dbPath,
      LOG_LEVEL: 'silent',
      ANDY_SHUTDOWN_GRACE_MS: '50',
      ...llmEnv(llm),
      LLM_MAX_RETRIES: '0',
      LLM_TIMEOUT_MS: '600000',
    })
    const db = openDb(dbPath)
    const bot = await startBot({ config, logger: silentLogger, db }, { transport: { startTimeoutMs: 10_000 } })
    cleanups.push(async () => {
      await bot.stop()
      db.close()
    })
    const texts = () => sink.requests.map((r) => (r.body as { markdown: { text: string } }).markdown.text)
    const send = (text: string) =>
      gateway.sendRobotMessage(
        robotTextPayload({ text, senderStaffId: 'rep001', senderNick: '小王', sessionWebhook: sink.url() }),
      )

    await send(
      '帮我给远拓通信集团设计一个运营活动，活动背景：校招新人融入慢；活动目标：留存率90%；活动类型：线上训练营；意向课程：职场新人训练营；发散方式：稳妥务实',
    )
    await until(() => llm.requestsMatching(STEP_MARKERS.sys_activity_need!).length === 1, 'step 2 being generated')
    await until(() => texts().some((t) => t.includes('正在生成 (1/13) 需求调研报告')), 'the run started')

    // 查看进度 while step 2 hangs: answered (so it did not queue behind the run).
    const before = texts().length
    await send('查看进度')
    await until(
      () =>
        texts()
          .slice(before)
          .some((t) => t.includes('正在生成')),
      'the progress reply',
    )
    const progress = texts()
      .slice(before)
      .find((t) => t.includes('正在生成'))!
    expect(progress).toContain('「运营活动设计」正在生成 (2/13)「活动需求」')
    expect(progress).toContain('✓ (1/13) 需求调研报告')
    expect(llm.requestsMatching(STEP_MARKERS.sys_activity_need!)).toHaveLength(1)

    // 取消: the hung call is aborted, the run ends, the workflow is closed with step 1 kept.
    const beforeCancel = texts().length
    await send('取消')
    await until(
      () =>
        texts()
          .slice(beforeCancel)
          .some((t) => t.includes('已取消运营活动设计')),
      'the cancel reply',
    )
    expect(await bot.app.idle(60_000)).toBe(true) // the running message finished too: its call was aborted
    const afterCancel = texts().slice(beforeCancel)
    expect(afterCancel.find((t) => t.includes('已取消运营活动设计'))).toContain('已停止正在生成的「活动需求」')
    // The run's message ends quietly: step 1's answer (finished before 取消) goes out once, no apology.
    expect(texts().filter((t) => t.includes('**(1/13) 需求调研报告**'))).toHaveLength(1)
    // …and before the 取消 reply, which waits for the stopped run to end
    expect(afterCancel.findIndex((t) => t.includes('**(1/13) 需求调研报告**'))).toBeLessThan(
      afterCancel.findIndex((t) => t.includes('已取消运营活动设计')),
    )
    expect(afterCancel.join('\n')).not.toContain('大模型')
    expect(afterCancel.join('\n')).not.toContain('活动需求**')
    const p = (await storesOf({ db: db }).workflows.processData.listOfUser('rep001'))[0]!
    expect(p.block_index).toBe(2)
    expect(p.sys_survey_report).toBeTruthy()
    expect(p.sys_activity_need).toBeNull()
    const conv = db.sqlite.prepare('SELECT conversation_id AS c FROM inbound_messages LIMIT 1').get() as { c: string }
    expect(getState(db, conv.c, 'rep001')?.workflow ?? null).toBeNull()
    const aborted = llmCalls(db).filter((c) => c.status !== 'ok')
    expect(aborted).toHaveLength(1)
    expect(aborted[0]!.error).toContain('aborted')
    // Exactly once, every message finished as replied.
    const inbox = db.sqlite.prepare('SELECT status, intent FROM inbound_messages ORDER BY id').all()
    expect(inbox).toEqual([
      { status: 'replied', intent: 'activity' },
      { status: 'replied', intent: 'progress' },
      { status: 'replied', intent: 'cancel' },
    ])

    // A new design starts cleanly.
    const beforeNew = texts().length
    await send('帮我给远拓通信集团设计一个运营活动')
    await until(() => texts().length > beforeNew, 'the new start')
    expect(texts().at(-1)).toContain('意向课程')
    expect(await storesOf({ db: db }).workflows.processData.listOfUser('rep001')).toHaveLength(2)
  })
})
