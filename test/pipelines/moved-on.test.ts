import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import { type ProcessRow, storesOf } from '../../src/db/stores/index.js'
import { activityLlm, STEP_MARKERS, stepOf } from '../helpers/activity-llm.js'
import { FakeOpenAI } from '../helpers/fake-openai.js'
import { createTestApp, DEFAULT_USER, demoDbPath, tempDir } from '../helpers/test-app.js'

/**
 * Several instances share the workflows' records: when one is written elsewhere while a generation runs
 * here (取消 answered by another instance, or the message taken over there after this instance's lease
 * ran out), this generation stops at its next save — nothing of it is saved or shown, and the model is
 * not asked for more. The "other instance" is the store written directly, as it would write it.
 */

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const MEETING =
  '会议评审：本周例会讨论了新员工培训排期、讲师资源不足与预算超支三个问题，最后没有形成明确的负责人和时间表。'
const INPUTS =
  '帮我设计一个运营活动，企业名称：华星制药；活动背景：新任经理多；活动目标：提升带队能力；活动类型：混合式训练营；意向课程：无；发散方式：稳妥务实'

describe('a generation whose record moved on elsewhere', () => {
  it('会议评审: 取消 on another instance while section 1 is generated stops the run here', async () => {
    let runs: ReturnType<typeof storesOf>['workflows']['pipelineRuns'] | undefined
    const fake = await FakeOpenAI.start({
      handler: async (_b, n) => {
        if (n === 1)
          expect(await runs!.close(`local-dm-${DEFAULT_USER.staffId}`, DEFAULT_USER.staffId!, Date.now())).toBe(1)
        return { content: `第${n}次回答：评审要点。` }
      },
    })
    cleanups.push(() => fake.close())
    const t = createTestApp({ clock: systemClock, user: DEFAULT_USER, fake, env: { LLM_MAX_RETRIES: '0' } })
    cleanups.push(() => t.close())
    runs = storesOf({ db: t.db }).workflows.pipelineRuns

    const r = await t.ask(MEETING)
    expect(r.intent).toBe('meeting')
    expect(r.error).toBe('cancelled by the user')
    expect(fake.requests).toHaveLength(1)
    expect(r.replies.join('\n')).not.toContain('第1次回答')
    expect(t.db.sqlite.prepare('SELECT status, sections, steps FROM pipeline_runs').all()).toEqual([
      { status: 'cancelled', sections: '[]', steps: '[]' },
    ])
    expect((await t.ask('继续')).intent).not.toBe('meeting')
  })

  async function activityApp(midStep: (stores: ReturnType<typeof storesOf>, p: ProcessRow) => Promise<void>) {
    const dir = tempDir()
    cleanups.push(() => dir.cleanup())
    const script = activityLlm()
    const fake = await FakeOpenAI.start({ handler: script.handler })
    cleanups.push(() => fake.close())
    const t = createTestApp({
      clock: systemClock,
      user: DEFAULT_USER,
      fake,
      dbPath: await demoDbPath(dir.dir),
      env: { LLM_MAX_RETRIES: '0' },
    })
    cleanups.push(() => t.close())
    const stores = storesOf({ db: t.db })
    fake.handler = async (body, n) => {
      if (stepOf(body) === 'sys_survey_report') {
        const [p] = await stores.workflows.processData.listOfUser(DEFAULT_USER.staffId!)
        await midStep(stores, p!)
      }
      return script.handler(body, n)
    }
    const record = async () => (await stores.workflows.processData.listOfUser(DEFAULT_USER.staffId!))[0]!
    return { t, fake, stores, record }
  }

  it('运营活动设计: advanced by another instance meanwhile — this step is not saved, no later step runs', async () => {
    const { t, fake, record } = await activityApp(async (stores, p) => {
      const step = { field: 'sys_survey_report' as const, text: '另一实例的报告', blockIndex: 2, tokens: 1, rmb: 0 }
      expect(await stores.workflows.processData.saveStep(p.id, p.updated_at, step, Date.now())).toBe(true)
    })
    const r = await t.ask(INPUTS)
    expect(r.intent).toBe('activity')
    expect(r.error).toBe('cancelled by the user')
    expect(await record()).toMatchObject({
      block_index: 2,
      sys_survey_report: '另一实例的报告',
      sys_activity_need: null,
    })
    expect(fake.requestsMatching(STEP_MARKERS.sys_survey_report!)).toHaveLength(1)
    expect(fake.requestsMatching(STEP_MARKERS.sys_activity_need!)).toHaveLength(0)
  })

  it('运营活动设计: 取消 on another instance meanwhile — the run stops and the design stays cancelled', async () => {
    const conv = `local-dm-${DEFAULT_USER.staffId}`
    const { t, fake, stores, record } = await activityApp(async (s, p) => {
      // What cancelHandler writes: no pointer, then a new version of the record.
      await s.state.setWorkflow(conv, DEFAULT_USER.staffId!, null, Date.now())
      expect(await s.workflows.processData.update(p.id, {}, Date.now())).toBe(1)
    })
    const r = await t.ask(INPUTS)
    expect(r.error).toBe('cancelled by the user')
    expect(await record()).toMatchObject({ enterprise_name: '华星制药', block_index: 1, sys_survey_report: null })
    expect(fake.requestsMatching(STEP_MARKERS.sys_activity_need!)).toHaveLength(0)
    expect((await stores.state.get(conv, DEFAULT_USER.staffId!))?.workflow ?? null).toBeNull()
  })

  it('运营活动设计: another field edited through the API meanwhile — the step is saved and the run goes on', async () => {
    const { t, fake, record } = await activityApp(async (s, p) => {
      if (!p.activity_mubiao?.includes('API'))
        expect(
          await s.workflows.processData.update(p.id, { activity_mubiao: '提升带队能力（API 修改）' }, Date.now()),
        ).toBe(1)
    })
    const r = await t.ask(INPUTS)
    expect(r.error).toBeUndefined()
    expect(await record()).toMatchObject({
      activity_mubiao: '提升带队能力（API 修改）',
      sys_survey_report: expect.any(String),
    })
    expect((await record()).block_index).toBeGreaterThan(2)
    expect(fake.requestsMatching(STEP_MARKERS.sys_activity_need!)).toHaveLength(1)
  })
})
