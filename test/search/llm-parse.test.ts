import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import { type Db, openDb } from '../../src/db/client.js'
import { llmCalls } from '../../src/db/llm-calls.js'
import { Dictionary } from '../../src/search/dictionary.js'
import { buildFilterSchema } from '../../src/search/llm-schema.js'
import { tableByIntent } from '../../src/tables/index.js'
import { type ChatBody, FakeOpenAI, type FakeReply } from '../helpers/fake-openai.js'
import { createTestApp, DEFAULT_USER, demoDbPath, tempDir } from '../helpers/test-app.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

let seeded: Db
let dir: { dir: string; cleanup(): void }
let n = 0
beforeAll(async () => {
  dir = tempDir()
  seeded = openDb(await demoDbPath(dir.dir, 'template.db'))
  return () => {
    seeded.close()
    dir.cleanup()
  }
})

/** A fresh copy of the demo database. */
async function demoDb(): Promise<Db> {
  return openDb(await demoDbPath(dir.dir, `t${++n}.db`))
}

function toolName(body: ChatBody): string | undefined {
  return body.tools?.[0]?.function.name
}

async function setup(answer: (body: ChatBody) => FakeReply | string, env: Record<string, string> = {}) {
  const fake = await FakeOpenAI.start({ handler: answer })
  cleanups.push(() => fake.close())
  const t = createTestApp({ clock: systemClock, user: DEFAULT_USER, logs: true, fake, db: await demoDb(), env })
  cleanups.push(() => t.close())
  return { fake, t }
}

function filterLine(reply: string): string {
  return reply.split('\n').find((l) => l.startsWith('筛选：')) ?? ''
}

describe('LLM filter schema', () => {
  it('is derived from the table spec with the stored values as enums', () => {
    const dict = Dictionary.build(seeded)
    const s = buildFilterSchema(tableByIntent('procurement')!, dict)
    const props = (s.parameters as { properties: Record<string, { items?: { enum?: string[] } }> }).properties
    expect(props.classType?.items?.enum).toContain('训练营')
    expect(props.industry?.items?.enum).toContain('医药')
    expect(Object.keys(props)).toEqual(expect.arrayContaining(['staff_size_min', 'year_from', 'money_min', 'keywords']))
    expect(Object.keys(props)).not.toContain('account_count_min')
    const ok = s.zod.safeParse({ industry: ['医药'], staff_size_min: 1000, keywords: null })
    expect(ok.success && ok.data).toEqual({
      dims: { industry: ['医药'] },
      exclude: {},
      staff_size_min: 1000,
      keywords: [],
    })
    // Exclusions have their own fields, with the same stored values to pick from.
    expect((props as Record<string, { items?: { enum?: string[] } }>).exclude_enterpriseType?.items?.enum).toContain(
      '地方国企',
    )
    const ex = s.zod.safeParse({ exclude_enterpriseType: ['央企'], industry: ['医药', '金融'] })
    expect(ex.success && ex.data).toEqual({
      dims: { industry: ['医药', '金融'] },
      exclude: { enterpriseType: ['央企'] },
      keywords: [],
    })
    expect(s.zod.safeParse({ staff_size_min: -5 }).success).toBe(false)
  })
})

describe('search understanding with an LLM', () => {
  it('merges the LLM parse with the rules: dictionary hits win, fuzzy size added, explained words dropped', async () => {
    const { t, fake } = await setup((body) =>
      toolName(body) === 'set_filters'
        ? { toolCall: { arguments: { industry: ['制造业'], staff_size_min: 1000, keywords: [] } } }
        : 'x',
    )
    const r = await t.ask('大型药企的客户案例')
    expect(r.intent).toBe('case')
    const line = filterLine(r.replies[0]!)
    // 药企 is a dictionary hit (医药 values) and wins over the model's industry; 大型企业 → ≥1000人.
    expect(line).toContain('行业=药企')
    expect(line).not.toContain('制造业')
    expect(line).toContain('规模≥1000人')
    expect(line).not.toContain('关键词=大型')
    expect(r.replies[0]).toContain('AI 理解补充的条件：规模≥1000人')
    expect(r.filters).toMatchObject({ staff_size: { min: 1000 } })
    expect(fake.requests[0]!.body.messages[1]!.content).toBe('大型药企的客户案例')
    expect(llmCalls(t.db)[0]).toMatchObject({ intent: 'case', status: 'ok' })
  })

  it('maps synonyms onto stored values and never invents a value', async () => {
    const { t } = await setup(() => ({
      toolCall: { arguments: { industry: ['金融', '航天军工'], keywords: ['股份行'] } },
    }))
    // 股份行 is in neither the data nor the taxonomy: the rules keep it as a word, the model maps it.
    const r = await t.ask('股份行 新员工 打单方案')
    const line = filterLine(r.replies[0]!)
    expect(line).toContain('行业=金融')
    expect(line).toContain('人群=新员工')
    expect(line).not.toContain('航天军工')
    // The model kept 股份行 as a keyword: it stays (applied, or named as unused when it matched nothing).
    expect(r.replies[0]).toMatch(/关键词=股份行|没用上的词：股份行/)
    const hits = r.hits ?? []
    expect(r.total).toBeGreaterThanOrEqual(0)
    for (const h of hits) expect(String(h.kh_industry_1)).toMatch(/金融|银行|保险|证券|基金/)
  })

  it('falls back to the rule parse silently when the model is too slow', async () => {
    const { t } = await setup(() => ({ hang: true }), { LLM_PARSE_TIMEOUT_MS: '300' })
    const started = Date.now()
    const r = await t.ask('大型药企的客户案例')
    expect(Date.now() - started).toBeLessThan(20_000) // the model never answers: a finite bound shows the fallback
    expect(r.status).toBe('ok')
    const plain = createTestApp({ clock: systemClock, user: DEFAULT_USER, db: await demoDb() })
    cleanups.push(() => plain.close())
    const noLlm = await plain.ask('大型药企的客户案例')
    // Same reply as without any LLM: the rule filters, stated.
    expect(r.replies[0]).toBe(noLlm.replies[0])
    // 大型 is found nowhere in the data: named once as unused, the answer not zeroed by it.
    expect(r.replies[0]).toContain('没用上的词：大型')
    expect(r.replies[0]).not.toContain('AI 理解')
    expect(t.logLines.join('\n')).toContain('llm parse failed; using the rule parse')
    expect(llmCalls(t.db)[0]).toMatchObject({ status: 'timeout' })
  })

  it('does not call the model when the rules understood every word', async () => {
    const { t, fake } = await setup(() => 'x')
    const r = await t.ask('制造业 5000人以上 国企 的客户案例')
    expect(filterLine(r.replies[0]!)).toContain('行业=制造业')
    expect(fake.requests).toHaveLength(0)
  })

  it('classifies what the keyword rules cannot place', async () => {
    const { t, fake } = await setup((body) =>
      toolName(body) === 'classify_intent'
        ? { toolCall: { arguments: { intent: 'procurement', confidence: 0.9 } } }
        : { toolCall: { arguments: { industry: ['汽车', '制造业'], keywords: [] } } },
    )
    const r = await t.ask('主机厂那边最近都上了什么课')
    expect(r.intent).toBe('procurement')
    expect(filterLine(r.replies[0]!)).toContain('行业=')
    expect(fake.requests.map((q) => toolName(q.body))).toEqual(['classify_intent', 'set_filters'])
  })

  it('never turns a value the sentence excludes into a wanted one, whatever the model says', async () => {
    const { t, fake } = await setup(() => ({
      toolCall: { arguments: { enterpriseType: ['国企', '民营企业'], exclude_enterpriseType: [], keywords: ['靠谱'] } },
    }))
    const r = await t.ask('非国企的银行 新员工 打单方案 要靠谱的')
    expect(fake.requests.length).toBeGreaterThan(0)
    expect(r.replies[0]).toContain('排除：企业性质=国企')
    const wanted = filterLine(r.replies[0]!)
    expect(wanted).not.toMatch(/企业性质=[^·]*国企/)
    for (const h of r.hits ?? []) expect(String(h.enterprise_type)).not.toMatch(/国企|央企/)
    expect(r.filters).toMatchObject({ exclude: { enterprise_type: expect.arrayContaining(['地方国企', '央企']) } })
  })

  it('takes exclusions and any-of lists from the model when the rules left them as words', async () => {
    const { t } = await setup(() => ({
      toolCall: {
        arguments: { industry: ['零售', '餐饮酒店'], exclude_enterpriseType: ['央企', '地方国企'], keywords: [] },
      },
    }))
    const r = await t.ask('卖场或者饭馆这类的打单方案，国字头的不考虑')
    expect(r.replies[0]).toContain('排除：企业性质=')
    expect(r.total).toBeGreaterThan(0)
    for (const h of r.hits ?? []) {
      expect(String(h.kh_industry_1)).toMatch(/零售|餐饮|快消|连锁/)
      expect(String(h.enterprise_type)).not.toMatch(/国企|央企/)
    }
  })

  it('answers with help when the classifier is unsure', async () => {
    const { t } = await setup(() => ({ toolCall: { arguments: { intent: 'case', confidence: 0.3 } } }))
    const r = await t.ask('今天天气怎么样呀')
    // the menu, recorded as a question Andy could not answer (a content gap, not 帮助)
    expect(r.intent).toBe('unanswered')
    expect(r.replies[0]).toContain('我是 Andy')
  })
})
