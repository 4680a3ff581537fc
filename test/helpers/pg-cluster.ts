import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { ANDY_CLI, cliRunner } from './cli.js'
import { type E2eBot, e2eBot, markdownOf, until } from './e2e-bot.js'
import { type GatewayConnection, robotTextPayload } from './fake-gateway.js'
import type { FakeOpenAI } from './fake-openai.js'
import { HANG_MS } from './wait.js'

/**
 * Several real `andy start` processes (the compiled CLI) on one PostgreSQL database, sharing one fake
 * DingTalk gateway and one fake model: a message is sent through the connection of the instance named,
 * and every message has a sessionWebhook of its own, so the replies to each are told apart.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Instance {
  readonly name: string
  readonly out: string[]
  readonly connection: GatewayConnection
}

export interface PgCluster {
  readonly env: E2eBot
  readonly url: string
  start(name: string): Promise<Instance>
  /** A direct message of `user` (conversation cid-dm-<user>) sent through `via`; its replies: repliesTo(msgId). */
  say(via: Instance, msgId: string, user: string, text: string): Promise<void>
  repliesTo(msgId: string): string[]
  /** Waits until a reply to `msgId` passes `done`; the instances' output in the error. */
  answered(msgId: string, what: string, done?: (t: string) => boolean): Promise<string[]>
  query<T extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<T[]>
  /**
   * Waits until no stored message is received or processing: a reply reaches the user a moment before its
   * instance marks the row, so the rows are read (or a 查看进度 sent) only once they are finished.
   */
  settled(what: string): Promise<void>
  close(): Promise<void>
}

export async function pgCluster(
  url: string,
  llm: FakeOpenAI,
  extraEnv: Record<string, string> = {},
): Promise<PgCluster> {
  const env = await e2eBot({
    env: {
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: llm.baseUrl,
      LLM_MODEL: 'fake-model',
      LLM_TIMEOUT_MS: '120000',
      LLM_MAX_RETRIES: '0',
      ...extraEnv,
    },
  })
  const children = new Set<ChildProcess>()
  const instances: Instance[] = []
  const migrate = await cliRunner({ ...process.env, ...env.env, DATABASE_URL: url })('migrate')
  if (migrate.code !== 0) throw new Error(`andy migrate failed: ${migrate.stderr}`)
  const outputs = () => instances.map((i) => `${i.name}:\n${i.out.join('')}`).join('\n')
  const repliesTo = (msgId: string) =>
    env.sink.requests.filter((r) => r.path === `/${msgId}`).map((r) => markdownOf(r.body))
  return {
    env,
    url,
    async start(name) {
      const before = env.gateway.connectionCount
      const proc = spawn(process.execPath, [...ANDY_CLI, 'start'], {
        cwd: ROOT,
        env: {
          ...process.env,
          ...env.env,
          DATABASE_URL: url,
          DB_PATH: join(env.dir, `${name}.db`),
          ANDY_INSTANCE_ID: name,
          ANDY_CLUSTER_POLL_MS: '250',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      children.add(proc)
      const out: string[] = []
      proc.stdout!.on('data', (d: Buffer) => out.push(d.toString()))
      proc.stderr!.on('data', (d: Buffer) => out.push(d.toString()))
      await until(
        () => env.gateway.connectionCount > before && env.gateway.current !== undefined,
        `${name} connected; output:\n${out.join('')}`,
      )
      const instance = { name, out, connection: env.gateway.current! }
      instances.push(instance)
      return instance
    },
    async say(via, msgId, user, text) {
      const payload = robotTextPayload({
        msgId,
        text,
        conversationType: '1',
        conversationId: `cid-dm-${user}`,
        senderStaffId: user,
        senderNick: user,
        sessionWebhook: env.sink.url(`/${msgId}`),
      })
      await env.gateway.sendRobotMessage(payload, { connection: via.connection })
    },
    repliesTo,
    async answered(msgId, what, done = (t) => t.length > 0) {
      await until(() => repliesTo(msgId).some(done), `${what}; ${outputs()}`)
      return repliesTo(msgId)
    },
    async query(sql, values = []) {
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      try {
        return (await c.query(sql, values)).rows
      } finally {
        await c.end()
      }
    },
    async settled(what) {
      const deadline = Date.now() + HANG_MS
      for (;;) {
        const c = new pg.Client({ connectionString: url })
        await c.connect()
        const row = await c
          .query<{ n: string }>("SELECT count(*) AS n FROM inbound_messages WHERE status IN ('received', 'processing')")
          .then((r) => r.rows[0])
          .finally(() => c.end())
        if (Number(row!.n) === 0) return
        if (Date.now() > deadline)
          throw new Error(`${what}: messages still unfinished after ${HANG_MS} ms; ${outputs()}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
    async close() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
      await env.close()
    },
  }
}
