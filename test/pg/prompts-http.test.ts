import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPg } from '../../src/db/pg/client.js'
import { createPgStores } from '../../src/db/pg/stores.js'
import { replacePromptVersions } from '../../src/db/prompts.js'
import { type Stores, storesOf } from '../../src/db/stores/index.js'
import { importPromptFile } from '../../src/pipelines/prompt-files.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'
import { tempDir } from '../helpers/test-app.js'
import { call, type Harness, startHarness } from '../http/setup.js'

/**
 * ALieBiaoAndypromptsteps / ALieBiaoAndyReportPromts with several instances (DATABASE_URL): the prompts
 * live in PostgreSQL. A prompt imported through one instance (as `andy prompts import` does) is the one
 * the HTTP API of the other lists, and the one its pipelines read — not what its local file holds.
 */

describe.skipIf(PG_DISABLED)('the prompt tables over HTTP on PostgreSQL', () => {
  let server: PgServer
  const stores: Stores[] = []
  const instances: Harness[] = []
  const tmp = tempDir('andy-prompts-pg-')
  beforeAll(async () => {
    server = await startPgServer()
    const url = await server.createDatabase()
    for (let i = 0; i < 2; i++) {
      const s = createPgStores(await openPg(url, { migrate: true }))
      stores.push(s)
      // Each local file holds an old prompt of its own, which the bot no longer uses.
      const prepare = (db: Harness['db']) =>
        void replacePromptVersions(db, [{ version: '1.0', step_type: 'rcfz', step_name: `本地旧步骤${i}` }])
      instances.push(await startHarness({ stores: s, prepare }))
    }
  }, 120_000)
  afterAll(async () => {
    for (const h of instances) await h.close()
    for (const s of stores) await s.close()
    await server?.stop()
    tmp.cleanup()
  })

  it('a prompt imported through one instance is the one the other lists and its pipelines read', async () => {
    const [a, b] = instances as [Harness, Harness]
    const file = join(tmp.dir, 'steps.csv')
    writeFileSync(
      file,
      '提示词版本,步骤类型,步骤名称,提示词,步骤1\n2.0,rcfz,人才发展,你是顾问,"{{input}}"\n2.0,hyps,会议评审,你是评审,"{{input}}"\n',
    )
    expect(await importPromptFile(stores[0]!.llm.prompts, file, 'steps')).toMatchObject({ inserted: 2 })

    for (const h of [a, b]) {
      const v2 = await call(h.base, 'ALieBiaoAndypromptsteps', { version: '2.0' })
      expect(v2.json.data.zong_shu).toBe(2)
      expect(v2.json.data.lie_biao.map((r: { step_name: string }) => r.step_name)).toEqual(['人才发展', '会议评审'])
      expect(v2.json.data.lie_biao[0]).toMatchObject({ version: '2.0', step_type: 'rcfz', prompt: '你是顾问' })
      const one = await call(h.base, 'ALieBiaoAndypromptsteps', { version: '2.0', step_type: 'hyps' })
      expect(one.json.data).toMatchObject({ zong_shu: 1, lie_biao: [{ step_name: '会议评审', step1: '{{input}}' }] })
      // The local file's old version is not what the API shows.
      expect((await call(h.base, 'ALieBiaoAndypromptsteps', { version: '1.0' })).json.data.zong_shu).toBe(0)
    }
    // What the HTTP API of b shows is what b's pipelines read.
    const read = await storesOf(b.app.deps).llm.prompts.steps({ stepTypes: ['rcfz'] })
    expect(read.map((r) => [r.version, r.step_name])).toEqual([['2.0', '人才发展']])

    // A re-import through b replaces the version; a lists the new text.
    writeFileSync(file, '提示词版本,步骤类型,步骤名称,提示词,步骤1\n2.0,rcfz,人才发展,改过的提示词,"{{input}}"\n')
    await importPromptFile(stores[1]!.llm.prompts, file, 'steps')
    const changed = await call(a.base, 'ALieBiaoAndypromptsteps', { version: '2.0' })
    expect(changed.json.data).toMatchObject({ zong_shu: 1, lie_biao: [{ prompt: '改过的提示词' }] })
  })

  it('the report prompts are filtered and paged in PostgreSQL as on SQLite', async () => {
    const [a, b] = instances as [Harness, Harness]
    const row = (app_catalog: string, app_name: string, app_id: string, order_index: number) => ({
      app_catalog,
      app_name,
      app_id,
      app_url: null,
      currNodeInstanceId: `node-${app_id}`,
      order_index,
      prompt: `主提示词 ${app_id}`,
      step1: 's1',
      step2: null,
      step3: null,
    })
    const rows = [
      row('报告', '人才盘点报告解读', 'a1', 2),
      row('报告', '敬业度报告解读', 'a2', 1),
      row('海报', '海报解读', 'a3', 1),
      row('报告', 'Leadership 报告', 'a4', 3),
    ]
    await stores[1]!.llm.prompts.replaceReports(rows)
    // Each instance's local file: the same rows, to compare the two engines' answers.
    for (const h of instances) await storesOf({ db: h.db }).llm.prompts.replaceReports(rows)
    const ask = async (params: Record<string, string>) => {
      const [got, local] = await Promise.all([
        call(a.base, 'ALieBiaoAndyReportPromts', params),
        storesOf({ db: b.db }).llm.prompts.pageReports(
          { appCatalog: params.app_catalog, appNameContains: params.app_name, appId: params.app_id },
          { page: Number(params.page ?? 1), perpage: Number(params.perpage ?? 20) },
        ),
      ])
      expect(got.json.ret).toBe(200)
      expect(got.json.data.zong_shu).toBe(local.total)
      expect(got.json.data.lie_biao.map((r: { id: unknown }) => ({ ...r, id: 0 }))).toEqual(
        local.rows.map((r) => ({ ...r, id: 0 })),
      )
      return got.json.data as { lie_biao: Array<{ app_id: string }>; zong_shu: number }
    }
    expect((await ask({ app_catalog: '报告' })).lie_biao.map((r) => r.app_id)).toEqual(['a2', 'a1', 'a4'])
    expect((await ask({ app_name: '解读' })).zong_shu).toBe(3)
    expect((await ask({ app_name: 'leader' })).lie_biao.map((r) => r.app_id)).toEqual(['a4'])
    expect((await ask({ app_id: 'a3' })).lie_biao).toEqual([
      expect.objectContaining({ app_name: '海报解读', order_index: 1, currNodeInstanceId: 'node-a3' }),
    ])
    const page2 = await ask({ perpage: '3', page: '2' })
    expect(page2).toMatchObject({ zong_shu: 4, lie_biao: [{ app_id: 'a4' }] })
  })
})
