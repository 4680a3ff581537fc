import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { ANDY_CLI } from '../helpers/cli.js'
import { type E2eBot, e2eBot, markdownOf, msgUuidOf, seedLongCases, until } from '../helpers/e2e-bot.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'
import { HANG_MS } from '../helpers/wait.js'

/**
 * The real `andy start` in a child process (the compiled CLI, dist/main.js start) against the loopback
 * fakes, killed with SIGKILL while a message is being handled and while a reply is half sent, then
 * restarted; and stopped with SIGTERM while a reply is in flight.
 *
 * "Exactly one complete reply" is judged the way DingTalk would: by the msgUuid idempotency key
 * (robotCode/msgId:part) on every webhook body. A part whose send was interrupted by the kill is sent
 * again after the restart with the same msgUuid and the same text, and DingTalk drops the repeat; so the
 * check is that every message's distinct msgUuids are parts 1..n with nothing missing, and that every
 * repeated msgUuid carried an identical body.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

let env: E2eBot | undefined
const children = new Set<ChildProcess>()
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  children.clear()
  await env?.close()
  env = undefined
})

interface Child {
  readonly proc: ChildProcess
  readonly out: string[]
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function startChild(e: E2eBot, extra: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [...ANDY_CLI, 'start'], {
    cwd: ROOT,
    env: { ...process.env, ...e.env, LOG_LEVEL: 'info', ANDY_MAX_CONCURRENCY: '2', ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(proc)
  const out: string[] = []
  proc.stdout!.on('data', (d: Buffer) => out.push(d.toString()))
  proc.stderr!.on('data', (d: Buffer) => out.push(d.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { proc, out, exited }
}

/** Waits until the child holds a live stream connection newer than `after` connections. */
async function connected(e: E2eBot, child: Child, after: number): Promise<void> {
  await until(
    () => e.gateway.connectionCount > after && e.gateway.current !== undefined,
    `child connected; output:\n${child.out.join('')}`,
    90_000,
  )
}

/** Reads the inbox with a plain connection (no migrations, no checkpoint) while the child may be writing. */
function query<T>(e: E2eBot, sql: string): T[] {
  const db = new Database(e.dbPath)
  try {
    db.pragma('busy_timeout = 5000')
    return db.prepare(sql).all() as T[]
  } finally {
    db.close()
  }
}

function statusOf(e: E2eBot): Record<string, { status: string; attempts: number; parts: string }> {
  const rows = query<{ msg_id: string; status: string; attempts: number; parts: string | null }>(
    e,
    `SELECT m.msg_id, m.status, m.attempts, group_concat(p.part_no || '=' || p.status, ',') AS parts
                FROM inbound_messages m LEFT JOIN outbound_parts p ON p.inbound_id = m.id GROUP BY m.id ORDER BY m.id`,
  )
  return Object.fromEntries(
    rows.map((r) => [r.msg_id, { status: r.status, attempts: r.attempts, parts: r.parts ?? '' }]),
  )
}

/** Polls the database every 100 ms (not faster: each poll opens a connection next to the child's). */
async function untilInbox(
  e: E2eBot,
  cond: (s: ReturnType<typeof statusOf>) => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond(statusOf(e))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(statusOf(e))}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const msg = (e: E2eBot, msgId: string, user: string, text: string) =>
  robotTextPayload({
    text,
    msgId,
    conversationType: '1',
    conversationId: `cid-${user}`,
    senderStaffId: user,
    sessionWebhook: e.sink.url(`/${user}`),
  })

describe('andy start survives SIGKILL and stops cleanly on SIGTERM', () => {
  it('gives every message exactly one complete reply across a kill, and drains gracefully', async () => {
    env = await e2eBot({ seed: seedLongCases })
    const e = env
    const hangOnce = new Set(['dingfakeclientid/crash-long:2', 'dingfakeclientid/crash-slow:1'])
    e.sink.respondWith = (r) => (hangOnce.delete(msgUuidOf(r.body)) ? { delayMs: 60_000 } : undefined)

    // --- Run 1: killed mid-reply ---
    const first = startChild(e)
    await connected(e, first, 0)
    // crash-long: a five-part reply whose part 2 never gets an answer (half sent when killed).
    // crash-slow: its only part never gets an answer (being handled when killed).
    // crash-queued-*: same user as crash-long, so they wait behind it (not started when killed).
    for (const m of [
      msg(e, 'crash-long', 'lin', '能源 客户案例'),
      msg(e, 'crash-slow', 'sun', '外企 案例'),
      msg(e, 'crash-queued-1', 'lin', '银行 打单方案'),
      msg(e, 'crash-queued-2', 'lin', '外企 案例'),
    ]) {
      expect((await e.gateway.sendRobotMessage(m)).frame.code).toBe(200)
    }
    const seen = () => new Set(e.sink.requests.map((r) => msgUuidOf(r.body)))
    await until(
      () => seen().has('dingfakeclientid/crash-long:2') && seen().has('dingfakeclientid/crash-slow:1'),
      'both sends in flight',
    )
    first.proc.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')

    const afterKill = statusOf(e)
    expect(afterKill['crash-long']).toEqual({ status: 'processing', attempts: 1, parts: '1=sent,2=pending' })
    expect(afterKill['crash-slow']).toEqual({ status: 'processing', attempts: 1, parts: '1=pending' })
    expect(afterKill['crash-queued-1']).toEqual({ status: 'received', attempts: 0, parts: '' })
    expect(afterKill['crash-queued-2']).toEqual({ status: 'received', attempts: 0, parts: '' })

    // --- Run 2: resumes everything ---
    const second = startChild(e)
    await connected(e, second, e.gateway.connectionCount)
    await untilInbox(
      e,
      (s) =>
        ['crash-long', 'crash-slow', 'crash-queued-1', 'crash-queued-2'].every((id) => s[id]?.status === 'replied'),
      HANG_MS,
      'all replied',
    )
    expect(second.out.join('')).toContain('resuming unfinished messages')

    const bodies = new Map<string, string[]>()
    for (const r of e.sink.requests)
      bodies.set(msgUuidOf(r.body), [...(bodies.get(msgUuidOf(r.body)) ?? []), markdownOf(r.body)])
    const partsOf = (msgId: string) =>
      [...bodies.keys()]
        .filter((k) => k.startsWith(`dingfakeclientid/${msgId}:`))
        .map((k) => Number(k.split(':').at(-1)))
        .sort((a, b) => a - b)
    expect(partsOf('crash-long')).toEqual([1, 2, 3, 4, 5])
    expect(partsOf('crash-slow')).toEqual([1])
    expect(partsOf('crash-queued-1')).toEqual([1])
    expect(partsOf('crash-queued-2')).toEqual([1])
    // Part 1 of crash-long had been confirmed before the kill: never sent again. The two interrupted
    // sends were repeated once, with their stored text (DingTalk dedupes them by msgUuid).
    expect(bodies.get('dingfakeclientid/crash-long:1')).toHaveLength(1)
    for (const key of ['dingfakeclientid/crash-long:2', 'dingfakeclientid/crash-slow:1']) {
      const b = bodies.get(key)!
      expect(b).toHaveLength(2)
      expect(b[1]).toBe(b[0])
    }
    for (const [key, b] of bodies)
      if (!key.endsWith('crash-long:2') && !key.endsWith('crash-slow:1')) expect(b, key).toHaveLength(1)
    // Complete: the five parts together carry all five cases.
    const whole = [1, 2, 3, 4, 5].map((n) => bodies.get(`dingfakeclientid/crash-long:${n}`)![0]).join('\n')
    for (let i = 1; i <= 5; i++) expect(whole).toContain(`华北能源集团${i}`)
    const finalState = statusOf(e)
    expect(finalState['crash-long']).toEqual({
      status: 'replied',
      attempts: 2,
      parts: '1=sent,2=sent,3=sent,4=sent,5=sent',
    })

    // --- SIGTERM with a reply in flight: transport closes first, the running message finishes, queued ones stay ---
    e.sink.respondWith = (r) =>
      msgUuidOf(r.body) === 'dingfakeclientid/grace-inflight:1' ? { delayMs: 700 } : undefined
    for (const m of [
      msg(e, 'grace-inflight', 'gu', '外企 案例'),
      msg(e, 'grace-queued-1', 'gu', '银行 打单方案'),
      msg(e, 'grace-queued-2', 'gu', '金融 案例'),
    ]) {
      expect((await e.gateway.sendRobotMessage(m)).frame.code).toBe(200)
    }
    await until(() => seen().has('dingfakeclientid/grace-inflight:1'), 'grace reply in flight')
    const conn = e.gateway.current!
    second.proc.kill('SIGTERM')
    const exit = await second.exited
    expect(exit).toEqual({ code: 0, signal: null })
    const afterTerm = statusOf(e)
    expect(afterTerm['grace-inflight']).toMatchObject({ status: 'replied', parts: '1=sent' })
    expect(afterTerm['grace-queued-1']).toEqual({ status: 'received', attempts: 0, parts: '' })
    expect(afterTerm['grace-queued-2']).toEqual({ status: 'received', attempts: 0, parts: '' })
    // The stream connection was closed before the in-flight reply was confirmed (no new messages taken).
    const [{ finished_at: finishedAt }] = query<{ finished_at: number }>(
      e,
      `SELECT finished_at FROM inbound_messages WHERE msg_id = 'grace-inflight'`,
    ) as [{ finished_at: number }]
    expect(conn.closedAt).toBeDefined()
    expect(conn.closedAt!).toBeLessThanOrEqual(finishedAt)
    expect(second.out.join('')).toContain('database closed')

    // --- Run 3: the queued ones are answered ---
    const third = startChild(e)
    await connected(e, third, e.gateway.connectionCount)
    await untilInbox(
      e,
      (s) => s['grace-queued-1']?.status === 'replied' && s['grace-queued-2']?.status === 'replied',
      HANG_MS,
      'queued replied',
    )
    third.proc.kill('SIGTERM')
    expect((await third.exited).code).toBe(0)
    // Closed cleanly: the WAL was checkpointed and truncated.
    expect(!existsSync(`${e.dbPath}-wal`) || statSync(`${e.dbPath}-wal`).size === 0).toBe(true)
    expect(new Set(e.sink.requests.map((r) => msgUuidOf(r.body))).size).toBe(5 + 1 + 1 + 1 + 3)
  }, 300_000)
})
