import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ANDY_CLI, cliRunner } from '../helpers/cli.js'
import { type E2eBot, e2eBot, markdownOf, msgUuidOf, sleep, until } from '../helpers/e2e-bot.js'
import type { GatewayConnection } from '../helpers/fake-gateway.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'
import { robotFilePayload } from '../helpers/file-messages.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'

/**
 * Two real `andy start` processes (the compiled CLI) on one PostgreSQL, each holding its own stream
 * connection to the fake gateway, replies judged the way DingTalk would: by the msgUuid idempotency key
 * (robotCode/msgId:part) on every webhook body.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ROBOT = 'dingfakeclientid'

interface Child {
  readonly proc: ChildProcess
  readonly out: string[]
  readonly exited: Promise<unknown>
  connection?: GatewayConnection
}

let server: PgServer | undefined
let env: E2eBot | undefined
const children = new Set<ChildProcess>()

beforeAll(async () => {
  if (!PG_DISABLED) server = await startPgServer()
}, 120_000)
afterAll(async () => {
  await server?.stop()
})
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  children.clear()
  await env?.close()
  env = undefined
})

/** The fixtures' cases pushed into a fresh PostgreSQL database by `andy migrate` (moving from the file). */
async function cluster(): Promise<{
  e: E2eBot
  url: string
  start(name: string, extra?: Record<string, string>): Promise<Child>
}> {
  const url = await server!.createDatabase()
  env = await e2eBot()
  const e = env
  const migrate = await cliRunner({ ...process.env, ...e.env, DATABASE_URL: url })('migrate')
  expect(migrate.code, migrate.stderr).toBe(0)
  expect(migrate.stdout).toContain('条案例数据写入 PostgreSQL')
  const start = async (name: string, extra: Record<string, string> = {}): Promise<Child> => {
    const before = e.gateway.connectionCount
    const proc = spawn(process.execPath, [...ANDY_CLI, 'start'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...e.env,
        DATABASE_URL: url,
        DB_PATH: join(e.dir, `${name}.db`),
        ANDY_INSTANCE_ID: name,
        ANDY_LEASE_MS: '3000',
        ANDY_CLUSTER_POLL_MS: '250',
        ANDY_MAX_CONCURRENCY: '4',
        LOG_LEVEL: 'info',
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.add(proc)
    const out: string[] = []
    proc.stdout!.on('data', (d: Buffer) => out.push(d.toString()))
    proc.stderr!.on('data', (d: Buffer) => out.push(d.toString()))
    const exited = new Promise((resolve) => proc.once('exit', resolve))
    const child: Child = { proc, out, exited }
    await until(
      () => e.gateway.connectionCount > before && e.gateway.current !== undefined,
      120_000,
      `${name} connected; output:\n${out.join('')}`,
    )
    child.connection = e.gateway.current
    return child
  }
  return { e, url, start }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return (await c.query<T>(sql)).rows
  } finally {
    await c.end()
  }
}

const TEXTS = ['央企 客户案例', '银行 打单方案', '外企 案例']

describe.skipIf(PG_DISABLED)('several andy start processes on one PostgreSQL', () => {
  it('answers 500 messages from 50 users exactly once, in order per user, across a SIGKILL of one instance', async () => {
    const { e, url, start } = await cluster()
    const a = await start('a')
    const b = await start('b')
    expect(a.connection).not.toBe(b.connection)
    // Instance a's first send of u0's first message never gets an answer: a is killed with it in flight.
    const hang = `${ROBOT}/u0-0:1`
    let hung = false
    e.sink.respondWith = (r) => {
      if (hung || msgUuidOf(r.body) !== hang) return undefined
      hung = true
      return { delayMs: 120_000 }
    }
    const payload = (u: number, k: number) =>
      robotTextPayload({
        text: TEXTS[(u + k) % TEXTS.length]!,
        msgId: `u${u}-${k}`,
        conversationType: '1',
        conversationId: `cid-u${u}`,
        senderStaffId: `u${u}`,
        sessionWebhook: e.sink.url(`/u${u}`),
      })
    // Ten rounds, one message per user per round (a user's messages arrive in order); the first five
    // alternate between the two connections, then a is killed and the rest go to b.
    for (let k = 0; k < 10; k++) {
      if (k === 5) {
        await until(() => hung, 120_000, 'the first message in flight on a')
        a.proc.kill('SIGKILL')
        await a.exited
      }
      const acks = await Promise.all(
        Array.from({ length: 50 }, (_, u) =>
          e.gateway.sendRobotMessage(payload(u, k), {
            connection: k < 5 && (u + k) % 2 === 0 ? a.connection : b.connection,
            ackTimeoutMs: 60_000,
          }),
        ),
      )
      for (const ack of acks) expect(ack.frame.code).toBe(200)
    }
    const answered = () => new Set(e.sink.requests.map((r) => msgUuidOf(r.body).replace(/:\d+$/, '')))
    try {
      await until(() => answered().size >= 500, 280_000, `500 messages answered (so far ${answered().size})`)
    } catch (err) {
      const st = await query(url, 'SELECT status, lease_owner, count(*) FROM inbound_messages GROUP BY 1, 2')
      throw new Error(`${(err as Error).message}\n${JSON.stringify(st)}\n${b.out.join('').slice(-6000)}`)
    }
    // Finished in the inbox too (the status is written after the last part is confirmed).
    for (const deadline = Date.now() + 120_000; ; ) {
      const [left] = await query<{ n: string }>(
        url,
        `SELECT count(*) AS n FROM inbound_messages WHERE status <> 'replied'`,
      )
      if (left?.n === '0' || Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 200))
    }
    const rows = await query<{ msg_id: string; status: string; attempts: number; lease_owner: string | null }>(
      url,
      'SELECT msg_id, status, attempts, lease_owner FROM inbound_messages ORDER BY id',
    )
    expect(rows).toHaveLength(500)
    // None lost: every message replied and released.
    expect(rows.filter((r) => r.status !== 'replied').map((r) => `${r.msg_id}=${r.status}`)).toEqual([])
    // The dead instance's message was resumed by the other after its lease expired.
    expect(rows.find((r) => r.msg_id === 'u0-0')).toMatchObject({ status: 'replied', attempts: 2 })
    expect(b.out.join('')).toContain('resuming unfinished messages')

    // Exactly once per idempotency key: every message's keys are parts 1..n; a key sent twice is one whose
    // send was in flight on the killed instance, repeated with the same text (DingTalk drops the repeat).
    const bodies = new Map<string, string[]>()
    for (const r of e.sink.requests)
      bodies.set(msgUuidOf(r.body), [...(bodies.get(msgUuidOf(r.body)) ?? []), markdownOf(r.body)])
    for (let u = 0; u < 50; u++)
      for (let k = 0; k < 10; k++) {
        const parts = [...bodies.keys()].filter((key) => key.startsWith(`${ROBOT}/u${u}-${k}:`))
        expect(parts.map((p) => Number(p.split(':').at(-1))).sort((x, y) => x - y)).toEqual(parts.map((_, i) => i + 1))
      }
    const repeated = [...bodies].filter(([, b]) => b.length > 1)
    expect(repeated.length).toBeLessThanOrEqual(4) // at most a's ANDY_MAX_CONCURRENCY sends in flight
    expect(repeated.map(([key]) => key)).toContain(hang)
    for (const [key, b] of repeated) expect(new Set(b).size, key).toBe(1)

    // Per-user order: every send of a user's message k comes before the first send of message k+1.
    const seq = e.sink.requests.map((r) => /^[^/]+\/u(\d+)-(\d+):/.exec(msgUuidOf(r.body))!)
    for (let u = 0; u < 50; u++) {
      const ks = seq.filter((m) => Number(m[1]) === u).map((m) => Number(m[2]))
      expect(ks, `user u${u}`).toEqual([...ks].sort((x, y) => x - y))
    }
    // Usage records and the daily rollup, once per message.
    const [usage] = await query<{ n: string; rolled: string }>(
      url,
      'SELECT (SELECT count(*) FROM usage_records) AS n, (SELECT sum(n) FROM usage_daily) AS rolled',
    )
    expect(usage).toEqual({ n: '500', rolled: '500' })
  }, 420_000)

  it('an import through one instance is found by a search on the other; 统计 counts what both instances recorded', async () => {
    const { e, url, start } = await cluster()
    // imp is an admin: 统计 covers everyone (the rollup path), not only their own records.
    const a = await start('a', { ANDY_ADMIN_STAFF_IDS: 'imp' })
    const b = await start('b', { ANDY_ADMIN_STAFF_IDS: 'imp' })
    const csv = join(e.dir, 'new-cases.csv')
    writeFileSync(
      csv,
      '案例名称,客户名称,行业,企业性质,项目名称,案例时间\n极光导入案例,极光新能源集团,能源,民营企业,极光项目,2025-03\n',
    )
    const imported = await cliRunner({
      ...process.env,
      ...e.env,
      DATABASE_URL: url,
      DB_PATH: join(e.dir, 'a.db'),
    })('import', 'content-cases', csv)
    expect(imported.code, imported.stderr).toBe(0)
    const importedAt = Date.now()
    const [meta] = await query<{ value: string }>(url, `SELECT value FROM app_meta WHERE key = 'cases_version'`)
    const value = meta!.value
    // The other instance copies the new version (LISTEN/NOTIFY) and rebuilds its search index (a's file
    // took the import itself).
    await until(
      () => b.out.join('').includes(`"casesVersion":"${value}"`),
      60_000,
      `b copied cases version ${value}:\n${b.out.join('')}`,
    )
    expect(a.out.join('')).not.toContain('case tables not copied')
    const seenAfterMs = Date.now() - importedAt
    const ack = await e.gateway.sendRobotMessage(
      robotTextPayload({
        text: '极光新能源集团 案例',
        msgId: 'after-import',
        conversationType: '1',
        conversationId: 'cid-imp',
        senderStaffId: 'imp',
        sessionWebhook: e.sink.url('/imp'),
      }),
      { connection: b.connection },
    )
    expect(ack.frame.code).toBe(200)
    await until(() => e.sink.requests.some((r) => msgUuidOf(r.body) === `${ROBOT}/after-import:1`), 60_000, 'reply')
    const reply = e.sink.requests.find((r) => msgUuidOf(r.body) === `${ROBOT}/after-import:1`)!
    expect(markdownOf(reply.body)).toContain('极光新能源集团')
    // One more search, through the other instance; then 统计 on a counts both instances' records.
    const send = (text: string, msgId: string, connection: GatewayConnection | undefined) =>
      e.gateway.sendRobotMessage(
        robotTextPayload({
          text,
          msgId,
          conversationType: '1',
          conversationId: 'cid-imp',
          senderStaffId: 'imp',
          sessionWebhook: e.sink.url('/imp'),
        }),
        { connection },
      )
    const replyTo = async (msgId: string) => {
      await until(() => e.sink.requests.some((r) => msgUuidOf(r.body) === `${ROBOT}/${msgId}:1`), 60_000, msgId)
      return markdownOf(e.sink.requests.find((r) => msgUuidOf(r.body) === `${ROBOT}/${msgId}:1`)!.body)
    }
    await send('央企 客户案例', 'search-a', a.connection)
    await replyTo('search-a')
    // Both usage records are in PostgreSQL (each written when its message finished, after its reply).
    for (let n = '0'; n !== '2'; await sleep(50))
      n = (await query<{ n: string }>(url, `SELECT count(*) AS n FROM usage_records WHERE user_id = 'imp'`))[0]!.n
    await send('统计 本周', 'stats', a.connection)
    const stats = await replyTo('stats')
    expect(stats).toContain('共 **2** 次使用，**1** 人')
    expect(stats).toContain('- 内容客户案例：2（100%）')
    // 运营报告 through one instance, the spreadsheet through the other: the request is found in the shared inbox.
    await send('运营报告', 'ops', b.connection)
    expect(await replyTo('ops')).toContain('需要的列')
    const records =
      '姓名,所属部门,课程,学习时长(小时),是否完成\n甲,A部,课1,1.5,是\n乙,A部,课1,0.5,否\n丙,B部,课2,1.5,是\n'
    e.openapi.addDownload('code-ops', Buffer.from(records), { fileName: '十一月名单.csv' })
    await e.gateway.sendRobotMessage(
      robotFilePayload({
        msgId: 'ops-file',
        conversationType: '1',
        conversationId: 'cid-imp',
        senderStaffId: 'imp',
        sessionWebhook: e.sink.url('/imp'),
        downloadCode: 'code-ops',
        fileName: '十一月名单.csv',
      }),
      { connection: a.connection },
    )
    expect(await replyTo('ops-file')).toContain('学员 **3** 人')
    console.log(`import visible on the other instance ${seenAfterMs} ms after andy import exited`)
  }, 300_000)

  it('导入数据 from DingTalk: the file reaches one instance, 确认导入 the other; the rows are in PostgreSQL and found on both', async () => {
    const { e, url, start } = await cluster()
    const admin = { ANDY_ADMIN_STAFF_IDS: 'admin1' }
    const a = await start('a', admin)
    const b = await start('b', admin)
    const dm = (msgId: string) => ({
      msgId,
      conversationType: '1' as const,
      conversationId: 'cid-admin1',
      senderStaffId: 'admin1',
      sessionWebhook: e.sink.url(`/${msgId}`),
    })
    const replyTo = async (msgId: string) => {
      await until(() => e.sink.requests.some((r) => r.path === `/${msgId}`), 60_000, `the reply to ${msgId}`)
      return e.sink.requests
        .filter((r) => r.path === `/${msgId}`)
        .map((r) => markdownOf(r.body))
        .join('\n')
    }
    const csv = '客户名称,案例名称,行业,案例时间\n北辰星海航运集团,北辰航运新经理项目,交通,2024-06\n'
    e.openapi.addDownload('code-f1', Buffer.from(csv), { fileName: '客户案例.csv' })
    await e.gateway.sendRobotMessage(
      robotFilePayload({ ...dm('f1'), downloadCode: 'code-f1', fileName: '客户案例.csv' }),
      {
        connection: a.connection,
      },
    )
    const dry = await replyTo('f1')
    expect(dry).toContain('试导入')
    expect(dry).toMatch(/新增 1/)
    const [before] = await query<{ value: string }>(url, `SELECT value FROM app_meta WHERE key = 'cases_version'`)

    // 确认导入 on the other instance: it has no copy of the file, downloads it again, imports and pushes.
    await e.gateway.sendRobotMessage(robotTextPayload({ ...dm('c1'), text: '确认导入' }), { connection: b.connection })
    expect(await replyTo('c1')).toContain('已导入')
    const rows = await query<{ n: string }>(
      url,
      `SELECT count(*) AS n FROM content_cases WHERE kh_name = '北辰星海航运集团'`,
    )
    expect(rows[0]!.n).toBe('1')
    const [after] = await query<{ value: string }>(url, `SELECT value FROM app_meta WHERE key = 'cases_version'`)
    expect(Number(after!.value)).toBe(Number(before!.value) + 1)

    // The instance that received the file copies the new version and finds the row.
    await until(() => a.out.join('').includes(`"casesVersion":"${after!.value}"`), 60_000, `a copied ${after!.value}`)
    await e.gateway.sendRobotMessage(robotTextPayload({ ...dm('q1'), text: '北辰星海航运 客户案例' }), {
      connection: a.connection,
    })
    expect(await replyTo('q1')).toContain('北辰星海航运集团')
  }, 300_000)
})
