import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { beforeAll, describe, expect, it } from 'vitest'
import { cliRunner } from '../helpers/cli.js'

/** The `andy` CLI as a user runs it: a child process on a temp database. */
const dir = mkdtempSync(join(tmpdir(), 'andy-cli-'))
const dbPath = join(dir, 'andy.db')
const env = {
  ...process.env,
  DB_PATH: dbPath,
  LOG_LEVEL: 'silent',
  DINGTALK_CLIENT_ID: '',
  DINGTALK_CLIENT_SECRET: '',
  OPENAI_API_KEY: '',
}

const andy = cliRunner(env)

beforeAll(async () => {
  const seeded = await andy('seed')
  expect(seeded.code).toBe(0)
  expect(seeded.stdout).toContain('content-cases: 导入演示数据 600 行')
})

describe('andy CLI', () => {
  it('ask --json prints intent, filters, relaxed, total, hits and the reply', async () => {
    const r = await andy('ask', '--json', '制造业 5000人以上 国企 的客户案例')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as Record<string, unknown>
    expect(out.intent).toBe('case')
    expect(out.filters).toMatchObject({ yxt_industry_1: expect.arrayContaining(['制造业']), staff_size: { min: 5000 } })
    expect(out.relaxed).toEqual([])
    expect(out.total).toBeGreaterThan(0)
    const hits = out.hits as Array<Record<string, unknown>>
    expect(hits.length).toBe(Math.min(5, out.total as number))
    for (const h of hits) {
      expect(h.yxt_industry_1).toBe('制造业')
      expect(['央企', '地方国企']).toContain(h.enterprise_type)
      expect(h).toHaveProperty('kh_name')
    }
    expect(String(out.reply)).toContain(`找到 ${out.total} 条`)
  })

  it('ask prints a readable reply and writes a usage record', async () => {
    const r = await andy('ask', '--user', '王五', '--group', '华东销售群', '央企 客户案例')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('内容客户案例：找到')
    expect(r.stdout).not.toContain('**')
    const json = await andy('ask', '--json', '更多', '--user', '王五', '--group', '华东销售群')
    expect(JSON.parse(json.stdout).intent).toBe('more')
    const db = new Database(dbPath, { readonly: true })
    const rows = db
      .prepare(
        `SELECT intent, user_dd_nick, dd_group_name, conversation_type FROM usage_records WHERE user_dd_nick = '王五' ORDER BY id`,
      )
      .all()
    db.close()
    expect(rows).toEqual([
      { intent: 'case', user_dd_nick: '王五', dd_group_name: '华东销售群', conversation_type: '2' },
      { intent: 'more', user_dd_nick: '王五', dd_group_name: '华东销售群', conversation_type: '2' },
    ])
  })

  it('import reports unknown columns and bad rows with row numbers, replaces the demo rows, and round-trips through export', async () => {
    const csv = join(dir, 'switch.csv')
    writeFileSync(csv, '客户名称,竞品名称,替换年份,备注\n测试甲,学邦云,2024,x\n,易课通,2023,y\n测试乙,易课通,明年,z\n')
    const dry = await andy('import', 'competitor-switches', csv, '--dry-run')
    expect(dry.stdout).toContain('试导入（没有写入任何数据）')
    expect(dry.stdout).toContain('将删除「平台竞对切换案例」的 600 行演示数据')
    const r = await andy('import', 'competitor-switches', csv)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('新增 1 · 更新 0 · 未变 0 · 合并 0 · 跳过 2')
    // The first real import takes the demo rows out of every table (demo data never sits next to real data).
    expect(r.stdout).toContain('已删除「平台竞对切换案例」的 600 行演示数据')
    expect(r.stdout).toContain('已删除「内容客户案例」的 600 行演示数据')
    expect(r.stdout).toContain('未识别的列（没有导入）：备注')
    expect(r.stdout).toContain('第 3 行')
    expect(r.stdout).toContain('第 4 行')
    const out = join(dir, 'out.xlsx')
    const e = await andy('export', 'competitor-switches', '--out', out)
    expect(e.stdout).toContain('1 行')
    const again = await andy('import', 'competitor-switches', out, '--replace')
    expect(again.stdout).toContain('新增 1 · 更新 0 · 未变 0 · 合并 0 · 跳过 0（先删除了原有 1 行）')
    expect(again.stdout).not.toContain('未识别')
    const reimport = await andy('import', 'competitor-switches', out)
    expect(reimport.stdout).toContain('新增 0 · 更新 0 · 未变 1')
    // Demo data never goes into a database with real rows.
    const seed = await andy('seed')
    expect(seed.stdout).toContain('已有真实数据')
  })

  it('refuses an unknown table and explains --help', async () => {
    const bad = await andy('import', 'nope', 'x.csv')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('未知的表「nope」')
    const help = await andy('--help')
    expect(help.stdout).toContain('import')
    expect(help.stdout).toContain('start')
  })

  it('start without credentials names the missing variables and points to the demo', async () => {
    const r = await andy('start')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('DINGTALK_CLIENT_ID')
    expect(r.stderr).toContain('DINGTALK_CLIENT_SECRET')
    expect(r.stderr).toContain('npm run demo')
  })
})
