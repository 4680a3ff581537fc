import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import { openDb } from '../../src/db/client.js'
import { openPg } from '../../src/db/pg/client.js'
import { createPgStores } from '../../src/db/pg/stores.js'
import { type ProcessRow, type Stores, storesOf } from '../../src/db/stores/index.js'
import { activityLlm } from '../helpers/activity-llm.js'
import { cliRunner } from '../helpers/cli.js'
import { FakeOpenAI } from '../helpers/fake-openai.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'
import { createTestApp, DEFAULT_USER, demoDbPath, tempDir } from '../helpers/test-app.js'

/**
 * Moving from the single file to several instances: `andy migrate` brings the workflows under way along
 * (the 运营活动设计 records, the 人才发展 / 会议评审 runs, the conversations' pointers to a design), so a rep
 * continues a design on PostgreSQL where the file left it; a second migrate doubles nothing.
 */

let server: PgServer | undefined
const cleanups: Array<() => Promise<void> | void> = []
beforeAll(async () => {
  if (!PG_DISABLED) server = await startPgServer()
}, 120_000)
afterAll(async () => {
  await server?.stop()
})
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function count(url: string, table: string): Promise<number> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return Number((await c.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)
  } finally {
    await c.end()
  }
}

async function pointer(url: string, userId: string): Promise<{ processId: number } | undefined> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    const r = await c.query<{ workflow: string | null }>('SELECT workflow FROM conversation_state WHERE user_id = $1', [
      userId,
    ])
    return r.rows[0]?.workflow ? JSON.parse(r.rows[0].workflow) : undefined
  } finally {
    await c.end()
  }
}

describe.skipIf(PG_DISABLED)('andy migrate: the workflows under way move from the file to PostgreSQL', () => {
  it('a design started on the file continues on PostgreSQL; a paused run moves with its id; migrate twice doubles nothing', async () => {
    const dir = tempDir()
    cleanups.push(() => dir.cleanup())
    const script = activityLlm()
    const fake = await FakeOpenAI.start({ handler: script.handler })
    cleanups.push(() => fake.close())
    const file = await demoDbPath(dir.dir)
    const open = (dbPath: string, stores?: Stores) => {
      const t = createTestApp({
        clock: systemClock,
        user: DEFAULT_USER,
        fake,
        dbPath,
        env: { LLM_MAX_RETRIES: '0' },
        ...(stores ? { extraDeps: { stores } } : {}),
      })
      cleanups.push(() => t.close().catch(() => {}))
      return t
    }

    // 1. On the single file: a design generated up to the pick of contents, and another rep's paused run.
    const single = open(file)
    await single.ask('帮我给远拓通信集团设计一个运营活动')
    await single.ask('活动背景：今年校招300名新员工\n活动目标：留存率提升到90%\n活动类型：线上训练营')
    script.inputs = () => ({ yixiang_course: '职场新人训练营', fansan_mothed: '大胆发散' })
    const picked = await single.ask('课程想用职场新人训练营，创意可以大胆一点')
    expect(picked.replies.at(-1)).toContain('请选择内容')
    const fileStores = storesOf({ db: single.db }).workflows
    const [design] = (await fileStores.processData.listOfUser(DEFAULT_USER.staffId!)) as [ProcessRow]
    expect(design.block_index).toBe(5)
    const run = await fileStores.pipelineRuns.start(
      {
        conversationId: 'cid-li',
        userId: 'u-li',
        msgId: 'm-talent',
        stepType: 'rcfz',
        version: 'v1',
        input: '盘点数据',
      },
      Date.now(),
    )
    run.sections = [{ title: '第一部分', text: '盘点结论', last: '结论' }]
    run.status = 'paused'
    expect(await fileStores.pipelineRuns.save(run, Date.now())).toBe(true)
    await single.close()

    // 2. PostgreSQL already holds a design of its own under the file's design id.
    const url = await server!.createDatabase()
    const pgDb = await openPg(url, { migrate: true })
    cleanups.push(() => pgDb.close())
    const shared = createPgStores(pgDb)
    const own = await shared.workflows.processData.create({ user_id: 'u-zhao', user_name: '老赵' }, Date.now())
    expect(own).toBe(design.id)

    // 3. andy migrate, twice.
    const migrate = cliRunner({ ...process.env, DB_PATH: file, DATABASE_URL: url, LOG_LEVEL: 'silent' })
    const first = await migrate('migrate')
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain('运营活动设计 1 条，人才发展/会议评审进度 1 条')
    const second = await migrate('migrate')
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).not.toContain('进行中的工作')
    expect(await count(url, 'process_data')).toBe(2)
    expect(await count(url, 'pipeline_runs')).toBe(1)
    expect(await count(url, 'conversation_state')).toBe(1)

    // The design under a new id (its own was taken), every field as on the file; the pointer follows it.
    const [moved] = (await shared.workflows.processData.listOfUser(DEFAULT_USER.staffId!)) as [ProcessRow]
    expect(moved.id).not.toBe(own)
    const { id: _a, ...fields } = design
    const { id: _b, ...movedFields } = moved
    expect(movedFields).toEqual({ ...fields, created_at: Math.round(design.created_at) })
    expect((await pointer(url, DEFAULT_USER.staffId!))?.processId).toBe(moved.id)
    expect((await shared.workflows.processData.get(own))?.user_name).toBe('老赵')
    // The run kept its id and what it had finished; 继续 finds it.
    expect(await shared.workflows.pipelineRuns.unfinished('cid-li', 'u-li')).toMatchObject({
      id: run.id,
      status: 'paused',
      sections: [{ title: '第一部分', text: '盘点结论', last: '结论' }],
    })
    // New rows take ids after the copied ones.
    expect(await shared.workflows.processData.create({ user_id: 'u-new', user_name: '新人' }, Date.now())).toBe(
      moved.id + 1,
    )
    const next = await shared.workflows.pipelineRuns.start(
      { conversationId: 'cid-new', userId: 'u-new', msgId: 'm-new', stepType: 'rcfz', version: 'v1', input: 'x' },
      Date.now(),
    )
    expect(next.id).toBe(run.id + 1)

    // 4. An instance on PostgreSQL (its own copy of the case tables): the rep picks a content and goes on.
    const instance = open(await demoDbPath(dir.dir, 'instance.db'), shared)
    const r = await instance.ask('选2')
    expect(r.replies[0]).toContain('已选择第 2 个')
    expect(r.replies.at(-1)).toContain('请选择活动名称')
    const after = await shared.workflows.processData.get(moved.id)
    expect(after?.user_content_select).toBeTruthy()
    expect(after?.block_index).toBeGreaterThan(5)
    // Nothing of it went to the instance's file.
    expect(instance.db.sqlite.prepare('SELECT count(*) FROM process_data').pluck().get()).toBe(0)
    // The file itself is as it was.
    const fileDb = openDb(file)
    cleanups.push(() => fileDb.close())
    expect(fileDb.sqlite.prepare('SELECT block_index FROM process_data').pluck().all()).toEqual([5])
  }, 180_000)
})
