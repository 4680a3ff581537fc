import { beforeAll, describe, expect, it } from 'vitest'
import { type Db, openDb } from '../../src/db/client.js'
import { Dictionary } from '../../src/search/dictionary.js'
import { createDictionaryProvider } from '../../src/search/dictionary-provider.js'
import { formatSearchReply } from '../../src/search/format.js'
import { filtersFromParams, ParamError } from '../../src/search/params.js'
import { parseSentence } from '../../src/search/parser.js'
import { runSearch } from '../../src/search/service.js'
import { type TableKey, tableByKey } from '../../src/tables/index.js'
import { CONTENT_CASES, loadFixtures } from '../helpers/fixtures.js'
import { insertCases } from '../helpers/test-app.js'

let db: Db
let dict: Dictionary
beforeAll(() => {
  db = openDb(':memory:')
  loadFixtures(db)
  dict = Dictionary.build(db)
})

/** Names of the rows matching seed list parameters, newest first. */
function names(key: TableKey, params: Record<string, string>, page = 1, perpage = 100): string[] {
  const spec = tableByKey(key)!
  const out = runSearch(db, dict, { table: spec, filters: filtersFromParams(spec, params), page, perpage })
  return out.rows.map((r) => String(r[spec.nameColumn]))
}

const total = (key: TableKey, params: Record<string, string>) => {
  const spec = tableByKey(key)!
  return runSearch(db, dict, { table: spec, filters: filtersFromParams(spec, params), page: 1, perpage: 1 }).total
}

describe('every filter of the seed list endpoints', () => {
  it.each<[TableKey, Record<string, string>, string[]]>([
    // ANrkhCaseDetail
    ['content-cases', { train_target: '新员工' }, ['深圳华创电子科技有限公司']],
    ['content-cases', { yxt_industry_1: '金融' }, ['上海安盛人寿保险有限公司', '浙江丰利农村商业银行股份有限公司']],
    ['content-cases', { enterprise_type: '国企' }, ['江苏恒远汽车零部件集团', '浙江丰利农村商业银行股份有限公司']],
    ['content-cases', { case_name: '合规' }, ['四川康泰制药股份有限公司']],
    [
      'content-cases',
      { yxt_industry_more: '医药 金融' },
      ['上海安盛人寿保险有限公司', '四川康泰制药股份有限公司', '浙江丰利农村商业银行股份有限公司'].sort(),
    ],
    ['content-cases', { content_product: '训练营' }, ['佛山美的好电器集团']],
    ['content-cases', { case_time: '2024' }, ['佛山美的好电器集团', '深圳华创电子科技有限公司'].sort()],
    [
      'content-cases',
      { product_series: '领导力' },
      ['中国宏达重工集团有限公司', '佛山美的好电器集团', '江苏恒远汽车零部件集团'].sort(),
    ],
    ['content-cases', { kh_name: '银行' }, ['浙江丰利农村商业银行股份有限公司']],
    [
      'content-cases',
      { kh_industry_1: '制造' },
      ['中国宏达重工集团有限公司', '佛山美的好电器集团', '江苏恒远汽车零部件集团', '深圳华创电子科技有限公司'].sort(),
    ],
    ['content-cases', { xm_crowd: '高管' }, ['中国宏达重工集团有限公司']],
    ['content-cases', { xm_name: '战略解码' }, ['中国宏达重工集团有限公司']],
    [
      'content-cases',
      { kh_industry_more: '保险,银行' },
      ['上海安盛人寿保险有限公司', '浙江丰利农村商业银行股份有限公司'].sort(),
    ],
    // 5000人以上 is open-ended, so it overlaps ≥10000; 5000-10000人 only touches the bound
    [
      'content-cases',
      { staff_size_min: '10000' },
      ['中国宏达重工集团有限公司', '佛山美的好电器集团', '四川康泰制药股份有限公司'].sort(),
    ],
    // ANrdadanCaseDetail
    ['pitch-plans', { kh_name: '智联' }, ['北京智联软件有限公司']],
    ['pitch-plans', { kh_industry_1: '金融' }, ['浙江丰利农村商业银行股份有限公司']],
    ['pitch-plans', { xm_crowd: '中层' }, ['江苏恒远汽车零部件集团']],
    ['pitch-plans', { xm_name: '建议书' }, ['江苏恒远汽车零部件集团']],
    ['pitch-plans', { case_url: 'p/3' }, ['北京智联软件有限公司']],
    [
      'pitch-plans',
      { kh_industry_more: '金融 互联网' },
      ['北京智联软件有限公司', '浙江丰利农村商业银行股份有限公司'].sort(),
    ],
    [
      'pitch-plans',
      { params_more: '新员工 大客户' },
      ['北京智联软件有限公司', '浙江丰利农村商业银行股份有限公司'].sort(),
    ],
    ['pitch-plans', { enterprise_type: '民营' }, ['北京智联软件有限公司', '江苏恒远汽车零部件集团'].sort()],
    ['pitch-plans', { content_product: '通识课' }, ['浙江丰利农村商业银行股份有限公司']],
    ['pitch-plans', { case_time: '2025' }, ['北京智联软件有限公司']],
    ['pitch-plans', { product_series: '销售' }, ['北京智联软件有限公司']],
    // APtjdCaseDetail
    [
      'competitor-switches',
      { kh_industry_1: '金融' },
      ['广东粤信证券股份有限公司', '浙江丰利农村商业银行股份有限公司'].sort(),
    ],
    ['competitor-switches', { area: '江苏' }, ['江苏华泰物流集团']],
    [
      'competitor-switches',
      { staff_size: '1000-5000' },
      ['广东粤信证券股份有限公司', '浙江丰利农村商业银行股份有限公司'].sort(),
    ],
    ['competitor-switches', { staff_size_min: '5000' }, ['江苏华泰物流集团']],
    ['competitor-switches', { staff_size_max: '1000' }, ['四川川能电力有限公司']],
    [
      'competitor-switches',
      { staff_size_min: '800', staff_size_max: '3000' },
      ['四川川能电力有限公司', '广东粤信证券股份有限公司', '浙江丰利农村商业银行股份有限公司'].sort(),
    ],
    ['competitor-switches', { competitor_name: 'mooc' }, ['浙江丰利农村商业银行股份有限公司']],
    ['competitor-switches', { kh_name: '物流' }, ['江苏华泰物流集团']],
    ['competitor-switches', { replace_year: '2024' }, ['广东粤信证券股份有限公司']],
    [
      'competitor-switches',
      { replace_year: '2022-2023' },
      ['江苏华泰物流集团', '浙江丰利农村商业银行股份有限公司'].sort(),
    ],
    ['competitor-switches', { replace_reason: '卡顿' }, ['广东粤信证券股份有限公司']],
    ['competitor-switches', { enterprise_type: '央企' }, ['四川川能电力有限公司']],
    [
      'competitor-switches',
      { sign_sales: '王磊' },
      ['广东粤信证券股份有限公司', '浙江丰利农村商业银行股份有限公司'].sort(),
    ],
    ['competitor-switches', { kh_industry_more: '能源 交通' }, ['四川川能电力有限公司', '江苏华泰物流集团'].sort()],
    // ALieBiaoProductprocuredetail
    ['procurements', { org_name: '九州' }, ['湖北九州医药商业有限公司']],
    ['procurements', { yxt_industry_1: '医药' }, ['四川康泰制药股份有限公司', '湖北九州医药商业有限公司'].sort()],
    ['procurements', { enterprise_type: '上市' }, ['四川康泰制药股份有限公司']],
    [
      'procurements',
      { staff_size: '5000' },
      ['四川康泰制药股份有限公司', '江苏恒远汽车零部件集团', '湖北九州医药商业有限公司'].sort(),
    ],
    ['procurements', { money: '125000' }, ['湖北九州医药商业有限公司']],
    ['procurements', { money: '10万-50万' }, ['四川康泰制药股份有限公司', '湖北九州医药商业有限公司'].sort()],
    ['procurements', { class_type: '训练营' }, ['湖北九州医药商业有限公司']],
    ['procurements', { product_name: 'AI' }, ['北京智联软件有限公司']],
    ['procurements', { source_type: '新签' }, ['北京智联软件有限公司', '四川康泰制药股份有限公司'].sort()],
    ['procurements', { staff_size_min: '5000' }, ['四川康泰制药股份有限公司', '江苏恒远汽车零部件集团'].sort()],
    ['procurements', { staff_size_max: '500' }, ['北京智联软件有限公司']],
    ['procurements', { yxt_industry_more: '互联网 制造业' }, ['北京智联软件有限公司', '江苏恒远汽车零部件集团'].sort()],
    ['procurements', { purchase_year: '2023' }, ['四川康泰制药股份有限公司', '湖北九州医药商业有限公司'].sort()],
    // ARjkhSaleCaseDetail
    ['software-cases', { archive_name: '精工' }, ['苏州精工机械有限公司']],
    ['software-cases', { yxt_industry_1: '制造业' }, ['江苏恒远汽车零部件集团', '苏州精工机械有限公司'].sort()],
    ['software-cases', { yxt_industry_2: '电商' }, ['杭州云锐电商有限公司']],
    ['software-cases', { enterprise_type: '国企' }, ['南京江宁城建集团']],
    ['software-cases', { staff_size_min: '5000' }, ['南京江宁城建集团', '江苏恒远汽车零部件集团'].sort()],
    ['software-cases', { staff_size_max: '1000' }, ['苏州精工机械有限公司']],
    ['software-cases', { customer_province: '浙江' }, ['杭州云锐电商有限公司']],
    ['software-cases', { customer_keywords: '直播' }, ['杭州云锐电商有限公司']],
    ['software-cases', { account_count_gt: '4200' }, ['南京江宁城建集团']],
    ['software-cases', { account_count_lt: '1800' }, ['苏州精工机械有限公司']],
    [
      'software-cases',
      { account_count_gt: '600', account_count_lt: '5000' },
      ['杭州云锐电商有限公司', '江苏恒远汽车零部件集团', '苏州精工机械有限公司'].sort(),
    ],
    ['software-cases', { yxt_industry_more: '基建 电商' }, ['南京江宁城建集团', '杭州云锐电商有限公司'].sort()],
  ])('%s %o', (key, params, expected) => {
    expect(names(key, params).sort()).toEqual(expected)
    expect(total(key, params)).toBe(expected.length)
  })

  it('rejects a malformed number with a message naming the parameter', () => {
    const spec = tableByKey('software-cases')!
    expect(() => filtersFromParams(spec, { account_count_gt: 'abc' })).toThrow(ParamError)
    expect(() => filtersFromParams(spec, { account_count_gt: 'abc' })).toThrow(/account_count_gt/)
  })
})

describe('text matching', () => {
  it('matches one- and two-character words as substrings', () => {
    expect(names('content-cases', { kh_name: '银' })).toEqual(['浙江丰利农村商业银行股份有限公司'])
    expect(names('content-cases', { kh_name: '集团' }).length).toBe(3)
  })

  it('does not count grams that co-occur without forming the word', () => {
    // "电集" has the grams 电 and 集 … but only as bigram 电集, which no name contains in order.
    expect(names('content-cases', { kh_name: '电集' })).toEqual([])
    // 恒远集团 has 恒远 and 集团 but not the substring 远集
    expect(names('content-cases', { kh_name: '远集' })).toEqual([])
  })

  it('searches %, _ and quotes literally', () => {
    expect(names('content-cases', { case_name: '%' })).toEqual([])
    const spec = tableByKey('content-cases')!
    const kw = (text: string) =>
      runSearch(db, dict, {
        table: spec,
        filters: parseSentence(`${text} 案例`, { dict, nowYear: 2026 }).filters,
        page: 1,
        perpage: 10,
      })
    expect(kw('50%_折扣').rows.map((r) => r.kh_name)).toEqual(['四川康泰制药股份有限公司'])
    expect(kw('100%').total).toBe(2)
    expect(kw("it's").total).toBe(1)
    expect(kw("'; DROP TABLE content_cases; --").total).toBe(0)
    expect(names('content-cases', {}).length).toBe(CONTENT_CASES.length)
  })

  it('is case-insensitive for Latin letters', () => {
    expect(names('competitor-switches', { competitor_name: 'MOOCPRO' })).toEqual(['浙江丰利农村商业银行股份有限公司'])
    expect(names('content-cases', { summary: 'AI' } as Record<string, string>).length).toBe(CONTENT_CASES.length) // unknown param ignored
  })
})

describe('paging, totals and order', () => {
  it('pages newest first with a total on every page', () => {
    const spec = tableByKey('content-cases')!
    const p1 = runSearch(db, dict, { table: spec, filters: [], page: 1, perpage: 3 })
    const p3 = runSearch(db, dict, { table: spec, filters: [], page: 3, perpage: 3 })
    expect(p1.total).toBe(7)
    expect(p3.total).toBe(7)
    expect(p1.rows.map((r) => r.case_year)).toEqual([2026, 2025, 2024])
    expect(p3.rows).toHaveLength(1)
    const beyond = runSearch(db, dict, { table: spec, filters: [], page: 9, perpage: 3 })
    expect(beyond.rows).toEqual([])
    expect(beyond.total).toBe(7)
  })

  it('clamps perpage to 1..10000', () => {
    const spec = tableByKey('content-cases')!
    expect(runSearch(db, dict, { table: spec, filters: [], page: 1, perpage: 0 }).perpage).toBe(10)
    expect(runSearch(db, dict, { table: spec, filters: [], page: 1, perpage: 99999 }).perpage).toBe(10000)
  })
})

describe('relaxation', () => {
  it('drops the least important filter until something matches and says which', () => {
    const spec = tableByKey('content-cases')!
    const parsed = parseSentence('央企 金融 2023年 客户案例', { dict, nowYear: 2026 })
    const out = runSearch(db, dict, { table: spec, filters: parsed.filters, page: 1, perpage: 5, relax: true })
    expect(out.relaxed.map((f) => f.key)).toEqual(['case_year', 'enterprise_type'])
    expect(out.rows.map((r) => r.kh_name).sort()).toEqual(
      ['上海安盛人寿保险有限公司', '浙江丰利农村商业银行股份有限公司'].sort(),
    )
  })

  it('never relaxes without being asked (the API)', () => {
    const spec = tableByKey('content-cases')!
    const parsed = parseSentence('央企 金融 客户案例', { dict, nowYear: 2026 })
    expect(runSearch(db, dict, { table: spec, filters: parsed.filters, page: 1, perpage: 5 }).total).toBe(0)
  })
})

describe('an empty table', () => {
  it('says nothing was imported yet, instead of suggesting other words or claiming a word finds rows alone', () => {
    const own = openDb(':memory:')
    const ownDict = Dictionary.build(own)
    const spec = tableByKey('content-cases')!
    for (const sentence of ['不要国企的 制造业案例', '制造业 案例', '央企 金融 2023年 客户案例']) {
      const parsed = parseSentence(sentence, { dict: ownDict, nowYear: 2026 })
      const out = runSearch(own, ownDict, { table: spec, filters: parsed.filters, page: 1, perpage: 5, relax: true })
      expect(out.empty).toBe(true)
      const reply = formatSearchReply(out)
      expect(reply).toContain('内容客户案例：还没有数据')
      expect(reply).toContain('andy import')
      expect(reply).not.toContain('单独能找到记录')
    }
    // A table with rows where nothing matches is not "empty": the usual advice.
    const parsed = parseSentence('央企 金融 客户案例', { dict, nowYear: 2026 })
    const none = runSearch(db, dict, { table: spec, filters: parsed.filters, page: 1, perpage: 5 })
    expect(none.total).toBe(0)
    expect(none.empty).toBe(false)
    expect(formatSearchReply(none)).toContain('没有找到符合条件的内容客户案例')
  })
})

describe('dictionary provider', () => {
  it('rebuilds after an import bumps the cases version', () => {
    const own = openDb(':memory:')
    const provider = createDictionaryProvider(own)
    expect(provider.get().scan('学海e站')).toEqual([])
    insertCases(own, 'competitor-switches', [{ kh_name: '测试客户', competitor_name: '学海e站', replace_year: 2024 }])
    expect(
      provider
        .get()
        .scan('学海e站')
        .map((m) => m.phrase),
    ).toEqual(['学海e站'])
  })
})
