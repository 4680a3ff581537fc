import { createHash } from 'node:crypto'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tableCount } from '../../src/db/case-search.js'
import { TABLES } from '../../src/tables/index.js'
import { WebhookSink } from '../helpers/webhook-sink.js'
import { APP_KEY, APP_SECRET, call, type Harness, type Style, seedSign, startHarness, urlFor } from './setup.js'

let h: Harness
let signed: Harness
let sink: WebhookSink
let n = 0

beforeAll(async () => {
  sink = await WebhookSink.start()
  h = await startHarness({ seed: true })
  signed = await startHarness({ seed: true, env: { API_APP_SECRET: APP_SECRET } })
})
afterAll(async () => {
  await h.close()
  await signed.close()
  await sink.close()
})

const SHEETS = JSON.stringify([
  { name: '客户', columns: [{ key: 'name', header: '客户名称' }], rows: [{ name: '甲' }] },
])

/** Minimal valid parameters per action, and the ret they must produce. */
function minimal(action: string): { params: Record<string, string>; ret: number } {
  switch (action) {
    case 'ALieBiaoAndypromptsteps':
      return { params: { version: '1.0' }, ret: 200 }
    case 'ASaveAndyVardDtas':
    case 'AGetAndyVarDatas':
      return { params: { user_id: 'u-styles' }, ret: 200 }
    case 'ABuildExcel':
      return { params: { sheets: SHEETS, as_base64: '1' }, ret: 200 }
    case 'AReceiveMsg':
    case 'ACpsReceiveSearch':
    case 'ARjkhSaleCaseReceiveSearch':
      return {
        params: { msgId: `styles-${++n}`, text: JSON.stringify({ content: '帮助' }), sessionWebhook: sink.url() },
        ret: 200,
      }
    case 'AJdyyReportData':
      return { params: {}, ret: 400 } // no workbook given: a helpful 4xx (records.test.ts builds real reports)
    default:
      return { params: {}, ret: 200 }
  }
}

const ACTIONS = [
  ...TABLES.map((t) => t.endpoint),
  'AAndyUseRecordStatistics',
  'ALieBiaoAndypromptsteps',
  'ALieBiaoAndyReportPromts',
  'ASaveAndyVardDtas',
  'AGetAndyVarDatas',
  'ABuildExcel',
  'AReceiveMsg',
  'ACpsReceiveSearch',
  'ARjkhSaleCaseReceiveSearch',
  'AJdyyReportData',
]

describe('URL styles', () => {
  it('serves all 15 seed actions', () => {
    expect(new Set(ACTIONS).size).toBe(15)
  })

  for (const style of ['new', 'short', 'old'] as Style[]) {
    for (const method of ['GET', 'POST'] as const) {
      it(`answers every action at the ${style} style with ${method}`, async () => {
        for (const action of ACTIONS) {
          const { params, ret } = minimal(action)
          const r = await call(h.base, action, params, { style, method })
          expect({ action, ret: r.json?.ret, status: r.status }).toEqual({ action, ret, status: ret })
          expect(typeof r.json.msg).toBe('string')
          expect(r.json._t).toBeTypeOf('number')
        }
      })
    }
  }

  it('returns the seed list fields: lie_biao rows with seed names, zong_shu = table size', async () => {
    for (const spec of TABLES) {
      const r = await call(h.base, spec.endpoint, {}, { style: 'old' })
      expect(r.json.data.zong_shu).toBe(tableCount(h.db, spec))
      expect(r.json.data.lie_biao).toHaveLength(10)
      const row = r.json.data.lie_biao[0]
      expect(row[spec.nameColumn]).toBeTypeOf('string')
      for (const c of spec.columns.filter((col) => !col.internal)) expect(row).toHaveProperty(c.name)
    }
  })

  it('accepts a JSON body and reads the action from s in the body (old style POST)', async () => {
    const res = await fetch(`${h.base}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ s: 'SVIP.Andy_MyApi.APtjdCaseDetail', app_key: APP_KEY, perpage: 3, page: 2 }),
    })
    const json = (await res.json()) as any
    expect(json.ret).toBe(200)
    expect(json.data.lie_biao).toHaveLength(3)
  })

  it('answers 404 with the list of actions for an unknown action, and 400 when the old style has no s', async () => {
    const r = await call(h.base, 'ANoSuchAction', {})
    expect(r.status).toBe(404)
    expect(r.json.msg).toContain('ANrkhCaseDetail')
    const res = await fetch(`${h.base}/?app_key=${APP_KEY}`)
    expect(res.status).toBe(400)
    expect(((await res.json()) as any).msg).toContain('/?s=')
  })

  it('returns the .xlsx file as an attachment by default', async () => {
    const res = await fetch(
      `${urlFor(h.base, 'ABuildExcel', 'new')}?${new URLSearchParams({ app_key: APP_KEY, sheets: SHEETS, file_name: '客户清单' })}`,
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('spreadsheetml')
    expect(res.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('客户清单.xlsx')}`)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(await res.arrayBuffer())
    expect(wb.worksheets[0]!.name).toBe('客户')
    expect(wb.worksheets[0]!.getRow(2).getCell(1).value).toBe('甲')
  })
})

describe('envelope', () => {
  it('return_data=1 returns data alone; errors keep the full envelope', async () => {
    const r = await call(h.base, 'APtjdCaseDetail', { perpage: '2', return_data: '1' })
    expect(Object.keys(r.json).sort()).toEqual(['lie_biao', 'zong_shu'])
    expect(r.json.lie_biao).toHaveLength(2)
    const bad = await call(h.base, 'APtjdCaseDetail', { perpage: '0', return_data: '1' })
    expect(bad.json.ret).toBe(400)
    expect(bad.json.msg).toContain('perpage')
  })

  it('has no _auth without a secret', async () => {
    const r = await call(h.base, 'ANrkhCaseDetail', { perpage: '1' })
    expect(r.json).not.toHaveProperty('_auth')
  })

  it('_auth = md5(JSON of data + _t + secret), recomputed from the body', async () => {
    const r = await call(
      signed.base,
      'ALieBiaoProductprocuredetail',
      { perpage: '3', yxt_industry_1: '金融' },
      { secret: APP_SECRET },
    )
    expect(r.json.ret).toBe(200)
    const dataText = r.text.slice(r.text.indexOf('"data":') + 7, r.text.indexOf(',"msg":'))
    expect(JSON.parse(dataText)).toEqual(r.json.data)
    const expected = createHash('md5').update(`${dataText}${r.json._t}${APP_SECRET}`).digest('hex')
    expect(r.json._auth).toBe(expected)
    expect(
      createHash('md5')
        .update(`${JSON.stringify(r.json.data)}${r.json._t}${APP_SECRET}`)
        .digest('hex'),
    ).toBe(expected)
    expect(Math.abs(r.json._t - Date.now() / 1000)).toBeLessThan(60)
  })
})

describe('auth', () => {
  it('requires app_key and rejects a wrong one', async () => {
    const missing = await call(h.base, 'ANrkhCaseDetail', {}, { appKey: null })
    expect([missing.status, missing.json.ret]).toEqual([400, 400])
    expect(missing.json.msg).toContain('app_key')
    const wrong = await call(h.base, 'ANrkhCaseDetail', {}, { appKey: 'x'.repeat(32) })
    expect([wrong.status, wrong.json.ret]).toEqual([401, 401])
    expect(wrong.json.msg).toContain('app_key')
  })

  it('answers 403 with a clear msg when API_APP_KEY is not configured', async () => {
    const off = await startHarness({ env: { API_APP_KEY: undefined } })
    try {
      const r = await call(off.base, 'ANrkhCaseDetail', {}, { appKey: 'x'.repeat(32) })
      expect(r.status).toBe(403)
      expect(r.json.msg).toContain('API_APP_KEY')
    } finally {
      await off.close()
    }
  })

  it('accepts a correct sign in the query, a form body and a JSON body', async () => {
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', 'form'],
      ['POST', 'json'],
    ] as const) {
      const r = await call(
        signed.base,
        'APtjdCaseDetail',
        { kh_industry_1: '制造', perpage: '2' },
        { method, body, secret: APP_SECRET },
      )
      expect({ method, body, ret: r.json.ret }).toEqual({ method, body, ret: 200 })
      expect(r.json.data.lie_biao.length).toBeGreaterThan(0)
    }
  })

  it('signs the old style s parameter too', async () => {
    const r = await call(signed.base, 'ARjkhSaleCaseDetail', { perpage: '1' }, { style: 'old', secret: APP_SECRET })
    expect(r.json.ret).toBe(200)
  })

  it('rejects a missing sign (400) and a wrong sign (401), explaining the algorithm', async () => {
    const missing = await call(signed.base, 'APtjdCaseDetail', {})
    expect([missing.status, missing.json.ret]).toEqual([400, 400])
    expect(missing.json.msg).toContain('sign')
    expect(missing.json.msg).toContain('MD5')
    const wrong = await call(signed.base, 'APtjdCaseDetail', {}, { secret: 'not-the-secret' })
    expect([wrong.status, wrong.json.ret]).toEqual([401, 401])
    expect(wrong.json.msg).toContain('sign')
    expect(wrong.text).not.toContain(APP_SECRET)
  })

  it('rejects a sign when a parameter was changed after signing', async () => {
    const p = { app_key: APP_KEY, perpage: '2', area: '广东' }
    const sign = seedSign(p, APP_SECRET)
    const res = await fetch(
      `${urlFor(signed.base, 'APtjdCaseDetail', 'short')}?${new URLSearchParams({ ...p, area: '浙江', sign })}`,
    )
    expect(res.status).toBe(401)
  })

  it('does not depend on the order the parameters arrive in', async () => {
    const p = { perpage: '2', app_key: APP_KEY, area: '广东', page: '1' }
    const sign = seedSign(p, APP_SECRET)
    const orders = [
      ['sign', 'perpage', 'app_key', 'area', 'page'],
      ['page', 'area', 'app_key', 'perpage', 'sign'],
      ['area', 'sign', 'page', 'perpage', 'app_key'],
    ]
    const all = { ...p, sign } as Record<string, string>
    for (const order of orders) {
      const qs = order.map((k) => `${k}=${encodeURIComponent(all[k]!)}`).join('&')
      const res = await fetch(`${urlFor(signed.base, 'APtjdCaseDetail', 'new')}?${qs}`)
      const json = (await res.json()) as any
      expect({ order, ret: json.ret }).toEqual({ order, ret: 200 })
      expect(json.data.zong_shu).toBeGreaterThan(0)
    }
  })

  it('accepts uuid and token, logs the uuid and never the token, app_key or secret', async () => {
    const r = await call(
      signed.base,
      'ANrkhCaseDetail',
      { uuid: 'member-42', token: 'session-token-xyz' },
      { secret: APP_SECRET },
    )
    expect(r.json.ret).toBe(200)
    const logs = signed.logs.join('\n')
    expect(logs).toContain('member-42')
    expect(logs).not.toContain('session-token-xyz')
    expect(logs).not.toContain(APP_KEY)
    expect(logs).not.toContain(APP_SECRET)
  })
})
