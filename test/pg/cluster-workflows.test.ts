import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { activityLlm } from '../helpers/activity-llm.js'
import { type ChatBody, FakeOpenAI } from '../helpers/fake-openai.js'
import { type PgCluster, pgCluster } from '../helpers/pg-cluster.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'

/**
 * The LLM workflows on two real `andy start` processes on one PostgreSQL: a user's messages reach
 * whichever instance DingTalk picks, and the design (process_data, conversation_state) and the runs
 * (pipeline_runs) in PostgreSQL carry the workflow from one message to the next. Asserted: what the user
 * reads (each step once, in order, never "暂不可用") and the rows in PostgreSQL.
 */

let server: PgServer | undefined
let cluster: PgCluster | undefined
let llm: FakeOpenAI | undefined

beforeAll(async () => {
  if (!PG_DISABLED) server = await startPgServer()
}, 120_000)
afterAll(async () => {
  await server?.stop()
})
afterEach(async () => {
  await cluster?.close()
  await llm?.close()
  cluster = undefined
  llm = undefined
})

const all = (c: PgCluster) => c.env.sink.requests.map((r) => JSON.stringify(r.body)).join('\n')
const count = (texts: string[], needle: string) => texts.filter((t) => t.includes(needle)).length

describe.skipIf(PG_DISABLED)('LLM workflows on several andy start processes on one PostgreSQL', () => {
  it('运营活动设计: each answer through the other instance moves the one design on, nothing twice', async () => {
    const script = activityLlm()
    script.inputs = (text): Record<string, string> =>
      text.includes('稳妥') ? { yixiang_course: '职场新人训练营', fansan_mothed: '稳妥务实' } : {}
    llm = await FakeOpenAI.start({ handler: script.handler })
    const c = (cluster = await pgCluster(await server!.createDatabase(), llm))
    const a = await c.start('a')
    const b = await c.start('b')
    const say = (via: typeof a, id: string, text: string, done: string) =>
      c.say(via, id, 'rep1', text).then(() => c.answered(id, `the reply to ${text}`, (t) => t.includes(done)))

    let out = await say(
      a,
      'w1',
      '帮我给远拓通信集团设计一个运营活动，活动背景：校招新人融入慢；活动目标：留存率90%；活动类型：线上训练营',
      '发散方式',
    )
    expect(out[0]).toContain('意向课程')
    out = await say(b, 'w2', '课程用职场新人训练营，方案稳妥一点', '请选择内容')
    expect(out.join('\n')).toContain('**(4/13) 内容推荐**')
    out = await say(a, 'w3', '重新生成', '请选择内容')
    expect(out.at(-1)).toContain('第2版')
    expect(out.join('\n')).not.toContain('需求调研报告**')
    out = await say(b, 'w4', '选1', '请选择活动名称')
    out = await say(a, 'w5', '上一步', '已回到「选择内容」')
    out = await say(b, 'w6', '新人融入组合', '请选择活动名称')
    expect(out[0]).toContain('已选择第 1 个')
    out = await say(a, 'w7', '第五个', '运营活动设计完成')
    expect(out[0]).toContain('已选择第 5 个')
    out = await say(b, 'w8', '查看进度', '(13/13)')
    expect(out[0]).toContain('✓ (13/13) 方案精简')

    // Every generated step reached the user once (内容推荐 twice: 重新生成), no model call made twice.
    const texts = c.env.sink.requests.map((r) => JSON.stringify(r.body))
    expect(count(texts, '(1/13) 需求调研报告**')).toBe(1)
    expect(count(texts, '(4/13) 内容推荐**')).toBe(2)
    expect(count(texts, '(6/13) 活动思路**')).toBe(1)
    expect(count(texts, '(13/13) 方案精简**')).toBe(1)
    expect(Object.fromEntries(script.counts)).toMatchObject({
      sys_survey_report: 1,
      sys_content_tuij: 2,
      sys_activity_name: 2, // after 选1, and again after 上一步 and 新人融入组合
      sys_activity_ideas: 1,
      sys_activity_simplify: 1,
    })
    expect(all(c)).not.toContain('暂不可用')
    expect(all(c)).not.toContain('多实例')

    // PostgreSQL: one design, finished, with the picks made on either instance; the pointer closed.
    const designs = await c.query<{ block_index: number; user_activity_name: string; user_content_select: string }>(
      `SELECT block_index, user_activity_name, user_content_select FROM process_data WHERE user_id = 'rep1'`,
    )
    expect(designs).toHaveLength(1)
    expect(designs[0]).toMatchObject({ block_index: 16, user_activity_name: '青苗计划2' })
    expect(designs[0]!.user_content_select).toContain('新人融入组合（第2版）')
    const [state] = await c.query<{ workflow: string }>(
      `SELECT workflow FROM conversation_state WHERE user_id = 'rep1'`,
    )
    expect(JSON.parse(state!.workflow)).not.toHaveProperty('run')
    await c.settled('the design')
    const inbox = await c.query<{ msg_id: string; status: string; lease_owner: string | null }>(
      `SELECT msg_id, status, lease_owner FROM inbound_messages ORDER BY id`,
    )
    expect(inbox.map((r) => r.msg_id)).toEqual(['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'])
    expect(inbox.every((r) => r.status === 'replied' && r.lease_owner === null)).toBe(true)
  }, 300_000)

  it('人才发展: a run stopped by the model continues on the other instance without repeating a section', async () => {
    // The model fails the first 人才发展建议 call: the run pauses after its first section.
    let failed = false
    llm = await FakeOpenAI.start({
      handler: (body: ChatBody) => {
        const u = body.messages.map((m) => String(m.content)).join('\n')
        if (u.includes('为客户提出人才发展方案') && !failed) {
          failed = true
          return { status: 500 }
        }
        if (u.includes('请做人才现状诊断')) return '【诊断】基层经理带团队能力不足。'
        if (u.includes('为客户提出人才发展方案')) return '【方案】新任经理训练营。'
        if (u.includes('提炼为销售同事可以直接发给客户的要点')) return '【要点】三条建议。'
        return '好的。'
      },
    })
    const c = (cluster = await pgCluster(await server!.createDatabase(), llm))
    const a = await c.start('a')
    const b = await c.start('b')
    await c.say(
      a,
      't1',
      'rep2',
      '人才发展：某制造企业 5000 人，今年提拔了 60 名技术骨干做基层经理，普遍不会带团队，离职率上升',
    )
    let out = await c.answered('t1', 'the paused run', (t) => t.includes('回复 **继续**'))
    expect(out.join('\n')).toContain('【诊断】基层经理带团队能力不足。')
    expect(out.at(-1)).toContain('停在第 2/2 部分「人才发展建议」')
    await c.settled('the paused run')

    await c.say(b, 't2', 'rep2', '查看进度')
    out = await c.answered('t2', 'the progress')
    expect(out[0]).toContain('「人才发展」已完成 1/2 部分')

    await c.say(b, 't3', 'rep2', '继续')
    out = await c.answered('t3', 'the finished run', (t) => t.includes('【要点】三条建议。'))
    await c.settled('the finished run')
    expect(out[0]).toContain('从第 2/2 部分「人才发展建议」开始（前 1 部分见上文）')
    expect(out.join('\n')).not.toContain('【诊断】')
    expect(out.join('\n')).toContain('【方案】新任经理训练营。')
    // Each section once; the diagnosis was not asked of the model again.
    const texts = c.env.sink.requests.map((r) => JSON.stringify(r.body))
    expect(count(texts, '【诊断】')).toBe(1)
    expect(count(texts, '【要点】')).toBe(1)
    expect(llm.requestsMatching('请做人才现状诊断')).toHaveLength(1)
    expect(all(c)).not.toContain('暂不可用')

    const runs = await c.query<{ status: string; msg_id: string; sections: string }>(
      `SELECT status, msg_id, sections FROM pipeline_runs WHERE user_id = 'rep2'`,
    )
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ status: 'done', msg_id: 't1' })
    const sections = JSON.parse(runs[0]!.sections) as Array<{ title: string }>
    expect(sections.map((s) => s.title)).toEqual(['人才现状诊断', '人才发展建议'])
    const inbox = await c.query<{ msg_id: string; status: string; intent: string }>(
      `SELECT msg_id, status, intent FROM inbound_messages ORDER BY id`,
    )
    expect(inbox).toEqual([
      { msg_id: 't1', status: 'failed', intent: 'talent' },
      { msg_id: 't2', status: 'replied', intent: 'progress' },
      { msg_id: 't3', status: 'replied', intent: 'talent' },
    ])
  }, 300_000)
})
