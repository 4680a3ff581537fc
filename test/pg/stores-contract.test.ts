import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb } from '../../src/db/client.js'
import type { LlmCallRecord } from '../../src/db/llm-calls.js'
import { openPg, type PgDb, pgSchemaVersion } from '../../src/db/pg/client.js'
import { createPgStores } from '../../src/db/pg/stores.js'
import { createSqliteStores, type Stores } from '../../src/db/stores/index.js'
import { textEnvelope } from '../helpers/envelope.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'

/** The same contract, run against SQLite and against a real PostgreSQL server. */

const envelope = (msgId: string, text?: string, user?: string, conversationId?: string) =>
  textEnvelope({ msgId, text, user, conversationId })

const usage = (msg: string) => ({
  record: {
    assistant_type: '4',
    assistant_name: '客户案例',
    use_time: '2026-12-02 10:00:00',
    use_date: '2026-12-02',
    intent: 'case',
    status: 'ok',
    msg_id: msg,
  },
  onError: (err: unknown) => {
    throw err
  },
})

function contract(name: string, open: () => Promise<Stores>, caps: { leases: boolean }) {
  describe(`stores on ${name}`, () => {
    it('the inbox insert is the claim: a redelivery is a duplicate with the same id', async () => {
      const s = await open()
      const a = await s.inbox.insert(envelope('m1'), 10)
      const b = await s.inbox.insert(envelope('m1'), 11)
      expect(a.duplicate).toBe(false)
      expect(b).toEqual({ id: a.id, duplicate: true })
      expect(await s.inbox.backlog()).toBe(1)
      expect(await s.inbox.get(a.id)).toMatchObject({ msg_id: 'm1', status: 'received', attempts: 0, received_at: 10 })
      await s.close()
    })

    it('processing, finishing with a usage record, unfinished listing and retry', async () => {
      const s = await open()
      const a = (await s.inbox.insert(envelope('m1'), 1)).id
      const b = (await s.inbox.insert(envelope('m2', 'x', 'u2'), 2)).id
      expect(await s.inbox.markProcessing(a, 3)).toBe(true)
      expect((await s.inbox.unfinished()).map((r) => r.id)).toEqual([a, b])
      await s.inbox.finish(a, 'replied', 4, { intent: 'case' }, usage('m1'))
      expect(await s.inbox.get(a)).toMatchObject({ status: 'replied', intent: 'case', attempts: 1 })
      expect(await s.inbox.markProcessing(a, 5)).toBe(false)
      expect((await s.inbox.unfinished(10, 0)).map((r) => r.id)).toEqual([b])
      const p = await s.outbox.upsertPart(a, { no: 1, key: 'robot/m1:1', kind: 'markdown', title: 't', body: 'one' })
      await s.outbox.markFailed(p.id, 'expired', true)
      expect(await s.inbox.resetForRetry(a, 6)).toBe(1)
      expect(await s.inbox.get(a)).toMatchObject({ status: 'received', attempts: 0, last_error: null })
      await s.close()
    })

    it('a stored reply part wins over a regenerated one and is sent once', async () => {
      const s = await open()
      const id = (await s.inbox.insert(envelope('m1'), 1)).id
      const first = await s.outbox.upsertPart(id, {
        no: 1,
        key: 'robot/m1:1',
        kind: 'markdown',
        title: 't',
        body: 'first text',
      })
      await s.outbox.markSent(first.id, 'webhook', 2)
      const again = await s.outbox.upsertPart(id, {
        no: 1,
        key: 'robot/m1:1',
        kind: 'markdown',
        title: 't',
        body: 'regenerated',
      })
      expect(again).toMatchObject({ id: first.id, body: 'first text', status: 'sent', channel: 'webhook' })
      await s.outbox.markFailed(
        (await s.outbox.upsertPart(id, { no: 2, key: 'robot/m1:2', kind: 'markdown', title: 'b', body: 'b' })).id,
        'busy',
        false,
      )
      expect((await s.outbox.partsOf(id)).map((p) => [p.part_no, p.status, p.attempts])).toEqual([
        [1, 'sent', 1],
        [2, 'pending', 1],
      ])
      await s.close()
    })

    it('conversation state, scheduled runs, idempotent requests and the cases version', async () => {
      const s = await open()
      await s.state.setLastSearch('c', 'u', '{"page":1}', 1)
      await s.state.setWorkflow('c', 'u', '{"kind":"activity"}', 2)
      expect(await s.state.get('c', 'u')).toEqual({ last_search: '{"page":1}', workflow: '{"kind":"activity"}' })
      expect(await s.state.get('c', 'other')).toBeUndefined()

      expect(await s.scheduledRuns.claim('digest', '2026-W48', JSON.stringify({ claimedAt: 100 }))).toBe(true)
      expect(await s.scheduledRuns.claim('digest', '2026-W48', '{}')).toBe(false)
      expect(await s.scheduledRuns.takeOver('digest', '2026-W48', JSON.stringify({ claimedAt: 200 }), 50)).toBe(false)
      expect(await s.scheduledRuns.takeOver('digest', '2026-W48', JSON.stringify({ claimedAt: 200 }), 150)).toBe(true)
      await s.scheduledRuns.update('digest', '2026-W48', 'sent', '{}')
      expect((await s.scheduledRuns.list('digest')).map((r) => [r.period, r.status])).toEqual([['2026-W48', 'sent']])

      expect(await s.idempotency.claim('a:k', 1000, 500)).toEqual({ state: 'new' })
      expect(await s.idempotency.claim('a:k', 1100, 500)).toEqual({ state: 'running' })
      expect(await s.idempotency.claim('a:k', 1600, 500)).toEqual({ state: 'new' })
      await s.idempotency.finish('a:k', 200, 'application/json', '{"ok":1}', 1700)
      expect(await s.idempotency.claim('a:k', 1800, 500)).toEqual({
        state: 'done',
        status: 200,
        contentType: 'application/json',
        body: '{"ok":1}',
      })
      await s.idempotency.release('a:k')
      expect(await s.idempotency.claim('a:k', 1900, 500)).toEqual({ state: 'new' })

      const v0 = await s.meta.casesVersion()
      await s.meta.bumpCasesVersion()
      await s.meta.bumpCasesVersion()
      expect(Number(await s.meta.casesVersion())).toBe(Number(v0) + 2)
      await s.close()
    })

    it('the words of a 报告解读 request sent just before a file name its interpretation', async () => {
      const s = await open()
      const said = (await s.inbox.insert(envelope('m1', '人才盘点报告解读'), 10)).id
      await s.inbox.finish(said, 'replied', 11, { intent: 'report' })
      const file = (await s.inbox.insert(envelope('m2', ''), 20)).id
      const q = { conversationId: 'c1', senderStaffId: 'u1', sinceMs: 5, beforeId: file }
      expect(await s.inbox.reportRequestText(q)).toBe('人才盘点报告解读')
      expect(await s.inbox.reportRequestText({ ...q, sinceMs: 15 })).toBeUndefined()
      expect(await s.inbox.reportRequestText({ ...q, senderStaffId: 'u2' })).toBeUndefined()
      expect(await s.inbox.reportRequestText({ ...q, beforeId: said })).toBeUndefined()
      await s.close()
    })

    it('LLM calls: recorded with usage and cost, a user-day spend, listings and sums', async () => {
      const s = await open()
      const call = (o: Partial<LlmCallRecord>): LlmCallRecord => ({
        model: 'qwen-plus',
        intent: 'report',
        user_id: 'u1',
        msg_id: 'm1',
        tokens_in: 1000,
        tokens_out: 200,
        estimated: false,
        cost_rmb: 0.0123,
        latency_ms: 900,
        status: 'ok',
        use_date: '2026-12-02',
        ...o,
      })
      const first = await s.llm.calls.record(call({}))
      await s.llm.calls.record(call({ msg_id: 'm2', cost_rmb: 0.5, estimated: true }))
      await s.llm.calls.record(
        call({ status: 'error', error: 'timeout: slow', tokens_in: 0, tokens_out: 0, cost_rmb: 0 }),
      )
      await s.llm.calls.record(call({ user_id: 'u2', msg_id: 'm3', model: 'qwen-vl-max', cost_rmb: 2 }))
      await s.llm.calls.record(call({ msg_id: 'm0', use_date: '2026-12-01', cost_rmb: 7 }))
      expect(await s.llm.calls.spentOn('u1', '2026-12-02')).toBeCloseTo(0.5123, 9)
      expect(await s.llm.calls.spentOn('u1', '2026-12-03')).toBe(0)
      expect(await s.llm.calls.spentOn('nobody', '2026-12-02')).toBe(0)
      const ofMessage = await s.llm.calls.list({ msgId: 'm1' })
      expect(ofMessage.map((r) => [r.id, r.status, r.error])).toEqual([
        [first, 'ok', null],
        [first + 2, 'error', 'timeout: slow'],
      ])
      expect(ofMessage[0]).toMatchObject({
        tokens_in: 1000,
        tokens_out: 200,
        estimated: 0,
        latency_ms: 900,
        intent: 'report',
      })
      expect((await s.llm.calls.list({ userId: 'u2' })).map((r) => r.model)).toEqual(['qwen-vl-max'])
      expect(await s.llm.calls.list()).toHaveLength(5)
      const totals = await s.llm.calls.totals()
      expect(totals.find((t) => t.model === 'qwen-plus' && t.status === 'ok')).toMatchObject({
        calls: 3,
        tokens_in: 3000,
        tokens_out: 600,
      })
      expect(totals.find((t) => t.model === 'qwen-plus' && t.status === 'ok')?.cost_rmb).toBeCloseTo(7.5123, 9)
      const byDay = await s.llm.calls.costByDay({ from: '2026-12-02', to: '2026-12-02', userId: 'u1' })
      expect(byDay).toEqual([
        {
          use_date: '2026-12-02',
          model: 'qwen-plus',
          calls: 3,
          failed: 1,
          tokens_in: 2000,
          tokens_out: 400,
          cost: expect.closeTo(0.5123, 9),
        },
      ])
      expect((await s.llm.calls.costByDay({ from: '2026-12-01', to: '2026-12-02' })).length).toBe(3)
      await s.close()
    })

    it('prompts: versions newest first, a re-import replaces its version, report prompts replaced whole', async () => {
      const s = await open()
      const p = s.llm.prompts
      expect(await p.countSteps()).toBe(0)
      expect(await p.versions()).toEqual([])
      await p.replaceVersions([
        { version: '1.9', step_type: 'rcfz', step_name: '旧', prompt: '你是顾问', steps: { step1: '{{input}}' } },
        { version: '1.10', step_type: 'rcfz', step_name: '新', steps: { step1: 'a', step12: 'z' } },
        { version: '1.10', step_type: 'hyps', step_name: '会议' },
        { version: '1.2', step_type: 'hyps', step_name: '更旧' },
      ])
      expect(await p.versions()).toEqual(['1.10', '1.9', '1.2'])
      expect(await p.versions(['hyps'])).toEqual(['1.10', '1.2'])
      expect((await p.steps()).map((r) => r.step_name)).toEqual(['新', '会议', '旧', '更旧'])
      const [row] = await p.steps({ version: '1.10', stepTypes: ['rcfz'] })
      expect(row).toMatchObject({ step_name: '新', prompt: null, step1: 'a', step2: null, step12: 'z' })
      expect(await p.replaceVersions([{ version: '1.10', step_type: 'rcfz', step_name: '换' }])).toEqual({
        inserted: 1,
        deleted: 2,
      })
      expect((await p.steps({ version: '1.10' })).map((r) => r.step_name)).toEqual(['换'])
      expect(await p.countSteps()).toBe(3)

      const report = (name: string, order: number) => ({
        app_catalog: '报告解读',
        app_name: name,
        app_id: `id-${name}`,
        app_url: null,
        currNodeInstanceId: `node-${order}`,
        order_index: order,
        prompt: `解读${name}`,
        step1: '{{report}}',
        step2: null,
        step3: null,
      })
      await p.replaceReports([report('满意度', 2), report('学习数据', 1)])
      expect((await p.reports()).map((r) => [r.app_name, r.order_index, r.currNodeInstanceId])).toEqual([
        ['学习数据', 1, 'node-1'],
        ['满意度', 2, 'node-2'],
      ])
      expect((await p.reports({ appName: '满意度' })).map((r) => r.app_id)).toEqual(['id-满意度'])
      expect(await p.replaceReports([report('人才盘点', 0)])).toEqual({ inserted: 1, deleted: 2 })
      expect(await p.countReports()).toBe(1)
      await s.close()
    })

    it.runIf(caps.leases)(
      'a lease keeps other instances off a running message until it expires; per-user order holds',
      async () => {
        const s = await open()
        const a = (await s.inbox.insert(envelope('m1', 'first', 'u1'), 1)).id
        const b = (await s.inbox.insert(envelope('m2', 'second', 'u1'), 2)).id
        const c = (await s.inbox.insert(envelope('m3', 'other user', 'u2'), 3)).id
        // u1's second message waits for the first, whoever holds it; u2's does not.
        expect(await s.inbox.markProcessing(b, 10, { owner: 'B', until: 1000 })).toBe(false)
        expect(await s.inbox.markProcessing(c, 10, { owner: 'B', until: 5000 })).toBe(true)
        expect(await s.inbox.markProcessing(a, 10, { owner: 'A', until: 1000 })).toBe(true)
        expect(await s.inbox.markProcessing(a, 20, { owner: 'B', until: 1020 })).toBe(false)
        expect(await s.inbox.renewLease(a, { owner: 'A', until: 2000 })).toBe(true)
        expect((await s.inbox.unfinished(10, 0, 1500)).map((r) => r.id)).toEqual([b])
        // Restarted under the same name, A lists its own leased message too.
        expect((await s.inbox.unfinished(10, 0, 1500, 'A')).map((r) => r.id)).toEqual([a, b])
        // A dies: after its lease, B takes the message over (attempts counts both).
        expect(await s.inbox.markProcessing(a, 1500, { owner: 'B', until: 2500 })).toBe(false)
        expect(await s.inbox.markProcessing(a, 2001, { owner: 'B', until: 3000 })).toBe(true)
        expect(await s.inbox.renewLease(a, { owner: 'A', until: 4000 })).toBe(false)
        expect(await s.inbox.get(a)).toMatchObject({ attempts: 2, lease_owner: 'B' })
        await s.inbox.finish(a, 'replied', 2100)
        expect(await s.inbox.markProcessing(b, 2200, { owner: 'A', until: 3200 })).toBe(true)
        await s.close()
      },
    )

    it.runIf(caps.leases)(
      'a message received with a lease is left to its instance while it renews; put back for order, it is free',
      async () => {
        const s = await open()
        const a = (await s.inbox.insert(envelope('m1', 'first', 'u1'), 1, { owner: 'A', until: 100 })).id
        const b = (await s.inbox.insert(envelope('m2', 'second', 'u1'), 2, { owner: 'A', until: 100 })).id
        expect(await s.inbox.markProcessing(a, 50, { owner: 'B', until: 1050 })).toBe(false)
        expect(await s.inbox.unfinished(10, 0, 50)).toEqual([])
        // A renews both; one of them taken over by B meanwhile would be reported lost.
        expect(await s.inbox.renewLeases([a, b], { owner: 'A', until: 1000 })).toEqual([])
        expect(await s.inbox.markProcessing(a, 500, { owner: 'B', until: 1500 })).toBe(false)
        expect(await s.inbox.markProcessing(a, 500, { owner: 'A', until: 1500 })).toBe(true)
        // u1's second message waits for the first: put back without a lease, any instance may take it later.
        expect(await s.inbox.markProcessing(b, 600, { owner: 'A', until: 1600 })).toBe(false)
        expect(await s.inbox.get(b)).toMatchObject({ status: 'received', lease_owner: null, attempts: 0 })
        expect((await s.inbox.unfinished(10, 0, 600)).map((r) => r.id)).toEqual([b])
        expect(await s.inbox.renewLeases([a, b], { owner: 'B', until: 2000 })).toEqual([a])
        await s.inbox.finish(a, 'replied', 700)
        expect(await s.inbox.markProcessing(b, 800, { owner: 'B', until: 1800 })).toBe(true)
        // Shutting down, B lets go of what it has not started: nothing here (b is running).
        await s.inbox.releaseLeases([b], 'B')
        expect(await s.inbox.get(b)).toMatchObject({ status: 'processing', lease_owner: 'B' })
        await s.close()
      },
    )
  })
}

contract('SQLite', async () => createSqliteStores(openDb(':memory:')), { leases: false })

describe.skipIf(PG_DISABLED)('PostgreSQL', () => {
  let server: PgServer
  beforeAll(async () => {
    server = await startPgServer()
  })
  afterAll(async () => server?.stop())
  const openFresh = async (): Promise<Stores> =>
    createPgStores(await openPg(await server.createDatabase(), { migrate: true }))
  contract('PostgreSQL', openFresh, { leases: true })

  it('migrations apply once and report the schema version', async () => {
    const url = await server.createDatabase()
    const dbs: PgDb[] = await Promise.all([openPg(url, { migrate: true }), openPg(url, { migrate: true })])
    const v = await pgSchemaVersion(dbs[0]!.pool)
    expect(v.applied).toBe(v.latest)
    expect(v.latest).toBeGreaterThan(0)
    await Promise.all(dbs.map((d) => d.close()))
  })
})
