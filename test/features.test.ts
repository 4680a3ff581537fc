import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BotContext } from '../src/bot/context.js'
import { deadlineFor } from '../src/bot/deadline.js'
import { parseConfig } from '../src/config.js'
import { featureOf, intentOfCustomType, registerFeature } from '../src/core/features.js'
import { openDb } from '../src/db/client.js'
import { gapIntents, isGapIntent, searchIntents } from '../src/db/gap-intents.js'
import { demoIntents } from '../src/demo/usage.js'
import { tableNamed } from '../src/handlers/admin-import-state.js'
import { llmIntents } from '../src/handlers/llm-intent.js'
import { parseSentence } from '../src/search/parser.js'
import { registerTable, TABLES, tableByIntent } from '../src/tables/index.js'
import { naturalKeyColumns } from '../src/tables/natural-keys.js'
import { loadFixtures } from './helpers/fixtures.js'
import { createTestApp, type TestApp } from './helpers/test-app.js'

/**
 * docs/architecture.md: a feature is one spec (core/features.ts registerFeature) and a case table one
 * spec (tables/index.ts registerTable) plus its SQL table. Registered here, inside the test, with no
 * other change: help, 统计 names, custom types, robot binding, deadlines, the LLM intent list, the
 * prefixes, trigger words and the sentence parser all pick them up.
 */

const timeouts = { handlerMs: 1_000, pipelineMs: 9_000 }

let t: TestApp
const unregister: Array<() => void> = []

beforeAll(() => {
  const removeFeature = registerFeature({
    intent: 'quiz',
    name: '产品测验',
    customTypes: ['quiz'],
    prefixes: ['测验'],
    keywords: /出一道.{0,4}测验/,
    statsWords: ['产品测验', '测验'],
    llm: '产品测验：出题考考销售对产品的了解',
    menu: '产品测验：出一道产品测验题',
    deadline: 'long',
    bindable: true,
    handler: async (ctx: BotContext) => {
      await ctx.reply(`测验题（${ctx.text || '随机'}）：领导力进阶营适合哪类学员？`)
    },
  })
  const base = tableByIntent('case')!
  const removeTable = registerTable(
    {
      ...base,
      key: 'bid-records',
      table: 'bid_records',
      intent: 'bid',
      title: '招投标记录',
      endpoint: 'ABidRecordDetail',
      assistantType: 'bid',
      words: {
        shortName: '招投标记录',
        phrases: [
          [3, ['招投标记录', '中标记录', '中标案例']],
          [2, ['中标', '招投标']],
        ],
        prefixes: ['招投标'],
        statsWords: ['招投标'],
        llmHint: '客户招标、我们中标的项目',
        example: '银行 的中标记录',
        suggest: '行业、年份',
      },
    },
    1,
  )
  unregister.push(removeFeature, removeTable)
  const db = openDb(':memory:')
  loadFixtures(db)
  // The "migration" of the extra table: same columns as content_cases, its own rows.
  db.sqlite.exec('CREATE TABLE bid_records AS SELECT * FROM content_cases')
  t = createTestApp({ db })
})

// Other test files may share this process (vitest isolate: false): leave the registries as they were.
afterAll(() => {
  t?.db.close()
  for (const remove of unregister) remove()
})

describe('feature registry', () => {
  it('answers a registered feature by prefix and by trigger words, with its own handler', async () => {
    const byPrefix = await t.ask('/测验 领导力')
    expect(byPrefix.intent).toBe('quiz')
    expect(byPrefix.replies[0]).toContain('测验题（领导力）')
    const byWords = await t.ask('给我出一道产品测验吧')
    expect(byWords.intent).toBe('quiz')
    expect(byWords.replies[0]).toContain('测验题')
  })

  it('lists the feature and the table in help, in the priority order of the tables', async () => {
    const help = (await t.ask('帮助')).replies[0]!
    expect(help).toContain('- 产品测验：出一道产品测验题')
    expect(help).toContain('- 招投标记录：银行 的中标记录')
    // priority 1: right after the first table
    expect(TABLES.map((s) => s.intent).slice(0, 3)).toEqual(['case', 'bid', 'pitch'])
    expect(help.indexOf('招投标记录')).toBeGreaterThan(help.indexOf(TABLES[0]!.title))
    expect(help.indexOf('招投标记录')).toBeLessThan(help.indexOf(TABLES[2]!.title))
  })

  it('parses a sentence naming the table and searches it', async () => {
    const parsed = parseSentence('银行的中标记录', { dict: t.app.deps.dictionary.get(), nowYear: 2026 })
    expect(parsed.table?.intent).toBe('bid')
    const r = await t.ask('金融行业的中标记录')
    expect(r.intent).toBe('bid')
    expect(r.status).toBe('ok')
    expect(r.replies[0]).toContain('招投标记录')
    expect(r.replies[0]).toContain('浙江丰利农村商业银行股份有限公司')
    expect(r.replies[0]).not.toContain('undefined')
    expect((await t.ask('/招投标 金融')).intent).toBe('bid')
  })

  it('names them in 统计 and filters by their words', async () => {
    await t.ask('/测验 合规')
    const all = (await t.ask('统计 本周')).replies.join('\n')
    expect(all).toContain('产品测验')
    expect(all).toContain('招投标记录')
    const only = (await t.ask('统计 本周 测验')).replies.join('\n')
    expect(only).toContain('助手：产品测验')
  })

  it('offers them to the LLM classifier, maps custom types and robot bindings, and gives the long deadline', () => {
    expect(llmIntents()).toEqual(expect.arrayContaining(['quiz', 'bid', 'case', 'activity', 'other']))
    expect(intentOfCustomType('quiz')).toBe('quiz')
    expect(parseConfig({ ANDY_ROBOT_INTENTS: 'robotQ=quiz,robotB=bid' }).robotIntents).toEqual(
      new Map([
        ['robotQ', 'quiz'],
        ['robotB', 'bid'],
      ]),
    )
    expect(() => parseConfig({ ANDY_ROBOT_INTENTS: 'robotX=nosuch' })).toThrow(/quiz/)
    expect(deadlineFor('quiz', timeouts)).toBe(9_000)
    expect(deadlineFor('bid', timeouts)).toBe(1_000)
    expect(featureOf('bid')?.name).toBe('招投标记录')
  })

  it('puts the table in the per-table lists: 内容缺口 intents, natural key, 导入 words, demo usage', () => {
    expect(searchIntents()).toContain('bid')
    expect(gapIntents()).toEqual(expect.arrayContaining(['bid', 'unanswered']))
    expect(isGapIntent('bid')).toBe(true)
    expect(naturalKeyColumns(tableByIntent('bid')!)).toEqual(['kh_name', 'case_name', 'xm_name'])
    expect(tableNamed('导入 中标记录')?.intent).toBe('bid')
    expect(tableNamed('导入 招投标')?.intent).toBe('bid')
    expect(demoIntents().map(([intent]) => intent)).toContain('bid')
  })

  it('refuses a second feature or table with a taken intent', () => {
    expect(() => registerFeature({ intent: 'case', name: '重复' })).toThrow(/already registered/)
    expect(() => registerTable({ ...tableByIntent('case')!, key: 'x', intent: 'case' })).toThrow(/already registered/)
  })
})
