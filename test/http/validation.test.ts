import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_KEY, call, type Harness, startHarness, urlFor } from './setup.js'

/** Bad requests get a 4xx with a msg that names the problem; never a 5xx. */

let h: Harness

beforeAll(async () => {
  h = await startHarness({ seed: true })
})
afterAll(async () => {
  await h.close()
  // No request in this file may have produced a server fault.
  expect(h.logs.filter((l) => /"level":50/.test(l))).toEqual([])
})

async function post(
  body: string | Buffer,
  contentType: string,
  path = '/api/ANrkhCaseDetail',
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${h.base}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body })
  const text = await res.text()
  return { status: res.status, json: JSON.parse(text) }
}

function expectClientError(r: { status: number; json: any }, status: number, ...words: string[]): void {
  expect(r.status).toBe(status)
  expect(r.json.ret).toBe(status)
  expect(r.json.data).toEqual({})
  for (const w of words) expect(r.json.msg).toContain(w)
}

describe('page and perpage', () => {
  it('rejects perpage 0 and 10001 with the allowed range', async () => {
    expectClientError(await call(h.base, 'ANrkhCaseDetail', { perpage: '0' }), 400, 'perpage', '1 到 10000')
    expectClientError(await call(h.base, 'APtjdCaseDetail', { perpage: '10001' }), 400, 'perpage', '10000')
  })

  it('accepts perpage 10000 (the maximum) and returns every row of a small table', async () => {
    const r = await call(h.base, 'APtjdCaseDetail', { perpage: '10000' })
    expect(r.json.ret).toBe(200)
    expect(r.json.data.lie_biao).toHaveLength(r.json.data.zong_shu)
  })

  it('rejects a non-numeric, fractional or zero page', async () => {
    expectClientError(await call(h.base, 'ANrkhCaseDetail', { page: 'abc' }), 400, 'page', '整数', 'abc')
    expectClientError(await call(h.base, 'ANrkhCaseDetail', { page: '1.5' }), 400, 'page', '整数')
    expectClientError(await call(h.base, 'ANrkhCaseDetail', { page: '0' }), 400, 'page')
  })

  it('pages through results: page 2 continues page 1, a page past the end is empty with the same total', async () => {
    const p1 = await call(h.base, 'ANrdadanCaseDetail', { perpage: '5', page: '1' })
    const p2 = await call(h.base, 'ANrdadanCaseDetail', { perpage: '5', page: '2' })
    const both = await call(h.base, 'ANrdadanCaseDetail', { perpage: '10' })
    expect([...p1.json.data.lie_biao, ...p2.json.data.lie_biao].map((r: { id: number }) => r.id)).toEqual(
      both.json.data.lie_biao.map((r: { id: number }) => r.id),
    )
    const far = await call(h.base, 'ANrdadanCaseDetail', { perpage: '10', page: '9999' })
    expect(far.json.data).toEqual({ lie_biao: [], zong_shu: both.json.data.zong_shu })
  })
})

describe('parameters', () => {
  it('rejects unknown parameters, naming them and listing the accepted ones', async () => {
    expectClientError(await call(h.base, 'ANrkhCaseDetail', { kh_nmae: '银行' }), 400, 'kh_nmae', 'kh_name')
    expectClientError(await call(h.base, 'AGetAndyVarDatas', { user_id: 'u', userid: 'u' }), 400, 'userid')
  })

  it('rejects a parameter given twice', async () => {
    const res = await fetch(`${urlFor(h.base, 'ANrkhCaseDetail', 'new')}?app_key=${APP_KEY}&kh_name=a&kh_name=b`)
    expectClientError({ status: res.status, json: await res.json() }, 400, 'kh_name')
  })

  it('rejects a parameter that differs between the URL and the body', async () => {
    const r = await post(
      JSON.stringify({ app_key: APP_KEY, perpage: 5 }),
      'application/json',
      '/api/ANrkhCaseDetail?perpage=6',
    )
    expectClientError(r, 400, 'perpage')
  })

  it('names a missing required parameter', async () => {
    expectClientError(await call(h.base, 'ALieBiaoAndypromptsteps', {}), 400, 'version')
    expectClientError(await call(h.base, 'AGetAndyVarDatas', {}), 400, 'user_id')
  })

  it('explains bad filter values', async () => {
    expectClientError(await call(h.base, 'APtjdCaseDetail', { replace_year: '去年' }), 400, 'replace_year', '2021-2023')
    expectClientError(await call(h.base, 'ALieBiaoProductprocuredetail', { money: 'lots' }), 400, 'money')
    expectClientError(await call(h.base, 'ARjkhSaleCaseDetail', { account_count_gt: 'many' }), 400, 'account_count_gt')
    expectClientError(
      await call(h.base, 'APtjdCaseDetail', { staff_size_min: '5000', staff_size_max: '100' }),
      400,
      'staff_size_min',
    )
  })
})

describe('bodies', () => {
  it('rejects a 1 MB body with 413 and says what the limit is', async () => {
    const big = JSON.stringify({ app_key: APP_KEY, kh_name: 'x'.repeat(1024 * 1024) })
    expectClientError(await post(big, 'application/json'), 413, '512 KB')
    const form = new URLSearchParams({ app_key: APP_KEY, kh_name: 'y'.repeat(1024 * 1024) }).toString()
    expectClientError(await post(form, 'application/x-www-form-urlencoded'), 413, '512 KB')
  })

  it('rejects malformed JSON, an empty JSON body and a JSON array', async () => {
    expectClientError(await post('{"app_key": "abc", ', 'application/json'), 400, 'JSON')
    expectClientError(await post('', 'application/json'), 400, 'JSON')
    expectClientError(await post('[1,2]', 'application/json'), 400, 'JSON 对象')
    expectClientError(await post('{"__proto__": {"x": 1}}', 'application/json'), 400, 'JSON')
  })

  it('rejects content types it does not read', async () => {
    expectClientError(await post('app_key=x', 'text/plain'), 415, 'application/json')
    expectClientError(await post('--b--', 'multipart/form-data; boundary=b'), 415, 'x-www-form-urlencoded')
  })

  it('rejects an ABuildExcel sheets value that is not the documented shape, naming the element', async () => {
    expectClientError(await call(h.base, 'ABuildExcel', { sheets: '{not json' }), 400, 'sheets', 'JSON')
    expectClientError(await call(h.base, 'ABuildExcel', { sheets: '[]' }), 400, 'sheets')
    expectClientError(await call(h.base, 'ABuildExcel', { sheets: '[{"name":"a","rows":5}]' }), 400, 'sheets[0].rows')
    expectClientError(
      await call(h.base, 'ABuildExcel', { sheets: '[{"rows":[],"columns":[{"header":"A"}]}]' }),
      400,
      'sheets[0].columns[0]',
      'key',
    )
  })

  it('answers unknown paths with a 404 envelope showing the URL forms', async () => {
    const res = await fetch(`${h.base}/v2/whatever`)
    expectClientError({ status: res.status, json: await res.json() }, 404, '/api/')
  })
})
