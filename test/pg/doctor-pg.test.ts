import { readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cliRunner } from '../helpers/cli.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'
import { tempDir } from '../helpers/test-app.js'

/**
 * `andy doctor` with DATABASE_URL (issue 15): the PostgreSQL row says whether the server answers and the
 * schema version (migrations applied / committed), with the fix when it is behind or unreachable; the URL's
 * password is never printed.
 */

const MIGRATIONS = readdirSync(fileURLToPath(new URL('../../drizzle/pg', import.meta.url))).filter((f) =>
  f.endsWith('.sql'),
).length
const PASSWORD = 'doctor-secret-pw'

let server: PgServer | undefined
const cleanups: Array<() => void> = []
beforeAll(async () => {
  if (!PG_DISABLED) server = await startPgServer()
}, 120_000)
afterAll(async () => {
  await server?.stop()
})
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn()
})

/** The line of the doctor's table that names PostgreSQL. */
const pgRow = (stdout: string) => stdout.split('\n').find((l) => l.startsWith('PostgreSQL')) ?? ''

function runner(databaseUrl: string) {
  const dir = tempDir()
  cleanups.push(() => dir.cleanup())
  // No DingTalk credentials and no LLM: those rows fail or are skipped at once, without the network.
  return cliRunner({
    PATH: process.env.PATH,
    HOME: dir.dir,
    DB_PATH: `${dir.dir}/andy.db`,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
  })
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise((r) => s.close(r))
  return port
}

describe.skipIf(PG_DISABLED)('andy doctor with DATABASE_URL', () => {
  it('reports the server and the schema version; behind → run andy migrate; the password never shown', async () => {
    const url = (await server!.createDatabase()).replace('postgres://postgres@', `postgres://postgres:${PASSWORD}@`)
    const andy = runner(url)

    const before = await andy('doctor')
    expect(before.code).toBe(1)
    expect(pgRow(before.stdout)).toMatch(new RegExp(`✘\\s+已应用 0 个迁移，共 ${MIGRATIONS} 个：运行 andy migrate`))
    expect(before.stdout).toContain('✘ PostgreSQL：检查 DATABASE_URL；迁移未完成时运行 andy migrate')

    const migrate = await andy('migrate')
    expect(migrate.code, migrate.stderr).toBe(0)
    expect(migrate.stdout).toContain(`PostgreSQL 迁移完成：${MIGRATIONS}/${MIGRATIONS}`)

    const after = await andy('doctor')
    expect(pgRow(after.stdout)).toMatch(new RegExp(`✔\\s+PostgreSQL 1\\d[.\\d]*.*（迁移 ${MIGRATIONS}/${MIGRATIONS}）`))
    expect(after.stdout).not.toContain('✘ PostgreSQL')
    for (const r of [before, migrate, after]) expect(r.stdout + r.stderr).not.toContain(PASSWORD)
  }, 120_000)

  it('a server that does not answer: the network fix, the password not shown', async () => {
    const port = await closedPort()
    const r = await runner(`postgres://andy:${PASSWORD}@127.0.0.1:${port}/andy`)('doctor')
    expect(r.code).toBe(1)
    expect(pgRow(r.stdout)).toContain('✘')
    expect(r.stdout).toContain('✘ PostgreSQL：连不上 DATABASE_URL 的服务器：检查主机、端口和防火墙')
    expect(r.stdout + r.stderr).not.toContain(PASSWORD)
  }, 60_000)
})
