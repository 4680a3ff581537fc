import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import ExcelJS from 'exceljs'
import { beforeAll, describe, expect, it } from 'vitest'
import { byteProgress, progressLine } from '../../src/cli/progress.js'
import { ANDY_CLI, cliRunner } from '../helpers/cli.js'

/** The CLI as an admin uses it: exports next to the database, clean --help, mentions, pipes, progress. */
const root = join(import.meta.dirname, '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'andy-cli-use-'))
const dbPath = join(dir, 'db', 'andy.db')
const env = {
  ...process.env,
  DB_PATH: dbPath,
  LOG_LEVEL: 'silent',
  DINGTALK_CLIENT_ID: '',
  DINGTALK_CLIENT_SECRET: '',
  OPENAI_API_KEY: '',
  LLM_MODEL: '',
}
const args = (...a: string[]) => [...ANDY_CLI, ...a]

const andy = cliRunner(env)

async function andyWithInput(input: string, ...a: string[]): Promise<string> {
  const child = spawn(process.execPath, args(...a), { cwd: root, env })
  let out = ''
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')))
  child.stdin.end(input)
  await new Promise((r) => child.on('close', r))
  return out
}

beforeAll(async () => {
  expect((await andy('seed')).code).toBe(0)
})

describe('andy export', () => {
  it('writes to <DB_PATH folder>/exports/ without --out, whatever the working directory', async () => {
    const r = await andy('export', 'pitch-plans')
    expect(r.code).toBe(0)
    const files = readdirSync(join(dir, 'db', 'exports')).filter(
      (f) => f.startsWith('pitch-plans-') && f.endsWith('.xlsx'),
    )
    expect(files).toHaveLength(1)
    expect(r.stdout).toContain(join(dir, 'db', 'exports', files[0]!))
  })

  it('writes a header-only template for an empty table and says how to fill it', async () => {
    const sqlite = (await import('better-sqlite3')).default
    const db = new sqlite(dbPath)
    db.prepare('DELETE FROM software_cases').run()
    db.close()
    const out = join(dir, 'template.xlsx')
    const r = await andy('export', 'software-cases', '--out', out)
    expect(r.stdout).toContain('空表')
    expect(r.stdout).toContain(`andy import software-cases ${out}`)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(out)
    const ws = wb.worksheets[0]!
    expect(ws.rowCount).toBe(1)
    expect(ws.getRow(1).values).toContain('档案名称')
  })
})

describe('andy chat', () => {
  it('--help prints each default once', async () => {
    const r = await andy('chat', '--help')
    expect(r.stdout.split('本地用户').length - 1).toBe(1)
    const inbox = await andy('inbox', 'list', '--help')
    expect(inbox.stdout.match(/default/gi)?.length ?? 0).toBeLessThanOrEqual(1)
  })

  it('shows the group @-mention as DingTalk shows it: the nick, not the staff id', async () => {
    const out = await andyWithInput('央企 客户案例\n', 'chat', '--group', '华东销售群', '--user', '张三')
    expect(out).toContain('@张三 ')
    expect(out).not.toContain('@local-')
  })
})

describe('a closed pipe (andy … | head)', () => {
  it('ends quietly with code 0 instead of an EPIPE stack', async () => {
    const child = spawn(process.execPath, args('inbox', 'list'), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.destroy() // the reader is gone before Andy writes a byte
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)))
    expect(stderr).not.toContain('EPIPE')
    expect(stderr).not.toContain('Error')
    expect(code).toBe(0)
  })
})

describe('the import progress bar', () => {
  it('never shows INF and ends at 100% with the whole file counted', () => {
    expect(progressLine('导入', '', 0, 5_000_000, 0)).not.toMatch(/INF|NaN|Infinity/)
    expect(progressLine('导入', '', 0, 5_000_000, 0)).toContain('估算中')
    expect(progressLine('导入', '', 2_500_000, 5_000_000, 2000)).toContain('50% | 2.5/5.0 MB | 剩余 约 2 秒')
    expect(progressLine('导入', '', 4_999_999, 5_000_000, 9000)).toContain('99%')
    expect(progressLine('导入', '', 5_000_000, 5_000_000, 9000)).toContain('100% | 5.0/5.0 MB | 剩余 完成')
  })

  it('shows 100% when the work is done, even if the last read was not reported', () => {
    let text = ''
    const tty = Object.assign(new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }), {
      isTTY: true,
      columns: 120,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    })
    const bar = byteProgress('导入 content-cases', { stream: tty as unknown as NodeJS.WriteStream })
    bar.update(1_200_000, 2_400_000)
    bar.done()
    expect(text).toContain('100% | 2.4/2.4 MB')
    expect(text).not.toMatch(/INF/)
  })
})

describe('README pointers', () => {
  it('every README「…」 the CLI points to is a README heading', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const headings = readme.split('\n').filter((l) => l.startsWith('#'))
    const sources = ['src/cli/start.ts', 'src/cli/doctor.ts'].map((f) => readFileSync(join(root, f), 'utf8')).join('\n')
    const named = new Set([...sources.matchAll(/README「([^」$]+)」/g)].map((m) => m[1]!))
    named.add('创建钉钉应用')
    for (const name of named) expect([name, headings.some((h) => h.includes(name))]).toEqual([name, true])
    expect(existsSync(join(root, 'README.md'))).toBe(true)
  })
})
