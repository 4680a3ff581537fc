import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type E2eBot, e2eBot, markdownOf, until } from '../helpers/e2e-bot.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'

/**
 * A production install: the files git tracks plus dist/ (what a release or the Docker image carries), copied
 * to a temp dir, `npm ci --omit=dev` (real install scripts: better-sqlite3 compiles from source when no
 * prebuilt binary can be downloaded — minutes), then the compiled CLI run as an admin and as the bot would.
 * Nothing at run time may need a dev dependency (tsx, esbuild, typescript, vitest).
 *
 * Its own step (`npm run test:prod`, in .ci/run after `npm test`): the install dominates and would double
 * `npm test`.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const run = promisify(execFile)
let dir = ''
let app = ''

async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  await new Promise((r) => srv.close(r))
  return port
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'andy-prod-'))
  app = join(dir, 'app')
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    maxBuffer: 64 << 20,
  })
  for (const f of stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, f))) continue
    mkdirSync(dirname(join(app, f)), { recursive: true })
    cpSync(join(ROOT, f), join(app, f))
  }
  cpSync(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true })
  const r = await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], {
    cwd: app,
    maxBuffer: 64 << 20,
    timeout: 2_400_000,
    env: { ...process.env, NODE_ENV: 'production' },
  })
  expect(`${r.stdout}\n${r.stderr}`).not.toContain('EBADENGINE')
}, 2_400_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('production install (npm ci --omit=dev)', () => {
  it('has no dev dependency installed', () => {
    for (const dev of ['tsx', 'esbuild', 'typescript', 'vitest', '@biomejs/biome'])
      expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false)
    expect(existsSync(join(app, 'dist', 'main.js'))).toBe(true)
  })

  it('runs andy --help, seed and ask --json from the compiled CLI', async () => {
    const env = { ...process.env, DB_PATH: join(dir, 'cli.db'), NO_COLOR: '1' }
    const help = await run(process.execPath, ['bin/andy.js', '--help'], { cwd: app, env })
    expect(help.stdout).toContain('ask')
    expect(help.stdout).toContain('start')
    await run(process.execPath, ['bin/andy.js', 'seed'], { cwd: app, env, timeout: 120_000 })
    const ask = await run(process.execPath, ['bin/andy.js', 'ask', '--json', '制造业 客户案例'], {
      cwd: app,
      env,
      timeout: 120_000,
    })
    const out = JSON.parse(ask.stdout) as { intent: string; total: number; reply: string }
    expect(out.total).toBeGreaterThan(0)
    expect(out.reply.length).toBeGreaterThan(0)
  }, 240_000)

  describe('andy start', () => {
    let e: E2eBot | undefined
    let child: ChildProcess | undefined
    afterAll(async () => {
      child?.kill('SIGKILL')
      await e?.close()
    })

    it('connects to the gateway, answers a message and reports healthy on /healthz', async () => {
      e = await e2eBot()
      const port = await freePort()
      const env = { ...process.env, ...e.env, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' }
      const out: string[] = []
      child = spawn(process.execPath, ['bin/andy.js', 'start'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] })
      child.stdout!.on('data', (d: Buffer) => out.push(d.toString()))
      child.stderr!.on('data', (d: Buffer) => out.push(d.toString()))
      const bot = e
      await until(() => bot.gateway.current !== undefined, `connected; output:\n${out.join('')}`, 120_000)
      const payload = robotTextPayload({
        text: '制造业 客户案例',
        msgId: 'prod-1',
        conversationType: '1',
        conversationId: 'cid-prod',
        senderStaffId: 'prod',
        sessionWebhook: bot.sink.url('/prod'),
      })
      expect((await bot.gateway.sendRobotMessage(payload, { ackTimeoutMs: 30_000 })).frame.code).toBe(200)
      await until(() => bot.sink.requests.length > 0, `a reply; output:\n${out.join('')}`)
      expect(markdownOf(bot.sink.requests[0]!.body).length).toBeGreaterThan(0)
      // The Docker HEALTHCHECK / systemd check script, run from the install.
      const health = await run(process.execPath, ['deploy/healthcheck.mjs'], { cwd: app, env }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? 1,
      )
      expect(health).toBe(0)
      child.kill('SIGTERM')
      const code = await new Promise<number | null>((r) => child!.once('exit', (c) => r(c)))
      expect(code).toBe(0)
    }, 240_000)
  })
})
