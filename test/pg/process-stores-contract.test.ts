import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb } from '../../src/db/client.js'
import { openPg } from '../../src/db/pg/client.js'
import { createPgStores } from '../../src/db/pg/stores.js'
import { createSqliteStores, type PipelineRun, type Stores } from '../../src/db/stores/index.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'

/**
 * The workflow stores' contract (运营活动设计 records, 人才发展 / 会议评审 runs), run against SQLite and a
 * real PostgreSQL server. `open` gives two instances on the same data: on PostgreSQL two pools, as two
 * `andy start` processes have.
 */

type Open = () => Promise<{ a: Stores; b: Stores; close(): Promise<void> }>

const user = { user_id: 'u1', user_name: '小王' }
const newRun = (msgId: string, conversationId = 'c1') => ({
  conversationId,
  userId: 'u1',
  msgId,
  stepType: 'rcfz',
  version: 'v1',
  input: '内容',
})

function contract(name: string, open: Open) {
  describe(`workflow stores on ${name}`, () => {
    it('process data: create, the API insert and update, a user listing newest first, spend added', async () => {
      const { a, close } = await open()
      const pd = a.workflows.processData
      const id = await pd.create(user, 1000)
      expect(await pd.get(id)).toMatchObject({ id, user_id: 'u1', user_name: '小王', block_index: 0, total_tokens: 0 })
      const other = await pd.insert(
        { user_id: 'u1', enterprise_name: '华星制药', block_index: 3, total_rmb: 0.5 },
        1100,
      )
      expect(other).toBeGreaterThan(id)
      expect(await pd.update(other, { activity_type: '训练营', block_index: 4 }, 1200)).toBe(1)
      expect(await pd.update(999_999, { activity_type: 'x' }, 1200)).toBe(0)
      await pd.addSpend(other, 120, 0.0123456789, 'deepseek-chat', 1300)
      await pd.addSpend(other, 0, 0, 'ignored', 1400)
      const rows = await pd.listOfUser('u1')
      expect(rows.map((r) => r.id)).toEqual([other, id])
      expect(rows[0]).toMatchObject({
        enterprise_name: '华星制药',
        activity_type: '训练营',
        block_index: 4,
        total_tokens: 120,
        total_rmb: 0.512346,
        current_model: 'deepseek-chat',
        created_at: 1100,
        updated_at: 1300,
      })
      expect(await pd.listOfUser('nobody')).toEqual([])
      await close()
    })

    it('process data: a step is saved only at the version it was read at; every write moves the version', async () => {
      const { a, close } = await open()
      const pd = a.workflows.processData
      const id = await pd.create(user, 1000)
      const p = (await pd.get(id))!
      const step = {
        field: 'sys_activity_need' as const,
        text: '需求',
        blockIndex: 2,
        tokens: 10,
        rmb: 0.1,
        model: 'm',
      }
      expect(await pd.saveStep(id, p.updated_at, step, 1000)).toBe(true)
      // Same millisecond, still a new version: the copy read before is stale.
      const saved = (await pd.get(id))!
      expect(saved).toMatchObject({ sys_activity_need: '需求', block_index: 2, total_tokens: 10, current_model: 'm' })
      expect(saved.updated_at).toBe(1001)
      expect(await pd.saveStep(id, p.updated_at, { ...step, text: '旧', blockIndex: 9 }, 1002)).toBe(false)
      expect(await pd.update(id, { block_index: 1 }, 1002, p.updated_at)).toBe(0)
      expect(await pd.update(id, { block_index: 1 }, 1002, saved.updated_at)).toBe(1)
      expect((await pd.get(id))!).toMatchObject({ sys_activity_need: '需求', block_index: 1, updated_at: 1002 })
      await expect(pd.saveStep(id, 1002, { ...step, field: 'id' as never }, 1003)).rejects.toThrow(
        /not a process_data field/,
      )
      await close()
    })

    it('process data: two instances advancing the same design from the same version — exactly one wins', async () => {
      const { a, b, close } = await open()
      const id = await a.workflows.processData.create(user, 1000)
      const read = (await b.workflows.processData.get(id))!
      const attempts = Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? b : a).workflows.processData.saveStep(
          id,
          read.updated_at,
          { field: 'sys_activity_need', text: `第${i}次`, blockIndex: 1, tokens: 10, rmb: 0.01 },
          2000,
        ),
      )
      const won = await Promise.all(attempts)
      expect(won.filter(Boolean)).toHaveLength(1)
      const row = (await a.workflows.processData.get(id))!
      expect(row).toMatchObject({ sys_activity_need: `第${won.indexOf(true)}次`, block_index: 1, total_tokens: 10 })
      await close()
    })

    it('pipeline runs: a new run ends the user’s unfinished ones; found by message and as unfinished', async () => {
      const { a, close } = await open()
      const runs = a.workflows.pipelineRuns
      const first = await runs.start(newRun('m1'), 1000)
      expect(first).toMatchObject({
        msgId: 'm1',
        status: 'running',
        sections: [],
        steps: [],
        tokens: 0,
        updatedAt: 1000,
      })
      const elsewhere = await runs.start(newRun('m0', 'c2'), 1000)
      const second = await runs.start(newRun('m2'), 2000)
      expect((await runs.get(first.id))!.status).toBe('cancelled')
      expect((await runs.get(elsewhere.id))!.status).toBe('running')
      expect((await runs.unfinished('c1', 'u1'))!.id).toBe(second.id)
      expect((await runs.ofMessage('m1', 'rcfz'))!.id).toBe(first.id)
      expect(await runs.ofMessage('m1', 'hyps')).toBeUndefined()
      expect(await runs.get(999_999)).toBeUndefined()
      second.sections.push({ title: '一', text: '正文', last: '结论' })
      second.steps = ['s1']
      second.tokens = 30
      second.rmb = 0.25
      second.status = 'paused'
      expect(await runs.save(second, 3000)).toBe(true)
      expect(second.updatedAt).toBe(3000)
      expect(await runs.get(second.id)).toEqual(second)
      expect(await runs.close('c1', 'u1', 4000)).toBe(1)
      expect(await runs.unfinished('c1', 'u1')).toBeUndefined()
      // A copy held while 取消 ended the run cannot bring it back.
      second.status = 'running'
      expect(await runs.save(second, 4000)).toBe(false)
      expect((await runs.get(second.id))!.status).toBe('cancelled')
      await close()
    })

    it('pipeline runs: two instances advancing one run — exactly one save wins, the other copy stays stale', async () => {
      const { a, b, close } = await open()
      const { id } = await a.workflows.pipelineRuns.start(newRun('m1'), 1000)
      const copies: PipelineRun[] = []
      for (let i = 0; i < 6; i++) copies.push((await (i % 2 ? b : a).workflows.pipelineRuns.get(id))!)
      const won = await Promise.all(
        copies.map((run, i) => {
          run.steps = [`实例${i}`]
          run.tokens = 10 + i
          return (i % 2 ? b : a).workflows.pipelineRuns.save(run, 1000)
        }),
      )
      expect(won.filter(Boolean)).toHaveLength(1)
      const winner = won.indexOf(true)
      const row = (await b.workflows.pipelineRuns.get(id))!
      expect(row).toMatchObject({ steps: [`实例${winner}`], tokens: 10 + winner, updatedAt: 1001 })
      const loser = copies[(winner + 1) % copies.length]!
      expect(loser.updatedAt).toBe(1000)
      // Read again, the loser can go on from where the winner stopped.
      const fresh = (await a.workflows.pipelineRuns.get(id))!
      fresh.steps.push('下一步')
      expect(await a.workflows.pipelineRuns.save(fresh, 1000)).toBe(true)
      expect((await b.workflows.pipelineRuns.get(id))!.steps).toEqual([`实例${winner}`, '下一步'])
      await close()
    })
  })
}

contract('SQLite', async () => {
  const db = openDb(':memory:')
  const a = createSqliteStores(db)
  return { a, b: createSqliteStores(db), close: () => a.close() }
})

describe.skipIf(PG_DISABLED)('PostgreSQL', () => {
  let server: PgServer
  beforeAll(async () => {
    server = await startPgServer()
  })
  afterAll(async () => server?.stop())
  contract('PostgreSQL', async () => {
    const url = await server.createDatabase()
    const a = createPgStores(await openPg(url, { migrate: true }))
    const b = createPgStores(await openPg(url))
    return { a, b, close: async () => Promise.all([a.close(), b.close()]).then(() => undefined) }
  })
})
