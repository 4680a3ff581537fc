import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliRunner } from '../helpers/cli.js'

/** andy taxonomy export | import | check and andy ask --json, as an admin runs them: child processes on temp files. */
const root = join(import.meta.dirname, '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'andy-taxcli-'))
const taxonomyFile = join(dir, 'taxonomy.json')
const env = {
  ...process.env,
  DB_PATH: join(dir, 'andy.db'),
  ANDY_TAXONOMY_FILE: taxonomyFile,
  LOG_LEVEL: 'silent',
  DINGTALK_CLIENT_ID: '',
  DINGTALK_CLIENT_SECRET: '',
  OPENAI_API_KEY: '',
}

const andy = cliRunner(env)

beforeAll(async () => {
  copyFileSync(join(root, 'data', 'taxonomy.json'), taxonomyFile)
  expect((await andy('seed')).code).toBe(0)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('andy taxonomy', () => {
  it('has help for each subcommand', async () => {
    const r = await andy('taxonomy', '--help')
    expect(r.stdout).toMatch(/export/)
    expect(r.stdout).toMatch(/import/)
    expect(r.stdout).toMatch(/check/)
  })

  it('exports the file in force, refuses a broken edit without touching it, imports a good one that searches then use', async () => {
    const out = join(dir, 'edit.json')
    const exported = await andy('taxonomy', 'export', '--out', out)
    expect(exported.code).toBe(0)
    const file = JSON.parse(readFileSync(out, 'utf8')) as {
      version: number
      industries: Array<{ name: string; children: Array<{ name: string; aliases: string[] }> }>
    }
    expect(file.version).toBeGreaterThanOrEqual(1)

    const before = readFileSync(taxonomyFile, 'utf8')
    const broken = join(dir, 'broken.json')
    writeFileSync(broken, JSON.stringify({ ...file, regions: [{ name: '华东', provinces: ['火星'] }] }))
    const refused = await andy('taxonomy', 'import', broken)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('省份「火星」不在 provinces 里')
    expect(readFileSync(taxonomyFile, 'utf8')).toBe(before)

    file.industries
      .find((n) => n.name === '金融')!
      .children.find((c) => c.name === '银行')!
      .aliases.push('股份行')
    file.version += 1
    writeFileSync(out, JSON.stringify(file))
    const dry = await andy('taxonomy', 'import', out, '--dry-run')
    expect(dry.stdout).toContain('校验通过')
    expect(readFileSync(taxonomyFile, 'utf8')).toBe(before)
    const imported = await andy('taxonomy', 'import', out)
    expect(imported.code).toBe(0)
    expect(imported.stdout).toContain('已导入')

    const asked = await andy('ask', '--json', '股份行 新员工 打单方案')
    const json = JSON.parse(asked.stdout) as { intent: string; filters: Record<string, unknown>; reply: string }
    expect(json.intent).toBe('pitch')
    expect(json.filters).toHaveProperty('kh_industry_1')
    expect(json.reply).toContain('行业=股份行')
  })
})

describe('andy ask --json', () => {
  it('exposes exclusions under filters.exclude and never returns an excluded row', async () => {
    const r = await andy('ask', '--json', '除了国企以外的制造业客户案例')
    expect(r.code).toBe(0)
    const json = JSON.parse(r.stdout) as {
      filters: { exclude?: Record<string, string[]> }
      hits: Array<Record<string, unknown>>
      reply: string
    }
    expect(json.filters.exclude?.enterprise_type).toEqual(expect.arrayContaining(['地方国企', '央企']))
    expect(json.reply).toContain('排除：企业性质=国企')
    expect(json.hits.length).toBeGreaterThan(0)
    for (const h of json.hits) expect(String(h.enterprise_type)).not.toMatch(/国企|央企|国有/)
  })
})
