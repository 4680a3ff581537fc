import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPg } from '../../src/db/pg/client.js'
import { createPgStores } from '../../src/db/pg/stores.js'
import type { Stores } from '../../src/db/stores/index.js'
import { textEnvelope } from '../helpers/envelope.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'
import { call, type Harness, startHarness } from '../http/setup.js'

/**
 * ASaveAndyVardDtas / AGetAndyVarDatas with several instances (DATABASE_URL): each instance keeps its own
 * DB_PATH file, the records live in PostgreSQL — one written through an instance is read and updated
 * through the other. /healthz and /metrics count the backlog of the shared inbox.
 */

describe.skipIf(PG_DISABLED)('process data over HTTP on PostgreSQL', () => {
  let server: PgServer
  const stores: Stores[] = []
  const instances: Harness[] = []
  beforeAll(async () => {
    server = await startPgServer()
    const url = await server.createDatabase()
    for (let i = 0; i < 2; i++) {
      const s = createPgStores(await openPg(url, { migrate: true }))
      stores.push(s)
      instances.push(await startHarness({ stores: s }))
    }
  })
  afterAll(async () => {
    for (const h of instances) await h.close()
    for (const s of stores) await s.close()
    await server?.stop()
  })

  it('a record saved through one instance is read and updated through the other', async () => {
    const [a, b] = instances as [Harness, Harness]
    const created = await call(
      a.base,
      'ASaveAndyVardDtas',
      { user_id: 'u-pg', user_name: '王五', enterprise_name: '某银行', total_tokens: '1200', total_rmb: '0.35' },
      { method: 'POST' },
    )
    expect(created.json).toMatchObject({ ret: 200, data: { id: expect.stringMatching(/^\d+$/), row_num: '1' } })
    const id = created.json.data.id as string
    const updated = await call(
      b.base,
      'ASaveAndyVardDtas',
      { operate_type: '2', id, sys_survey_report: '调研报告内容', block_index: '2' },
      { method: 'POST' },
    )
    expect(updated.json.data).toEqual({ id, row_num: '1' })
    const missing = await call(b.base, 'ASaveAndyVardDtas', { operate_type: '2', id: '99999', user_name: 'x' })
    expect(missing.json.ret).toBe(404)
    const got = await call(a.base, 'AGetAndyVarDatas', { user_id: 'u-pg' })
    expect(got.json.data.datas).toEqual([
      expect.objectContaining({
        id,
        user_name: '王五',
        enterprise_name: '某银行',
        sys_survey_report: '调研报告内容',
        block_index: '2',
        total_tokens: '1200',
        total_rmb: '0.35',
        activity_type: null,
      }),
    ])
    // Nothing went to either instance's local file.
    for (const h of instances) expect(h.db.sqlite.prepare('SELECT count(*) FROM process_data').pluck().get()).toBe(0)
  })

  it("/healthz and /metrics count the messages waiting in PostgreSQL's inbox, whichever instance stored them", async () => {
    const [a, b] = instances as [Harness, Harness]
    await stores[0]!.inbox.insert(textEnvelope({ msgId: 'm-backlog' }), Date.now())
    for (const h of [a, b]) {
      const health = await fetch(`${h.base}/healthz`)
      expect(await health.json()).toMatchObject({ status: 'ok', db: 'ok', backlog: 1 })
      const metrics = await (await fetch(`${h.base}/metrics`)).text()
      expect(metrics.split('\n')).toContain('andy_inbox_backlog 1')
      expect(h.db.sqlite.prepare('SELECT count(*) FROM inbound_messages').pluck().get()).toBe(0)
    }
  })
})
