import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TABLES } from '../../src/tables/index.js'
import { cliRunner } from '../helpers/cli.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'
import { tempDir } from '../helpers/test-app.js'

/**
 * The CLI's case-table commands with DATABASE_URL work on PostgreSQL's case tables (the source of truth),
 * not only on the DB_PATH file: `andy seed`'s demo rows and `andy data clear-demo` reach every instance,
 * `andy export` and `andy data check` read what PostgreSQL holds.
 */

describe.skipIf(PG_DISABLED)('andy seed, data and export on PostgreSQL', () => {
  let server: PgServer
  let url = ''
  const tmp = tempDir('andy-cases-pg-')
  beforeAll(async () => {
    server = await startPgServer()
    url = await server.createDatabase()
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    tmp.cleanup()
  })

  const rowsInPg = async (): Promise<number> => {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      let n = 0
      for (const spec of TABLES) n += Number((await c.query(`SELECT count(*) AS n FROM "${spec.table}"`)).rows[0].n)
      return n
    } finally {
      await c.end()
    }
  }

  it('seeds demo rows into PostgreSQL, exports and checks them from another machine, and clears them', async () => {
    // Two machines: each its own DB_PATH, one PostgreSQL.
    const on = (name: string) =>
      cliRunner({ ...process.env, DATABASE_URL: url, DB_PATH: `${tmp.dir}/${name}.db`, LOG_LEVEL: 'silent' })
    const seeded = await on('a')('seed')
    expect(seeded.code, seeded.stderr).toBe(0)
    expect(seeded.stdout).toContain('✔ content-cases: 导入演示数据')
    const rows = await rowsInPg()
    expect(rows).toBeGreaterThan(0)

    const out = `${tmp.dir}/cases.xlsx`
    const exported = await on('b')('export', 'content-cases', '--out', out)
    expect(exported.code, exported.stderr).toBe(0)
    expect(exported.stdout).toMatch(/✔ content-cases: \d+ 行/)
    const checked = await on('b')('data', 'check', '--out', `${tmp.dir}/health.xlsx`)
    expect(checked.code, checked.stderr).toBe(0)
    expect(checked.stdout).toContain('演示')

    const cleared = await on('b')('data', 'clear-demo')
    expect(cleared.code, cleared.stderr).toBe(0)
    expect(cleared.stdout).toContain('✔ 已删除演示数据')
    expect(await rowsInPg()).toBe(0)
    // Machine a's copy follows: nothing left to clear or export there.
    expect((await on('a')('data', 'clear-demo')).stdout).toContain('没有演示数据')
    expect((await on('a')('export', 'content-cases', '--out', out)).stdout).toContain('是空表')
  }, 180_000)
})
