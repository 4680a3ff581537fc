import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { activityLlm, STEP_MARKERS } from '../helpers/activity-llm.js'
import { until } from '../helpers/e2e-bot.js'
import { type ChatBody, type FakeHandler, FakeOpenAI } from '../helpers/fake-openai.js'
import { type PgCluster, pgCluster } from '../helpers/pg-cluster.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'

/**
 * 查看进度 and 取消 sent through one instance while the user's generation runs on the OTHER (two real
 * `andy start` processes on one PostgreSQL). The model holds the answer of one step until the test
 * releases it, so every reply that arrives meanwhile proves it did not wait behind the generation, and the
 * generation's message being finished before the release proves 取消 reached the instance running it.
 */

let server: PgServer | undefined
let cluster: PgCluster | undefined
let llm: FakeOpenAI | undefined
/** The held answer of the running test, released at its end whatever happened. */
let releaseHeld: (() => void) | undefined

beforeAll(async () => {
  if (!PG_DISABLED) server = await startPgServer()
}, 120_000)
afterAll(async () => {
  await server?.stop()
})
afterEach(async () => {
  releaseHeld?.()
  await cluster?.close()
  await llm?.close()
  cluster = undefined
  llm = undefined
})

const userText = (b: ChatBody) => b.messages.map((m) => String(m.content)).join('\n')

/** Holds every request containing `marker` until release(); the others go to `answer`. */
function holding(marker: string, answer: FakeHandler) {
  let release!: () => void
  const released = new Promise<void>((r) => (release = r))
  releaseHeld = release
  return {
    release,
    handler: async (b: ChatBody, n: number) => {
      if (!userText(b).includes(marker)) return answer(b, n)
      await released
      return '【不该出现的内容】'
    },
  }
}

async function inboxOf(c: PgCluster, msgId: string) {
  const [row] = await c.query<{ status: string; lease_owner: string | null }>(
    'SELECT status, lease_owner FROM inbound_messages WHERE msg_id = $1',
    [msgId],
  )
  return row
}

describe.skipIf(PG_DISABLED)('查看进度 and 取消 through another instance than the one generating', () => {
  it('会议评审: progress from the shared state, and 取消 stops the section at once', async () => {
    const hold = holding('整理行动项清单', (b) =>
      userText(b).includes('请从以下维度评审') ? '【评审】缺少负责人与时间表。' : '好的。',
    )
    llm = await FakeOpenAI.start({ handler: hold.handler })
    const c = (cluster = await pgCluster(await server!.createDatabase(), llm))
    const a = await c.start('a')
    const b = await c.start('b')
    await c.say(
      a,
      'm1',
      'rep3',
      '会议评审：本周例会讨论了新员工培训排期、讲师资源不足与预算超支三个问题，最后没有形成明确的负责人和时间表。',
    )
    await until(() => llm!.requestsMatching('整理行动项清单').length === 1, 'the held section')

    // 查看进度 through b is answered while a generates, and says what a generates.
    await c.say(b, 'm2', 'rep3', '查看进度')
    const progress = await c.answered('m2', 'the progress')
    expect(progress[0]).toContain('「会议评审」正在生成第 2/2 部分「行动项清单」')
    expect(progress[0]).toContain('回复 **取消** 可停止')

    // 取消 through b: a stops its section (its message is finished while the model still holds the answer).
    await c.say(b, 'm3', 'rep3', '取消')
    const cancel = await c.answered('m3', 'the cancel reply')
    expect(cancel[0]).toContain('已停止正在生成的「行动项清单」')
    expect(cancel[0]).toContain('已取消「会议评审」')
    expect(await inboxOf(c, 'm1')).toMatchObject({ lease_owner: null })
    expect((await inboxOf(c, 'm1'))!.status).not.toBe('processing')
    expect(a.out.join('')).toContain('取消 sent to another instance')
    const [run] = await c.query<{ status: string; sections: string }>(
      `SELECT status, sections FROM pipeline_runs WHERE user_id = 'rep3'`,
    )
    expect(run!.status).toBe('cancelled')
    expect((JSON.parse(run!.sections) as unknown[]).length).toBe(1)

    // The model answers now: nothing of it reaches the user; the user's next message is answered as usual.
    hold.release()
    await c.settled('the 取消 message')
    await c.say(a, 'm4', 'rep3', '查看进度')
    expect((await c.answered('m4', 'the next progress'))[0]).toContain('当前没有进行中的任务')
    const sent = c.env.sink.requests
    const cancelAt = sent.findIndex((r) => r.path === '/m3')
    expect(sent.findLastIndex((r) => r.path === '/m1')).toBeLessThan(cancelAt)
    expect(
      sent
        .filter((r) => r.path === '/m1')
        .map((r) => JSON.stringify(r.body))
        .join(''),
    ).toContain('【评审】')
    expect(sent.map((r) => JSON.stringify(r.body)).join('\n')).not.toContain('不该出现')
    const calls = await c.query<{ status: string }>(`SELECT status FROM llm_calls WHERE msg_id = 'm1' ORDER BY id`)
    expect(calls.map((x) => x.status)).toEqual(['ok', expect.not.stringMatching(/^ok$/)])
  }, 300_000)

  it('运营活动设计: 取消 through the other instance ends the design there for good', async () => {
    const script = activityLlm()
    const hold = holding(STEP_MARKERS.sys_activity_need!, script.handler)
    llm = await FakeOpenAI.start({ handler: hold.handler })
    const c = (cluster = await pgCluster(await server!.createDatabase(), llm))
    const a = await c.start('a')
    const b = await c.start('b')
    await c.say(
      a,
      'd1',
      'rep4',
      '帮我给远拓通信集团设计一个运营活动，活动背景：校招新人融入慢；活动目标：留存率90%；活动类型：线上训练营；意向课程：职场新人训练营；发散方式：稳妥务实',
    )
    await until(() => llm!.requestsMatching(STEP_MARKERS.sys_activity_need!).length === 1, 'step 2 held')

    await c.say(b, 'd2', 'rep4', '查看进度')
    const progress = await c.answered('d2', 'the progress')
    expect(progress[0]).toContain('「运营活动设计」正在生成 (2/13)「活动需求」')
    expect(progress[0]).toContain('✓ (1/13) 需求调研报告')

    await c.say(b, 'd3', 'rep4', '取消')
    const cancel = await c.answered('d3', 'the cancel reply')
    expect(cancel[0]).toContain('已停止正在生成的「活动需求」')
    expect(cancel[0]).toContain('已取消运营活动设计')
    expect((await inboxOf(c, 'd1'))!.status).not.toBe('processing')
    hold.release()

    // The pointer stays closed (the stopped run on a did not put it back): a new request starts a new design.
    await c.say(a, 'd4', 'rep4', '帮我给远拓通信集团设计一个运营活动')
    expect((await c.answered('d4', 'the new start'))[0]).toContain('意向课程')
    const designs = await c.query<{ block_index: number; sys_activity_need: string | null }>(
      `SELECT block_index, sys_activity_need FROM process_data WHERE user_id = 'rep4' ORDER BY id`,
    )
    expect(designs).toEqual([
      { block_index: 2, sys_activity_need: null },
      { block_index: 0, sys_activity_need: null },
    ])
    const sent = c.env.sink.requests
    expect(sent.findLastIndex((r) => r.path === '/d1')).toBeLessThan(sent.findIndex((r) => r.path === '/d3'))
    expect(sent.map((r) => JSON.stringify(r.body)).join('\n')).not.toContain('不该出现')
    await c.settled('the new start')
    const inbox = await c.query<{ msg_id: string; status: string }>(
      'SELECT msg_id, status FROM inbound_messages ORDER BY id',
    )
    expect(inbox.every((r) => r.status === 'replied')).toBe(true)
  }, 300_000)
})
