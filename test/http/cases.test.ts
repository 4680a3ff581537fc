import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCaseInserter, transaction } from '../../src/db/case-write.js'
import type { Db } from '../../src/db/client.js'
import { bumpCasesVersion } from '../../src/db/meta.js'
import { contentCases } from '../../src/db/schema.js'
import { type TableKey, tableByKey } from '../../src/tables/index.js'
import { prepareRow } from '../../src/tables/rows.js'
import { ormOf } from '../helpers/orm.js'
import { call, type Harness, startHarness } from './setup.js'

/** Every filter of ALieBiaoProductprocuredetail against hand-written rows, plus the other filter kinds. */

const PROCUREMENTS = [
  {
    org_name: '华东银行股份有限公司',
    yxt_industry_1: '金融',
    enterprise_type: '上市公司',
    staff_size: '1万人以上',
    money: 680000,
    class_type: '线上课程',
    product_name: '中层领导力进阶营',
    source_type: '新签',
    purchase_year: 2023,
  },
  {
    org_name: '江苏制造集团',
    yxt_industry_1: '制造业',
    enterprise_type: '地方国企',
    staff_size: '1000-5000人',
    money: 96000,
    class_type: '面授',
    product_name: '精益生产实战课',
    source_type: '增购',
    purchase_year: 2022,
  },
  {
    org_name: '浙江零售有限公司',
    yxt_industry_1: '零售',
    enterprise_type: '民营企业',
    staff_size: '100-500人',
    money: 12000,
    class_type: '线上课程',
    product_name: '数据分析能力课',
    source_type: '新签',
    purchase_year: 2021,
  },
  {
    org_name: '北京医药科技',
    yxt_industry_1: '医药',
    enterprise_type: '外资企业',
    staff_size: '500-1000人',
    money: 250000,
    class_type: '混合式',
    product_name: '新经理转身训练营',
    source_type: '续费',
    purchase_year: 2024,
  },
  {
    org_name: '广州能源集团',
    yxt_industry_1: '能源',
    enterprise_type: '央企',
    staff_size: '5000-10000人',
    money: 500000,
    class_type: '面授',
    product_name: '中层领导力进阶营',
    source_type: '增购',
    purchase_year: 2023,
  },
]

const SOFTWARE = [
  {
    archive_name: '小帐号公司',
    yxt_industry_1: '制造业',
    yxt_industry_2: '汽车制造',
    customer_province: '江苏',
    customer_keywords: '移动学习',
    account_count: 500,
    staff_size: '500-1000人',
  },
  {
    archive_name: '千帐号公司',
    yxt_industry_1: '金融',
    yxt_industry_2: '银行',
    customer_province: '浙江',
    customer_keywords: '学习地图',
    account_count: 1000,
    staff_size: '1000-5000人',
  },
  {
    archive_name: '两千帐号公司',
    yxt_industry_1: '金融',
    yxt_industry_2: '证券',
    customer_province: '上海',
    customer_keywords: 'AI陪练',
    account_count: 2000,
    staff_size: '1000-5000人',
  },
]

const PITCHES = [
  {
    kh_name: '某城商银行',
    kh_industry_1: '金融',
    xm_crowd: '中层管理者',
    xm_name: '领导力项目方案',
    case_url: 'https://x.example/p1',
  },
  {
    kh_name: '某汽车厂',
    kh_industry_1: '制造业',
    xm_crowd: '新员工',
    xm_name: '新员工融入方案',
    case_url: 'https://x.example/p2',
  },
  {
    kh_name: '某连锁超市',
    kh_industry_1: '零售',
    xm_crowd: '店长',
    xm_name: '店长赋能方案',
    case_url: 'https://x.example/p3',
  },
]

function load(db: Db, key: TableKey, rows: Array<Record<string, unknown>>): void {
  const spec = tableByKey(key)!
  const insert = createCaseInserter(db, spec)
  transaction(db, () => {
    for (const r of rows) {
      const { row, problems } = prepareRow(spec, r)
      if (problems.length) throw new Error(JSON.stringify(problems))
      insert(row)
    }
  })
  bumpCasesVersion(db)
}

let h: Harness
let demo: Harness

beforeAll(async () => {
  h = await startHarness({
    prepare: (db) => {
      load(db, 'procurements', PROCUREMENTS)
      load(db, 'software-cases', SOFTWARE)
      load(db, 'pitch-plans', PITCHES)
    },
  })
  demo = await startHarness({ seed: true })
})
afterAll(async () => {
  await h.close()
  await demo.close()
})

async function names(action: string, params: Record<string, string>, nameField: string): Promise<string[]> {
  const r = await call(h.base, action, { perpage: '100', ...params })
  expect(r.json.ret, r.json.msg).toBe(200)
  expect(r.json.data.zong_shu).toBe(r.json.data.lie_biao.length)
  return (r.json.data.lie_biao as Array<Record<string, string>>).map((row) => row[nameField]!).sort()
}

const P = PROCUREMENTS.map((r) => r.org_name)
const pick = (...i: number[]): string[] => i.map((n) => P[n - 1]!).sort()

const PROCUREMENT_CASES: Array<[Record<string, string>, string[]]> = [
  [{ org_name: '集团' }, pick(2, 5)],
  [{ yxt_industry_1: '制造' }, pick(2)],
  [{ enterprise_type: '国企' }, pick(2)],
  [{ staff_size: '5000' }, pick(2, 5)],
  [{ money: '96000' }, pick(2)],
  [{ money: '100000-500000' }, pick(4, 5)],
  [{ money: '50万-' }, pick(1, 5)],
  [{ money: '-10万' }, pick(2, 3)],
  [{ class_type: '面授' }, pick(2, 5)],
  [{ product_name: '领导力' }, pick(1, 5)],
  [{ source_type: '新签' }, pick(1, 3)],
  [{ staff_size_min: '5000' }, pick(1, 5)],
  [{ staff_size_max: '500' }, pick(3)],
  [{ staff_size_min: '600', staff_size_max: '2000' }, pick(2, 4)],
  [{ yxt_industry_more: '金融 医药' }, pick(1, 4)],
  [{ yxt_industry_more: '金融,能源' }, pick(1, 5)],
  [{ purchase_year: '2023' }, pick(1, 5)],
  [{ purchase_year: '2021-2022' }, pick(2, 3)],
  [{ yxt_industry_1: '金融', purchase_year: '2023' }, pick(1)],
  [{ product_name: '领导力', enterprise_type: '国企' }, []],
]

describe('ALieBiaoProductprocuredetail filters', () => {
  it('covers every filter the endpoint declares', () => {
    const tested = new Set(PROCUREMENT_CASES.flatMap(([p]) => Object.keys(p)))
    expect([...tested].sort()).toEqual(
      tableByKey('procurements')!
        .filters.map((f) => f.param)
        .sort(),
    )
  })

  for (const [params, expected] of PROCUREMENT_CASES) {
    it(`${JSON.stringify(params)} → ${expected.length} rows`, async () => {
      expect(await names('ALieBiaoProductprocuredetail', params, 'org_name')).toEqual(expected)
    })
  }

  it('returns rows with the seed field names, numbers as strings as the seed types them', async () => {
    const r = await call(h.base, 'ALieBiaoProductprocuredetail', { org_name: '华东银行' })
    expect(r.json.data.lie_biao[0]).toMatchObject({
      org_name: '华东银行股份有限公司',
      yxt_industry_1: '金融',
      staff_size: '1万人以上',
      staff_size_min: '10000',
      money: '680000',
      purchase_year: '2023',
    })
  })
})

describe('other filter kinds', () => {
  it('account_count_gt / _lt are strict bounds', async () => {
    expect(await names('ARjkhSaleCaseDetail', { account_count_gt: '1000' }, 'archive_name')).toEqual(['两千帐号公司'])
    expect(await names('ARjkhSaleCaseDetail', { account_count_lt: '1000' }, 'archive_name')).toEqual(['小帐号公司'])
    expect(
      await names('ARjkhSaleCaseDetail', { account_count_gt: '500', account_count_lt: '2000' }, 'archive_name'),
    ).toEqual(['千帐号公司'])
  })

  it('yxt_industry_more on software cases matches the second-level industry', async () => {
    expect(await names('ARjkhSaleCaseDetail', { yxt_industry_more: '银行 证券' }, 'archive_name')).toEqual(
      ['两千帐号公司', '千帐号公司'].sort(),
    )
  })

  it('params_more matches any word in any text column', async () => {
    expect(await names('ANrdadanCaseDetail', { params_more: '银行 新员工' }, 'kh_name')).toEqual(
      ['某城商银行', '某汽车厂'].sort(),
    )
    expect(await names('ANrdadanCaseDetail', { params_more: '店长' }, 'kh_name')).toEqual(['某连锁超市'])
  })
})

describe('ANrkhCaseDetail over the demo data', () => {
  it('two filters give exactly the rows a plain scan finds', async () => {
    const all = ormOf(demo.db).select().from(contentCases).all() as Array<Record<string, unknown>>
    const expected = all
      .filter(
        (r) => String(r.yxt_industry_1 ?? '').includes('制造') && String(r.enterprise_type ?? '').includes('国企'),
      )
      .map((r) => r.id as number)
      .sort((a, b) => a - b)
    expect(expected.length).toBeGreaterThan(0)
    for (const style of ['new', 'old'] as const) {
      const r = await call(
        demo.base,
        'ANrkhCaseDetail',
        { yxt_industry_1: '制造', enterprise_type: '国企', perpage: '1000' },
        { style },
      )
      expect(r.json.data.zong_shu).toBe(expected.length)
      expect((r.json.data.lie_biao as Array<{ id: number }>).map((x) => x.id).sort((a, b) => a - b)).toEqual(expected)
    }
  })
})
