import { beforeAll, describe, expect, it } from 'vitest'
import { openDb } from '../../src/db/client.js'
import { Dictionary } from '../../src/search/dictionary.js'
import { normalizeSentence, type ParsedSentence, parseSentence } from '../../src/search/parser.js'
import type { SearchIntent } from '../../src/tables/index.js'
import { loadFixtures } from '../helpers/fixtures.js'

let dict: Dictionary
beforeAll(() => {
  const db = openDb(':memory:')
  loadFixtures(db)
  dict = Dictionary.build(db)
})

const parse = (text: string, intent?: SearchIntent) => parseSentence(text, { dict, nowYear: 2026, intent })

/** The applied filters as {key: value}; keywords collected into an array. */
function filters(p: ParsedSentence): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of p.filters) {
    if (f.key === 'keywords') out.keywords = [...((out.keywords as string[]) ?? []), f.value]
    else out[f.key] = Array.isArray(f.value) ? [...(f.value as string[])].sort() : f.value
  }
  return out
}

type Case = [sentence: string, intent: SearchIntent | undefined, expected: Record<string, unknown>]

// 制造业 covers the finer labels of the customer-industry column too (汽车制造, 电子制造… are manufacturing).
const FLAGSHIP = {
  yxt_industry_1: ['制造业', '家电制造', '汽车制造', '电子制造', '装备制造'].sort(),
  enterprise_type: ['地方国企', '央企'],
  staff_size: { min: 5000 },
}

const CASES: Case[] = [
  // the flagship sentence, with spacing and punctuation variants
  ['制造业 5000人以上 国企 的客户案例', 'case', FLAGSHIP],
  ['制造业5000人以上国企的客户案例', 'case', FLAGSHIP],
  ['制造 业  5000 人以上，国企。客户案例', 'case', FLAGSHIP],
  ['制造业,5000人以上,国企 客户案例!', 'case', FLAGSHIP],
  ['５０００人以上　制造业　国企　案例', 'case', FLAGSHIP],
  ['@Andy 制造业 5000人以上 国企 的客户案例', 'case', FLAGSHIP],
  ['😀 制造业 5000人以上 国企 的客户案例 👍', 'case', FLAGSHIP],
  // the design's examples for each table
  // the pitch plans only say 金融: a bank is a 金融 row whose customer name says 银行
  ['银行 新员工培训 的打单方案', 'pitch', { xm_crowd: ['新员工'], kh_industry_1: ['金融'] }],
  ['从竞品切换过来的金融客户', 'switch', { kh_industry_1: ['金融'] }],
  [
    '2023年医药行业采购了哪些内容产品',
    'procurement',
    { yxt_industry_1: ['医药'], purchase_year: { min: 2023, max: 2023 } },
  ],
  [
    '江苏 制造业 帐号数大于1000 的软件客户',
    'software',
    {
      customer_province: ['江苏'],
      yxt_industry_1: ['制造业', '汽车制造', '装备制造'].sort(),
      account_count: { min: 1001 },
    },
  ],
  // competitor names decide the table by themselves
  ['学邦云的客户有哪些', 'switch', { competitor_name: ['学邦云'] }],
  // stray symbols at a word's ends are typing noise
  ['江苏%的_切换案例', 'switch', { area: ['江苏'] }],
  ['恒信%的案例', 'case', { keywords: ['恒信'] }],
  // why the rep asks (下周要去拜访, 求) and function words glued into one token (是从) are no keywords
  ['下周要去拜访客户，求一个最好是从学邦云换过来的', 'switch', { competitor_name: ['学邦云'] }],
  ['moocpro 替换', 'switch', { competitor_name: ['MoocPro'] }],
  ['近两年 替换 自建平台 的案例', 'switch', { competitor_name: ['自建平台'], replace_year: { min: 2025, max: 2026 } }],
  // years
  ['2021-2023年 医药 采购', 'procurement', { yxt_industry_1: ['医药'], purchase_year: { min: 2021, max: 2023 } }],
  ['2022到2024年的打单方案', 'pitch', { case_year: { min: 2022, max: 2024 } }],
  ['去年采购了哪些产品', 'procurement', { purchase_year: { min: 2025, max: 2025 } }],
  ['今年的客户案例', 'case', { case_year: { min: 2026, max: 2026 } }],
  ['去年和前年换过来的客户', 'switch', { replace_year: { min: 2024, max: 2025 } }],
  ['今年或去年的打单方案', 'pitch', { case_year: { min: 2025, max: 2026 } }],
  ['二〇二四年的采购', 'procurement', { purchase_year: { min: 2024, max: 2024 } }],
  ['二零二三年以后的竞对切换', 'switch', { replace_year: { min: 2023 } }],
  ['2023年以后的竞对切换案例', 'switch', { replace_year: { min: 2023 } }],
  ['近三年的竞品替换', 'switch', { replace_year: { min: 2024, max: 2026 } }],
  // staff sizes
  ['1000到5000人的软件客户', 'software', { staff_size: { min: 1000, max: 5000 } }],
  ['1000-5000人 江苏 软件客户', 'software', { staff_size: { min: 1000, max: 5000 }, customer_province: ['江苏'] }],
  ['500人以下的制造业采购记录', 'procurement', { staff_size: { max: 500 }, yxt_industry_1: ['制造业'] }],
  ['规模大于1万人 的软件客户', 'software', { staff_size: { min: 10000 } }],
  ['一万人以上的竞对切换', 'switch', { staff_size: { min: 10000 } }],
  ['五千人以上的客户案例', 'case', { staff_size: { min: 5000 } }],
  // account counts and money
  ['账号数超过5000的平台客户', 'software', { account_count: { min: 5001 } }],
  ['帐号1000以上 浙江 软件客户', 'software', { account_count: { min: 1000 }, customer_province: ['浙江'] }],
  ['账号数小于1000 软件客户', 'software', { account_count: { max: 999 } }],
  ['账号数500-2000 的软件客户', 'software', { account_count: { min: 500, max: 2000 } }],
  ['采购金额超过50万的医药客户', 'procurement', { money: { min: 500000 }, yxt_industry_1: ['医药'] }],
  ['10万元以下 的采购', 'procurement', { money: { max: 100000 } }],
  ['江苏有哪些平台客户账号过万', 'software', { customer_province: ['江苏'], account_count: { min: 10000 } }],
  ['账号上千的平台客户', 'software', { account_count: { min: 1000 } }],
  ['上万个账号的平台客户', 'software', { account_count: { min: 10000 } }],
  ['金额上百万的采购', 'procurement', { money: { min: 1000000 } }],
  ['采购额破50万的', 'procurement', { money: { min: 500000 } }],
  // about (±20 %), several, 大于等于, 块
  ['预算50万左右的采购', 'procurement', { money: { min: 400000, max: 600000 } }],
  ['金额约30万的采购', 'procurement', { money: { min: 240000, max: 360000 } }],
  ['3000人左右的客户案例', 'case', { staff_size: { min: 2400, max: 3600 } }],
  ['大约5000人的软件客户', 'software', { staff_size: { min: 4000, max: 6000 } }],
  ['账号2000个左右的平台客户', 'software', { account_count: { min: 1600, max: 2400 } }],
  ['几百万的采购', 'procurement', { money: { min: 1000000, max: 10000000 } }],
  ['数十万的采购', 'procurement', { money: { min: 100000, max: 1000000 } }],
  ['百万级的采购项目', 'procurement', { money: { min: 1000000 } }],
  ['金额大于等于20万的采购', 'procurement', { money: { min: 200000 } }],
  ['帐号数小于等于500的平台客户', 'software', { account_count: { max: 500 } }],
  ['超过30万块钱的采购', 'procurement', { money: { min: 300000 } }],
  // enterprise types and synonyms
  ['央企 客户案例', 'case', { enterprise_type: ['央企'] }],
  ['民企 打单方案', 'pitch', { enterprise_type: ['民营企业'] }],
  ['外企 案例', 'case', { enterprise_type: ['外资企业'] }],
  ['华东 竞品切换', 'switch', { area: ['江苏', '浙江'] }],
  ['广东省 切换', 'switch', { area: ['广东'] }],
  ['浙江省内的切换', 'switch', { area: ['浙江'] }],
  // series, crowds, products, free keywords
  ['领导力发展系列的客户案例', 'case', { product_series: ['领导力发展'] }],
  ['中层管理者 领导力 案例', 'case', { train_target: ['中层管理者'], keywords: ['领导力'] }],
  ['新经理转身训练营 的案例', 'case', { content_product: ['新经理转身训练营'] }],
  ['帮我找一下做过领导力培训的银行客户案例', 'case', { kh_industry_1: ['银行'], keywords: ['领导力'] }],
  ['上海的保险客户案例', 'case', { kh_industry_1: ['保险'], keywords: ['上海'] }],
  ['有没有做过安全生产的客户', 'case', { keywords: ['安全生产'] }],
  ['美的好电器 案例', 'case', { keywords: ['美的好电器'] }],
  // literal metacharacters stay literal keywords
  ['50%_折扣 的案例', 'case', { keywords: ['50%_折扣'] }],
  ["it's 的案例", 'case', { keywords: ["it's"] }],
  // an explicit intent (command prefix / robot binding / customType) searches that table
]

describe('parseSentence', () => {
  it.each(CASES)('%s', (sentence, intent, expected) => {
    const p = parse(sentence)
    expect(p.table?.intent).toBe(intent)
    expect(filters(p)).toEqual(expected)
    expect(p.unused).toEqual([])
  })

  it('reads a period in months as the years it touches, and says so in the filter', () => {
    const at = (text: string, nowMonth: number) => parseSentence(text, { dict, nowYear: 2026, nowMonth })
    const years = (p: ParsedSentence) => p.filters.find((f) => f.label === '年份')
    // December: the last three months are this year; February: they reach back into last year.
    expect(years(at('近3个月的打单方案', 12))).toMatchObject({ value: { min: 2026, max: 2026 } })
    expect(years(at('近3个月的打单方案', 2))).toMatchObject({ value: { min: 2025, max: 2026 } })
    expect(years(at('最近半年的案例', 12))!.display).toBe('2026年（最近半年，记录按年份比）')
    expect(years(at('2025年6月的案例', 12))).toMatchObject({ value: { min: 2025, max: 2025 } })
    expect(years(at('去年下半年的采购', 12))).toMatchObject({ value: { min: 2025, max: 2025 } })
    expect(years(at('今年第三季度的切换', 12))).toMatchObject({ value: { min: 2026, max: 2026 } })
    for (const s of ['近3个月的打单方案', '2025年6月的案例', '去年下半年的采购']) expect(at(s, 12).unused).toEqual([])
    // A month without a year: the last one of that name (June asked in February: last year's).
    expect(years(at('6月的案例', 12))).toMatchObject({ value: { min: 2026, max: 2026 } })
    expect(years(at('6月份的案例', 2))).toMatchObject({ value: { min: 2025, max: 2025 } })
    // A length of time filters nothing and is no keyword; in years it is named as not applicable.
    for (const [s, phrase] of [
      ['合作超过3年的软件客户', '合作超过3年'],
      ['用了两年多的平台客户', '用了两年多'],
    ] as const) {
      const p = at(s, 12)
      expect(p.filters).toEqual([])
      expect(p.ignored).toEqual([phrase])
      expect(p.unused).toEqual([])
    }
    for (const s of ['为期6个月的项目案例']) {
      const p = at(s, 12)
      expect(p.filters).toEqual([])
      expect(p.unused.length).toBeGreaterThan(0)
    }
  })

  it('has at least 40 phrasings', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40)
  })

  it('searches the given table when the intent is explicit', () => {
    const p = parse('银行', 'case')
    expect(p.intentSource).toBe('explicit')
    expect(filters(p)).toEqual({ kh_industry_1: ['银行'] })
  })

  it('reports phrases that the table cannot use instead of dropping them silently', () => {
    const p = parse('5000人以上的打单方案')
    expect(p.table?.intent).toBe('pitch')
    expect(p.ignored).toEqual(['5000人以上'])
    expect(p.filters).toEqual([])
  })

  it('finds no table in greetings and empty text', () => {
    expect(parse('你好').table).toBeUndefined()
    expect(parse('').table).toBeUndefined()
    expect(parse('   ').table).toBeUndefined()
  })

  it('keeps at most five keywords and reports the rest', () => {
    const p = parse('案例 甲一 乙二 丙三 丁四 戊五 己六 庚七')
    expect(p.filters.filter((f) => f.key === 'keywords')).toHaveLength(5)
    expect(p.ignored).toEqual(['己六', '庚七'])
  })

  it('orders relaxation: keywords go first, the industry last', () => {
    const p = parse('领导力 制造业 2023年 5000人以上 国企 客户案例')
    const order = [...p.filters].sort((a, b) => a.priority - b.priority).map((f) => f.key)
    expect(order).toEqual(['keywords', 'case_year', 'staff_size', 'enterprise_type', 'yxt_industry_1'])
  })
})

describe('normalizeSentence', () => {
  it('turns full-width characters half-width and drops mentions and emoji', () => {
    expect(normalizeSentence('  ５０００ 人　以上，制造 业 @Andy 😀')).toBe('5000 人 以上,制造 业')
  })
})
