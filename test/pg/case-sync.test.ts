import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tableCount } from '../../src/db/case-search.js'
import { clearCases } from '../../src/db/case-write.js'
import { openDb } from '../../src/db/client.js'
import { changeCases, pgCasesVersion, pullCases, seedPgCases } from '../../src/db/pg/case-sync.js'
import { openPg, type PgDb } from '../../src/db/pg/client.js'
import { tableByKey } from '../../src/tables/index.js'
import { loadFixtures } from '../helpers/fixtures.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'

/**
 * Each instance's local copy of the case tables follows PostgreSQL's cases version, copying only the
 * tables pushed since its copy (case_pushes), and every table when that is not known.
 */
describe.skipIf(PG_DISABLED)('case tables copied from PostgreSQL per pushed table', () => {
  let server: PgServer
  let pg: PgDb
  beforeAll(async () => {
    server = await startPgServer()
    pg = await openPg(await server.createDatabase(), { migrate: true })
  })
  afterAll(async () => {
    await pg?.close()
    await server?.stop()
  })

  it('copies only the table another instance changed; a version without its push record copies them all', async () => {
    const cases = tableByKey('content-cases')!
    const switches = tableByKey('competitor-switches')!
    const a = openDb(':memory:')
    const b = openDb(':memory:')
    loadFixtures(a)
    expect(await seedPgCases(pg.pool, a)).toBeGreaterThan(0)
    // b's first copy takes every table.
    expect(await pullCases(pg.pool, b)).toBe(await pgCasesVersion(pg.pool))
    const switchRows = tableCount(b, switches)
    expect(switchRows).toBeGreaterThan(0)
    expect(tableCount(b, cases)).toBe(tableCount(a, cases))

    // a clears the content cases and pushes that table alone.
    await changeCases(pg.pool, a, async () => ({ result: clearCases(a, cases), changed: true, tables: [cases] }))
    // A mark on b's copy of another table: it survives a copy that does not take that table.
    clearCases(b, switches)
    expect(await pullCases(pg.pool, b)).toBe(await pgCasesVersion(pg.pool))
    expect(tableCount(b, cases)).toBe(0)
    expect(tableCount(b, switches)).toBe(0)

    // A version bumped without a push record (an older release's import): every table is copied.
    await pg.pool.query(`UPDATE app_meta SET value = (value::bigint + 1)::text WHERE key = 'cases_version'`)
    expect(await pullCases(pg.pool, b)).toBe(await pgCasesVersion(pg.pool))
    expect(tableCount(b, switches)).toBe(switchRows)
    expect(tableCount(b, cases)).toBe(0)
    a.close()
    b.close()
  })
})
