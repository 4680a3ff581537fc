import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import { llmCalls } from '../../src/db/llm-calls.js'
import { getState } from '../../src/db/state.js'
import { type ProcessRow, storesOf } from '../../src/db/stores/index.js'
import { DONE_INDEX } from '../../src/pipelines/activity-steps.js'
import { activityLlm, STEP_MARKERS, stepOf } from '../helpers/activity-llm.js'
import { FakeOpenAI } from '../helpers/fake-openai.js'
import { createTestApp, DEFAULT_USER, demoDbPath, type TestApp, tempDir } from '../helpers/test-app.js'
import { until } from '../helpers/wait.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function setup() {
  const dir = tempDir()
  cleanups.push(() => dir.cleanup())
  const script = activityLlm()
  const fake = await FakeOpenAI.start({ handler: script.handler })
  cleanups.push(() => fake.close())
  const dbPath = await demoDbPath(dir.dir)
  const open = (env: Record<string, string> = {}) => {
    const t = createTestApp({
      clock: systemClock,
      user: DEFAULT_USER,
      fake,
      dbPath,
      env: { LLM_MAX_RETRIES: '0', ...env },
    })
    cleanups.push(() => t.close().catch(() => {}))
    return t
  }
  return { fake, script, open, dbPath }
}

async function processOf(t: TestApp): Promise<ProcessRow> {
  const rows = await storesOf({ db: t.db }).workflows.processData.listOfUser(DEFAULT_USER.staffId!)
  expect(rows.length).toBeGreaterThan(0)
  return rows[0]!
}

const requestsFor = (fake: FakeOpenAI, step: string) => fake.requestsMatching(STEP_MARKERS[step]!).length

describe('运营活动设计 workflow', () => {
  it('collects inputs, generates, takes picks, regenerates, goes back, survives a restart mid-run and saves every field', async () => {
    const { fake, script, open } = await setup()
    let t = open()

    // 1. Start: the enterprise comes from the sentence; one message asks for the five missing items.
    let r = await t.ask('帮我给远拓通信集团设计一个运营活动')
    expect(r.intent).toBe('activity')
    expect(r.replies).toHaveLength(1)
    for (const label of ['活动背景', '活动目标', '活动类型', '意向课程', '发散方式'])
      expect(r.replies[0]).toContain(label)
    expect(r.replies[0]).toContain('远拓通信集团')
    expect(await processOf(t)).toMatchObject({ enterprise_name: '远拓通信集团', block_index: 0, user_name: '小王' })

    // 2. Labelled answers (rules), then a free-form answer the model reads.
    r = await t.ask(
      '活动背景：今年校招300名新员工，入职后融入慢\n活动目标：三个月内留存率提升到90%\n活动类型：线上训练营',
    )
    expect(r.replies[0]).toContain('意向课程')
    expect(r.replies[0]).not.toContain('活动背景**')
    script.inputs = (text): Record<string, string> =>
      text.includes('大胆') ? { yixiang_course: '职场新人训练营', fansan_mothed: '大胆发散' } : {}
    r = await t.ask('课程想用职场新人训练营，创意可以大胆一点')
    let p = await processOf(t)
    expect(p).toMatchObject({
      activity_beijing: '今年校招300名新员工，入职后融入慢',
      activity_type: '线上训练营',
      yixiang_course: '职场新人训练营',
      fansan_mothed: '大胆发散',
    })
    // Generation ran to the first pick: the status, then the four results and the question together
    // in one message (as few messages as fit: a group's send budget is 20 a minute).
    expect(r.replies[0]).toContain('正在生成 (1/13) 需求调研报告')
    expect(r.replies).toHaveLength(2)
    expect([...r.replies[1]!.matchAll(/^\*\*\(\d+\/13\) [^*]+\*\*$/gm)].map((m) => m[0])).toEqual([
      '**(1/13) 需求调研报告**',
      '**(2/13) 活动需求**',
      '**(3/13) 内容选择**',
      '**(4/13) 内容推荐**',
    ])
    expect(r.replies[1]).toContain('请选择内容')
    expect(r.replies[1]).toMatch(/1\. 新人融入组合/)
    expect(p.block_index).toBe(5)
    expect(p.total_tokens).toBeGreaterThan(0)
    expect(p.total_rmb).toBeGreaterThan(0)
    expect(p.current_model).toBe('fake-model')

    // The recommendation is grounded in the data: the prompt carried procurement rows, the answer cites them.
    const tuijPrompt = fake.requestsMatching(STEP_MARKERS.sys_content_tuij!)[0]!.body.messages.at(-1)!.content
    expect(tuijPrompt).toMatch(/^P1 .+采购「.+」/m)
    expect(p.sys_content_tuij).toContain('**参考依据**')
    const cite = /- P1 (.+?) · (.+?) · (\d{4})年（内容产品售卖）/.exec(p.sys_content_tuij!)
    expect(cite).not.toBeNull()
    const row = t.db.sqlite
      .prepare('SELECT count(*) AS n FROM procurements WHERE org_name = ? AND product_name = ? AND purchase_year = ?')
      .get(cite![1], cite![2], Number(cite![3])) as { n: number }
    expect(row.n).toBeGreaterThan(0)

    // 3. A search question in the middle is answered; the workflow waits.
    r = await t.ask('有没有制造业的客户案例')
    expect(r.intent).toBe('case')
    expect(r.replies[0]).toContain('内容客户案例')
    expect(r.replies[0]).toContain('运营活动设计还在进行')
    expect((await processOf(t)).block_index).toBe(5)

    // 4. 重新生成 at the pick: a new recommendation, asked again.
    r = await t.ask('重新生成')
    expect(requestsFor(fake, 'sys_content_tuij')).toBe(2)
    expect((await processOf(t)).sys_content_tuij).toContain('第2版')
    expect(r.replies.at(-1)).toContain('请选择内容')
    expect((await processOf(t)).block_index).toBe(5)

    // 5. Pick by number → the names are generated → asked to pick a name.
    r = await t.ask('选2')
    p = await processOf(t)
    expect(p.user_content_select).toContain('沟通协作组合（第2版）')
    expect(r.replies[0]).toContain('已选择第 2 个')
    expect(r.replies.at(-1)).toContain('请选择活动名称')
    expect(p.block_index).toBe(7)

    // 6. 上一步: back to the content pick; pick again in words.
    r = await t.ask('上一步')
    expect(r.replies[0]).toContain('已回到「选择内容」')
    expect((await processOf(t)).block_index).toBe(5)
    r = await t.ask('第二个')
    expect(requestsFor(fake, 'sys_activity_name')).toBe(2)
    expect((await processOf(t)).block_index).toBe(7)

    // 7. Pick a name; the long run stops (the model hangs at 活动策划) and the process "dies" mid-run.
    const original = script.handler
    fake.handler = (body, n) =>
      body.messages.some((m) => String(m.content).includes(STEP_MARKERS.sys_activity_plan!))
        ? { hang: true }
        : original(body, n)
    const pending = t.ask('选3')
    await until(() => fake.requestsMatching(STEP_MARKERS.sys_activity_plan!).length === 1, 'the plan request')
    expect((await processOf(t)).block_index).toBe(9) // 活动思路 saved, 活动策划 running
    const sentBefore = t.local.parts.length
    const bodiesBefore = t.local.parts.map((x) => x.part.body)
    await t.app.stop(10)
    t.db.close() // nothing more gets written by the dying process
    fake.dropHung()
    await pending.catch(() => undefined)
    expect(t.local.parts.length).toBe(sentBefore)

    // 8. Restart on the same database: the unfinished message is resumed where it stopped.
    fake.handler = original
    t = open()
    expect(await t.app.resumeUnfinished()).toBe(1)
    await t.app.idle(60_000)
    const after = t.local.parts.map((x) => x.part.body)
    expect(after[0]).toContain('**(7/13) 活动策划**')
    // 活动思路 was finished but not yet sent (coalesced with the next answers) when the process died:
    // it goes out now, exactly once over both lives; the run's first message is not sent again.
    expect([...bodiesBefore, ...after].filter((b) => b.includes('**(6/13) 活动思路**'))).toHaveLength(1)
    expect(after.some((b) => b.includes('已选择第 3 个'))).toBe(false)
    expect(after.at(-1)).toContain('运营活动设计完成')
    expect(requestsFor(fake, 'sys_activity_ideas')).toBe(1)
    expect(requestsFor(fake, 'sys_activity_plan')).toBe(2)

    // 9. Every seed field is saved; totals match the ledger.
    p = await processOf(t)
    expect(p.block_index).toBe(DONE_INDEX)
    expect(p.user_activity_name).toBe('星火成长营2')
    for (const f of [
      'sys_survey_report',
      'sys_activity_need',
      'sys_content_select',
      'sys_content_tuij',
      'user_content_select',
      'sys_activity_name',
      'user_activity_name',
      'sys_activity_ideas',
      'sys_activity_plan',
      'sys_activity_enroll',
      'sys_activity_xuanc',
      'sys_incentive_plan',
      'sys_yuqi_result',
      'sys_refine_merge',
      'sys_activity_simplify',
      'enterprise_name',
      'activity_beijing',
      'activity_mubiao',
      'activity_type',
      'yixiang_course',
      'fansan_mothed',
    ] as const) {
      expect(p[f], f).toBeTruthy()
    }
    const ledger = llmCalls(t.db).filter((c) => c.intent === 'activity' && c.status === 'ok')
    expect(p.total_tokens).toBe(ledger.reduce((n, c) => n + c.tokens_in + c.tokens_out, 0))
    expect(p.total_rmb).toBeCloseTo(
      ledger.reduce((n, c) => n + c.cost_rmb, 0),
      6,
    )
    expect(JSON.parse(getState(t.db, `local-dm-${DEFAULT_USER.staffId}`, DEFAULT_USER.staffId!)!.workflow!)).toEqual({
      kind: 'activity',
      processId: p.id,
    })

    // 10. 查看进度 after the end.
    r = await t.ask('查看进度')
    expect(r.replies[0]).toContain('✓ (13/13) 方案精简')
    expect(r.replies[0]).toContain('tokens')
  })

  it('cancels, and a restart between messages continues at the pick', async () => {
    const { script, open } = await setup()
    script.inputs = () => ({})
    let t = open()
    await t.ask(
      '帮我设计一个运营活动，企业名称：华星制药；活动背景：新任经理多；活动目标：提升带队能力；活动类型：混合式训练营；意向课程：无；发散方式：稳妥务实',
    )
    const id = (await processOf(t)).id
    expect((await storesOf({ db: t.db }).workflows.processData.get(id))!.block_index).toBe(5)
    // Another feature asked for by name is answered, not taken as the pick.
    expect((await t.ask('会议评审')).intent).toBe('meeting')
    expect((await storesOf({ db: t.db }).workflows.processData.get(id))!.block_index).toBe(5)
    await t.close()
    t = open()
    const r = await t.ask('1')
    expect(r.replies[0]).toContain('已选择第 1 个')
    expect((await storesOf({ db: t.db }).workflows.processData.get(id))!.block_index).toBe(7)
    const c = await t.ask('取消')
    expect(c.replies[0]).toContain('已取消运营活动设计（华星制药）')
    // With the workflow gone, "继续" is no command any more.
    expect((await t.ask('继续')).intent).not.toBe('activity')
  })

  it('paces a long run inside the message deadline and continues on 继续', async () => {
    const { script, open, fake } = await setup()
    // Steps of at least 1.5 s against a 6 s deadline, paced at 70 % (4.2 s): a third step never starts, however
    // fast the machine (the fourth is 内容推荐, then a pick, so a run of four would end without pausing), and a
    // step may run 1.8 s longer than the slowest before it before the deadline ends the message (3 s with 600 ms
    // steps left 300 ms, which load used up). Only the steps are slow, not the other model calls.
    const t = open({ ANDY_HANDLER_TIMEOUT_MS: '6000', ANDY_PIPELINE_TIMEOUT_MS: '6000' })
    fake.handler = (body, n) => ({ ...(script.handler(body, n) as object), delayMs: stepOf(body) ? 1500 : 0 })
    const r = await t.ask(
      '帮我设计一个运营活动，企业名称：华星制药；活动背景：新任经理多；活动目标：提升带队能力；活动类型：混合式训练营；意向课程：无；发散方式：稳妥务实',
    )
    expect(r.status).toBe('ok')
    expect(r.replies.at(-1)).toContain('先生成到这里')
    const first = (await processOf(t)).block_index
    // How many steps fit before the pause depends on the machine's speed; that it pauses does not.
    expect(first).toBeGreaterThanOrEqual(1)
    expect(first).toBeLessThan(5)
    let guard = 0
    while ((await processOf(t)).block_index < 5 && guard++ < 10) await t.ask('继续')
    expect((await processOf(t)).block_index).toBe(5)
    expect(t.local.parts.at(-1)!.part.body).toContain('请选择内容')
  })
})
