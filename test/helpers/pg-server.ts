import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/**
 * A real PostgreSQL server for tests: Debian's `postgresql` package (binaries under
 * /usr/lib/postgresql/<major>/bin, 15 or newer), a fresh cluster in a temporary directory on a loopback
 * port, stopped and removed at the end. Run as root, the server runs as the `postgres` user (initdb and
 * postgres refuse root). ANDY_TEST_PG_URL uses a server you started instead; ANDY_TEST_PG=off skips
 * these tests — the only way they are skipped: a missing server fails them.
 */
export const PG_DISABLED = process.env.ANDY_TEST_PG === 'off'

export interface PgServer {
  /** A URL to a new, empty database on the server. */
  createDatabase(): Promise<string>
  stop(): Promise<void>
}

function pgBin(): string {
  const root = '/usr/lib/postgresql'
  const majors = existsSync(root)
    ? readdirSync(root)
        .map(Number)
        .filter((n) => n >= 15)
        .sort((a, b) => b - a)
    : []
  const bin = majors.map((m) => join(root, String(m), 'bin')).find((d) => existsSync(join(d, 'postgres')))
  if (!bin)
    throw new Error(
      'PostgreSQL 15+ not found under /usr/lib/postgresql: apt-get install -y postgresql (or set ANDY_TEST_PG=off to skip the PostgreSQL tests)',
    )
  return bin
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export async function startPgServer(): Promise<PgServer> {
  let seq = 0
  const fromEnv = process.env.ANDY_TEST_PG_URL
  if (fromEnv)
    return {
      createDatabase: () => createDb(fromEnv, `andy_t_${process.pid}_${Date.now()}_${seq++}`),
      stop: async () => undefined,
    }
  const bin = pgBin()
  const dir = mkdtempSync(join(tmpdir(), 'andy-pg-'))
  const asRoot = process.getuid?.() === 0
  const run = (cmd: string, args: string[]) =>
    (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]]
  if (asRoot) {
    chmodSync(dir, 0o777)
    execFileSync('chown', ['postgres', dir])
  }
  const data = join(dir, 'data')
  execFileSync(
    ...run(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]),
    { stdio: 'pipe' },
  )
  const port = await freePort()
  const child: ChildProcess = spawn(
    ...run(join(bin, 'postgres'), [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=200',
    ]),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let log = ''
  child.stderr!.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)))
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`
  // Event-driven readiness: retry connecting until the server answers (or it exits).
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited: ${log}`)
    const c = new pg.Client({ connectionString: admin })
    try {
      await c.connect()
      await c.end()
      break
    } catch {
      await c.end().catch(() => undefined)
      if (Date.now() > deadline) throw new Error(`postgres did not start: ${log}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {
    createDatabase: () => createDb(admin, `andy_t_${seq++}`),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        // Signal the postmaster itself (runuser in between does not pass signals on): a fast shutdown.
        const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
        try {
          process.kill(pid, 'SIGINT')
        } catch {
          child.kill('SIGKILL')
        }
        const killer = setTimeout(() => process.kill(pid, 'SIGKILL'), 15_000)
        await exited
        clearTimeout(killer)
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function createDb(adminUrl: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl })
  await c.connect()
  try {
    await c.query(`CREATE DATABASE "${name}"`)
  } finally {
    await c.end()
  }
  const u = new URL(adminUrl)
  u.pathname = `/${name}`
  return u.toString()
}
