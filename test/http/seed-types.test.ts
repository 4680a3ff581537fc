import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../src/db/client.js'
import { promptSteps, reportPrompts } from '../../src/db/schema.js'
import { insertUsage } from '../../src/db/usage.js'
import { allEndpoints } from '../../src/http/endpoints/index.js'
import { ormOf } from '../helpers/orm.js'
import { call, type Harness, startHarness } from './setup.js'

/**
 * Every answer field the seed's specification lists (test/fixtures/seed-api-spec.txt, a copy of
 * shared/seed/api-spec.txt) comes back with the seed's type: 字符串 → a JSON string, 整型 → an integer.
 * The fields are read from the specification itself, so a field the seed adds or retypes is checked too.
 */

interface SpecField {
  readonly path: string
  readonly type: string
}

/** action → the `data.…` answer fields of the seed's spec. */
function seedAnswerFields(): Map<string, SpecField[]> {
  const text = readFileSync(join(import.meta.dirname, '../fixtures/seed-api-spec.txt'), 'utf8')
  const out = new Map<string, SpecField[]>()
  for (const block of text.split('接口路径(新):').slice(1)) {
    const action = /\/([A-Za-z]+)\s*\n/.exec(block)![1]!
    const answer = block.slice(block.indexOf('返回字段'))
    const fields = [...answer.matchAll(/^(data\.[\w.[\]]+) \| ([^|]+) \|/gm)].map((m) => ({
      path: m[1]!,
      type: m[2]!.trim(),
    }))
    out.set(action, fields)
  }
  return out
}

/**
 * Fields the seed mistypes and Andy deliberately does not follow: the list containers (typed 字符串, but
 * arrays — "数据列表，失败时返回空数组") and ANrdadanCaseDetail's total (字符串 there, 整型 in every other list).
 */
const CONTAINERS = new Set(['data.lie_biao', 'data.items', 'data.datas'])
const NOT_FOLLOWED = new Set(['ANrdadanCaseDetail data.zong_shu'])

/** The values at a `data.a[].b` path of an answer. */
function valuesAt(data: unknown, path: string): unknown[] {
  let current: unknown[] = [data]
  for (const part of path.replace(/^data\./, '').split('.')) {
    const list = part.endsWith('[]')
    const key = list ? part.slice(0, -2) : part
    current = current.flatMap((v) => {
      const x = (v as Record<string, unknown> | undefined)?.[key]
      return list ? ((x as unknown[] | undefined) ?? []) : [x]
    })
  }
  return current
}

function prepare(db: Db): void {
  insertUsage(db, {
    assistant_type: '4',
    assistant_name: '内容客户案例',
    user_dd_nick: '张三',
    consult_content: '制造业 客户案例',
    conversation_type: '2',
    dd_group_name: '销售一群',
    use_time: '2026-11-01 10:00:00',
    use_date: '2026-11-01',
    intent: 'case',
    status: 'ok',
  })
  const steps = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`step${i + 1}`, `s${i + 1}`]))
  ormOf(db)
    .insert(promptSteps)
    .values({ version: '1.0', step_type: 'qymc', step_name: '企业名称', prompt: 'P', ...steps })
    .run()
  ormOf(db)
    .insert(reportPrompts)
    .values({
      app_catalog: '报告',
      app_name: '年度报告',
      app_id: 'a1',
      app_url: 'https://x.example/a1',
      currNodeInstanceId: 'n1',
      order_index: 2,
      prompt: 'R',
      step1: 'a',
      step2: 'b',
      step3: 'c',
    })
    .run()
}

let h: Harness

beforeAll(async () => {
  h = await startHarness({ seed: true, prepare })
})
afterAll(async () => {
  await h.close()
})

/** One call per action with parameters that make every listed field present. */
async function answer(action: string): Promise<unknown> {
  const robot = (msgId: string) => ({
    msgId,
    msgtype: 'text',
    text: JSON.stringify({ content: '帮助' }),
    conversationId: 'cid-types',
    conversationType: '1',
    senderStaffId: 'u-types',
  })
  const params: Record<string, Record<string, string>> = {
    ALieBiaoAndypromptsteps: { version: '1.0' },
    AGetAndyVarDatas: { user_id: 'u-types' },
    AReceiveMsg: robot('types-1'),
    ACpsReceiveSearch: robot('types-2'),
    ARjkhSaleCaseReceiveSearch: robot('types-3'),
    ASaveAndyVardDtas: {
      user_id: 'u-types',
      user_name: '王五',
      block_index: '2',
      total_tokens: '1200',
      total_rmb: '0.35',
      activity_type: '线上',
    },
  }
  const list = allEndpoints()
    .find((e) => e.action === action)!
    .params.some((p) => p.name === 'perpage')
  const r = await call(
    h.base,
    action,
    { ...(list ? { perpage: '50' } : {}), ...params[action] },
    { method: 'POST', body: 'json' },
  )
  expect([action, r.json.ret]).toEqual([action, 200])
  return r.json.data
}

describe('answer types follow the seed specification', () => {
  const spec = seedAnswerFields()

  it('reads all 15 endpoints from the specification, and Andy serves each', () => {
    expect(spec.size).toBe(15)
    const served = new Set(allEndpoints().map((e) => e.action))
    for (const action of spec.keys()) expect(served.has(action)).toBe(true)
  })

  it('answers every 字符串 field as a string and every 整型 field as an integer', async () => {
    // ASaveAndyVardDtas first: AGetAndyVarDatas then has a record to return.
    const order = ['ASaveAndyVardDtas', ...[...spec.keys()].filter((a) => a !== 'ASaveAndyVardDtas')]
    const wrong: string[] = []
    let checked = 0
    for (const action of order) {
      if (spec.get(action)!.length === 0) continue // ABuildExcel, AJdyyReportData: the seed lists no answer fields
      const data = await answer(action)
      for (const f of spec.get(action)!) {
        if (CONTAINERS.has(f.path) || NOT_FOLLOWED.has(`${action} ${f.path}`)) continue
        const values = valuesAt(data, f.path)
        if (values.length === 0) wrong.push(`${action} ${f.path}: no value to check`)
        for (const v of values) {
          if (v === null) continue // a field the row has no value for
          checked++
          const ok = f.type === '字符串' ? typeof v === 'string' : f.type === '整型' ? Number.isInteger(v) : true
          if (!ok) wrong.push(`${action} ${f.path}: ${f.type} expected, got ${JSON.stringify(v)}`)
        }
      }
    }
    expect(wrong).toEqual([])
    expect(checked).toBeGreaterThan(1000)
  })

  it('keeps each numeric field filled where the data has it (no value lost in the conversion)', async () => {
    const switches = (await answer('APtjdCaseDetail')) as { lie_biao: Array<Record<string, unknown>> }
    const row = switches.lie_biao.find((r) => r.staff_size_begin !== null && r.replace_year !== null)!
    expect(row.staff_size_begin).toMatch(/^\d+$/)
    expect(row.replace_year).toMatch(/^20\d\d$/)
    const software = (await answer('ARjkhSaleCaseDetail')) as { lie_biao: Array<Record<string, unknown>> }
    expect(
      software.lie_biao.filter((r) => typeof r.account_count === 'string' && /^\d+$/.test(r.account_count)).length,
    ).toBeGreaterThan(0)
  })
})
