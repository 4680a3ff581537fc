import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { assistantOf } from '../../src/bot/message.js'
import { LLM_OFF_MESSAGE } from '../../src/bot/model-call.js'
import { openDb } from '../../src/db/client.js'
import { TABLES, tableByIntent } from '../../src/tables/index.js'
import { loadFixtures } from '../helpers/fixtures.js'
import { createTestApp } from '../helpers/test-app.js'

/**
 * One display name per table, everywhere a rep or an admin reads it: the table spec's title — the seed's
 * assistant_name (1 内容产品售卖, 2 平台合作客户, 3 内容打单方案, 4 内容客户案例) where the seed has one.
 */

const OTHER_NAMES = [
  '内容产品采购记录',
  '内容采购',
  '软件(平台)客户',
  '软件（平台）客户',
  '- 软件客户：',
  '- 客户案例：',
  '- 打单方案：',
  '- 竞对切换：',
]

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('table display names', () => {
  it('are the seed assistant names', () => {
    expect(tableByIntent('procurement')!.title).toBe('内容产品售卖')
    expect(tableByIntent('software')!.title).toBe('平台合作客户')
    expect(tableByIntent('case')!.title).toBe('内容客户案例')
    expect(tableByIntent('pitch')!.title).toBe('内容打单方案')
    for (const t of TABLES) expect(assistantOf(t.intent).name).toBe(t.title)
  })

  it('are the only names in help, search replies, exports, statistics and the README', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'andy-names-'))
    dirs.push(dir)
    const db = openDb(':memory:')
    loadFixtures(db)
    const t = createTestApp({ db, env: { DB_PATH: join(dir, 'andy.db') } })
    const help = await t.ask('帮助')
    for (const spec of TABLES) expect(help.replies[0]).toContain(`- ${spec.title}：`)
    for (const other of OTHER_NAMES) expect(help.replies[0]).not.toContain(other)

    const procurement = await t.ask('金融 的采购记录')
    expect(procurement.replies[0]).toMatch(/^\*\*内容产品售卖：找到 \d+ 条\*\*/)
    const software = await t.ask('江苏 的软件客户')
    expect(software.replies[0]).toMatch(/^\*\*平台合作客户：找到 \d+ 条\*\*/)
    const exported = await t.ask('导出')
    expect(exported.replies[0]).toContain('条平台合作客户')
    const file = t.local.parts.map((p) => p.part).find((p) => p.kind === 'file')!
    expect(JSON.parse(file.body).fileName).toMatch(/^平台合作客户-/)

    const stats = await t.ask('统计 本周')
    const byIntent = stats.replies.join('\n')
    expect(byIntent).toContain('- 内容产品售卖：1')
    expect(byIntent).toContain('- 平台合作客户：1')
    const names = db.sqlite
      .prepare('SELECT DISTINCT assistant_name AS n FROM usage_records WHERE intent IN (?, ?) ORDER BY 1')
      .pluck()
      .all('procurement', 'software')
    expect(names).toEqual(['内容产品售卖', '平台合作客户'])

    expect(LLM_OFF_MESSAGE).toContain('内容产品售卖和平台合作客户')
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    for (const spec of TABLES) expect(readme).toContain(`(${spec.title})`)
    for (const other of ['内容产品采购记录', '(内容采购)', '(软件客户)', '软件(平台)客户'])
      expect(readme).not.toContain(other)
    db.close()
  })
})
