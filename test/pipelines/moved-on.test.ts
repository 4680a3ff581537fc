import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import { storesOf } from '../../src/db/stores/index.js'
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
        if (n === 1) expect(await runs!.close(`local-dm-${DEFAULT_USER.staffId}`, DEFAULT_USER.staffId!, Date.now())).toBe(1)
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

  it('运营活动设计: a step finished after the record moved on is not saved, and no later step runs', async () => {
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
    const records = storesOf({ db: t.db }).workflows.processData
    fake.handler = async (body, n) => {
      if (stepOf(body) === 'sys_survey_report') {
        const [p] = await records.listOfUser(DEFAULT_USER.staffId!)
        expect(await records.update(p!.id, {}, Date.now())).toBe(1)
      }
      return script.handler(body, n)
    }

    const r = await t.ask(INPUTS)
    expect(r.intent).toBe('activity')
    expect(r.error).toBe('cancelled by the user')
    const [p] = await records.listOfUser(DEFAULT_USER.staffId!)
    expect(p).toMatchObject({ enterprise_name: '华星制药', block_index: 1, sys_survey_report: null })
    expect(fake.requestsMatching(STEP_MARKERS.sys_survey_report!)).toHaveLength(1)
    expect(fake.requestsMatching(STEP_MARKERS.sys_activity_need!)).toHaveLength(0)
  })
})
