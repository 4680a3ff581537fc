import { afterEach, describe, expect, it } from 'vitest'
import { type BotHandle, startBot } from '../../src/cli/start.js'
import { parseConfig } from '../../src/config.js'
import { type Db, openDb } from '../../src/db/client.js'
import { storesOf } from '../../src/db/stores/index.js'
import { activityLlm, STEP_MARKERS } from '../helpers/activity-llm.js'
import { FakeGateway, robotTextPayload } from '../helpers/fake-gateway.js'
import { FakeOpenAI } from '../helpers/fake-openai.js'
import { demoDbPath, llmEnv, silentLogger, tempDir } from '../helpers/test-app.js'
import { until } from '../helpers/wait.js'
import { WebhookSink } from '../helpers/webhook-sink.js'

/**
 * The whole 运营活动设计 workflow as a rep lives it in DingTalk: `andy start`'s bot (startBot) on the real
 * dingtalk-stream client against the fake gateway, replies through the sessionWebhook into a sink, the
 * real openai client against the fake model — with picks, 重新生成, 上一步, and the bot killed in the
 * middle of a generation run and started again on the same database.
 */

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function setup() {
  const dir = tempDir('andy-e2e-activity-')
  const gateway = await FakeGateway.start()
  const sink = await WebhookSink.start()
  const script = activityLlm()
  const llm = await FakeOpenAI.start({ handler: script.handler })
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
  })
  const start = async (): Promise<{ bot: BotHandle; db: Db }> => {
    const db = openDb(dbPath)
    const bot = await startBot({ config, logger: silentLogger, db }, { waitForStreamMs: 20_000 })
    cleanups.push(async () => {
      await bot.stop()
      db.close()
    })
    return { bot, db }
  }
  let seen = 0
  /** Texts of the webhook replies that arrived since the last call. */
  const fresh = (): string[] => {
    const out = sink.requests.slice(seen).map((r) => (r.body as { markdown: { text: string } }).markdown.text)
    seen = sink.requests.length
    return out
  }
  const send = (text: string) =>
    gateway.sendRobotMessage(
      robotTextPayload({ text, senderStaffId: 'rep001', senderNick: '小王', sessionWebhook: sink.url() }),
    )
  return { gateway, sink, llm, script, start, fresh, send }
}

describe('运营活动设计 over the DingTalk stream', () => {
  it('runs the workflow end to end, including picks, 重新生成, 上一步 and a restart mid-run', async () => {
    const { llm, script, start, fresh, send } = await setup()
    let { bot, db } = await start()
    const say = async (text: string): Promise<string[]> => {
      const ack = await send(text)
      expect(ack.frame.code).toBe(200)
      await bot.app.idle(60_000)
      return fresh()
    }

    let out = await say(
      '帮我给远拓通信集团设计一个运营活动，活动背景：校招新人融入慢；活动目标：留存率90%；活动类型：线上训练营',
    )
    expect(out).toHaveLength(1)
    expect(out[0]!.startsWith('@rep001 ')).toBe(true)
    expect(out[0]).toContain('意向课程')
    expect(out[0]).toContain('发散方式')

    script.inputs = (text): Record<string, string> =>
      text.includes('稳妥') ? { yixiang_course: '职场新人训练营', fansan_mothed: '稳妥务实' } : {}
    out = await say('课程用职场新人训练营，方案稳妥一点')
    expect(out.at(-1)).toContain('请选择内容')
    expect(out.some((t) => t.includes('**(4/13) 内容推荐**') && t.includes('参考依据'))).toBe(true)

    out = await say('重新生成')
    expect(out.at(-1)).toContain('第2版')
    out = await say('选1')
    expect(out.at(-1)).toContain('请选择活动名称')
    out = await say('上一步')
    expect(out[0]).toContain('已回到「选择内容」')
    out = await say('新人融入组合')
    expect(out[0]).toContain('已选择第 1 个')
    expect(out.at(-1)).toContain('请选择活动名称')

    // The model hangs on 活动策划; the bot is stopped and its database closed, as if the process died.
    const original = script.handler
    llm.handler = (body, n) =>
      body.messages.some((m) => String(m.content).includes(STEP_MARKERS.sys_activity_plan!))
        ? { hang: true }
        : original(body, n)
    await send('第五个')
    await until(() => llm.requestsMatching(STEP_MARKERS.sys_activity_plan!).length === 1, 'the plan request')
    const beforeRestart = fresh()
    expect(beforeRestart.some((t) => t.includes('(6/13) 活动思路'))).toBe(true)
    await bot.stop()
    db.close()
    llm.dropHung()
    llm.handler = original

    ;({ bot, db } = await start())
    const after: string[] = []
    await until(
      () => (after.push(...fresh()), after.some((t) => t.includes('运营活动设计完成'))),
      'the finished workflow',
    )
    // Resumed where it stopped: nothing delivered before the restart is sent again.
    expect(after[0]).toContain('**(7/13) 活动策划**')
    // 活动思路 was finished but still pending (coalesced with the next answers): sent now, exactly once.
    expect([...beforeRestart, ...after].filter((t) => t.includes('**(6/13) 活动思路**'))).toHaveLength(1)
    expect(after.some((t) => t.includes('已选择第 5 个'))).toBe(false)
    const p = (await storesOf({ db: db }).workflows.processData.listOfUser('rep001'))[0]!
    expect(p.block_index).toBe(16)
    expect(p.user_activity_name).toBe('青苗计划2')
    expect(p.user_content_select).toContain('新人融入组合（第2版）')
    expect(llm.requestsMatching(STEP_MARKERS.sys_activity_ideas!)).toHaveLength(1)
    expect(llm.requestsMatching(STEP_MARKERS.sys_activity_plan!)).toHaveLength(2)
    expect(p.total_tokens).toBeGreaterThan(0)
    expect(p.total_rmb).toBeGreaterThan(0)
    expect(p.current_model).toBe('fake-model')

    out = await say('查看进度')
    expect(out[0]).toContain('✓ (13/13) 方案精简')
  })
})
