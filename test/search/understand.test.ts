import { beforeAll, describe, expect, it } from 'vitest'
import { type Db, openDb } from '../../src/db/client.js'
import { Dictionary } from '../../src/search/dictionary.js'
import { formatSearchReply } from '../../src/search/format.js'
import { type ParsedSentence, parseSentence } from '../../src/search/parser.js'
import { runSearch, type SearchOutcome } from '../../src/search/service.js'
import type { SearchIntent } from '../../src/tables/index.js'
import { loadMixedLabels, M_CASES, M_PITCHES, M_PROCUREMENTS, M_SOFTWARE, M_SWITCHES } from '../helpers/mixed-labels.js'

/**
 * Issue 10: sentences as reps type them, against a data set whose labels mix levels and spellings
 * (test/helpers/mixed-labels.ts). Every case states the table and the exact rows a rep must get; a
 * negation case also names the rows that must NOT come back. Expected rows are written by hand or
 * computed from the fixture arrays (never from the search code).
 */

let db: Db
let dict: Dictionary
beforeAll(() => {
  db = openDb(':memory:')
  loadMixedLabels(db)
  dict = Dictionary.build(db)
})

type Row = Record<string, unknown>
const ROWS: Record<SearchIntent, { rows: readonly Row[]; name: string }> = {
  case: { rows: M_CASES, name: 'kh_name' },
  pitch: { rows: M_PITCHES, name: 'kh_name' },
  switch: { rows: M_SWITCHES, name: 'kh_name' },
  procurement: { rows: M_PROCUREMENTS, name: 'org_name' },
  software: { rows: M_SOFTWARE, name: 'archive_name' },
}

/** The answer as the chat gives it: parse, search (relaxing like the chat), reply. */
function answer(
  sentence: string,
  perpage = 100,
): { p: ParsedSentence; out?: SearchOutcome; names: string[]; reply: string } {
  const p = parseSentence(sentence, { dict, nowYear: 2026 })
  if (!p.table) return { p, names: [], reply: '' }
  const out = runSearch(db, dict, {
    table: p.table,
    filters: p.filters,
    page: 1,
    perpage,
    relax: p.contradictions.length === 0,
    keepFilters: p.count,
  })
  const names = out.rows.map((r) => String(r[p.table!.nameColumn])).sort()
  return {
    p,
    out,
    names,
    reply: formatSearchReply(out, {
      ignored: p.ignored,
      unused: p.unused,
      contradictions: p.contradictions,
      count: p.count,
      sortAsked: p.sortAsked,
    }),
  }
}

const all = (intent: SearchIntent, keep: (r: Row) => boolean = () => true): string[] =>
  ROWS[intent].rows
    .filter(keep)
    .map((r) => String(r[ROWS[intent].name]))
    .sort()

const STATE = /国企|国有|央企/
const isState = (r: Row) => STATE.test(String(r.enterprise_type))
const inJiangsu = (r: Row) => /江苏/.test(String(r.area ?? r.customer_province))
const inZhejiang = (r: Row) => /浙江/.test(String(r.area ?? r.customer_province))

type Expect = string[] | ((r: Row) => boolean)
interface Case {
  s: string
  table: SearchIntent
  rows: Expect
  /** Rows that must not come back (the excluded ones). */
  absent?: string[]
  /** Words the reply must name as unused. */
  unused?: string[]
  /** Lines the reply must contain. */
  says?: string[]
}

function check(c: Case): void {
  const { p, names, reply } = answer(c.s)
  expect(p.table?.intent, `table of 「${c.s}」`).toBe(c.table)
  const want = Array.isArray(c.rows) ? [...c.rows].sort() : all(c.table, c.rows)
  expect(names, `rows of 「${c.s}」\n${reply}`).toEqual(want)
  for (const a of c.absent ?? []) expect(names, `「${c.s}」 must not return ${a}`).not.toContain(a)
  for (const u of c.unused ?? []) expect(reply).toMatch(new RegExp(`没用上的词：[^\\n]*${u}`))
  for (const line of c.says ?? []) expect(reply).toContain(line)
  // Never "0 results, relaxed" because of a leftover word: words are only ever set aside as unused.
  expect(reply).not.toMatch(/已放宽：[^\n]*关键词/)
}

// ---- 1. segmentation, function words, values glued to other words ----------------------------
const SEGMENTATION: Case[] = [
  {
    s: '客户是一家制造业国企，5000人以上，想看看我们在新员工培养方面的案例',
    table: 'case',
    rows: ['恒远汽车', '宏达重工'],
  },
  { s: '麻烦帮我找一下讲数字化转型的案例，谢谢', table: 'case', rows: ['京华医药'] },
  { s: '有没有做安全生产的客户案例', table: 'case', rows: ['南京城建'] },
  { s: '因为价格上涨换过来的客户有哪些', table: 'switch', rows: ['川能电力', '苏银农商银行'] },
  { s: '原因是移动端体验差的竞品切换', table: 'switch', rows: ['宁泰证券'] },
  { s: '想看看签的那些新员工融入方面的案例呢', table: 'case', rows: ['沪连超市', '华创电子', '苏银农商银行'] },
  { s: '请问有什么可以参考的高管案例吗', table: 'case', rows: ['宏达重工'] },
  { s: '用过学邦云的都有哪些', table: 'switch', rows: ['深汽零部件', '苏银农商银行', '锡安人寿保险'] },
  { s: '做过新经理转身训练营的客户案例', table: 'case', rows: ['味道餐饮', '恒远汽车'] },
  { s: '你好，我想了解一下中层管理者相关的打单方案', table: 'pitch', rows: ['宁泰证券'] },
  { s: '那个，从课立方换过来的是哪家', table: 'switch', rows: ['京华医药'] },
  { s: '帮忙看下跟医药行业有关的采购记录', table: 'procurement', rows: ['京华医药', '康泰制药'] },
  { s: '最近有哪些做过直播培训的平台客户', table: 'software', rows: ['杭州云锐'] },
  { s: '求几个合规与安全系列的案例哈', table: 'case', rows: ['南京城建', '康泰制药'] },
  { s: '想找找类似的零售客户做的新员工项目案例', table: 'case', rows: ['沪连超市'] },
  { s: '签约销售是王磊的竞对切换', table: 'switch', rows: ['深汽零部件', '苏银农商银行', '锡安人寿保险'] },
  { s: '有什么中层领导力进阶营的采购', table: 'procurement', rows: ['宁泰证券'] },
  { s: '我们有没有做过考试认证这块的软件客户', table: 'software', rows: ['南京城建', '苏银农商银行'] },
  { s: '帮我看看系统经常卡顿所以切换的客户', table: 'switch', rows: ['锡安人寿保险'] },
  { s: '续费价格上涨太快的替换案例', table: 'switch', rows: ['苏银农商银行'] },
  { s: '这些客户当中，做过销售铁军实战营的案例有哪些呀', table: 'case', rows: ['锡安人寿保险'] },
  { s: '客户是做电商的，有没有可以参考的客户案例', table: 'case', rows: ['云锐电商'] },
  { s: '谢谢！想要技术骨干的案例', table: 'case', rows: ['南京城建'] },
  { s: '恒远 的 案例', table: 'case', rows: ['恒远汽车'] },
  { s: '价格太贵所以换掉原平台的客户', table: 'switch', rows: ['杭信基金'], unused: [] },
  { s: '有没有合作过的某某客户的案例', table: 'case', rows: all('case') },
  // a word found nowhere, and nothing else asked: honestly none (not every case)
  { s: '恒大的案例', table: 'case', rows: [], says: ['筛选：关键词=恒大'] },
  { s: '苹果味的 制造业 新员工 案例', table: 'case', rows: ['华创电子'], unused: ['苹果味'] },
]

// ---- 2. negation → exclusions --------------------------------------------------------------
const NEGATION: Case[] = [
  {
    s: '非国有企业的金融案例',
    table: 'case',
    rows: ['锡安人寿保险'],
    absent: ['苏银农商银行', '宁泰证券'],
    says: ['排除：企业性质=国有企业'],
  },
  {
    s: '不是新签的采购',
    table: 'procurement',
    rows: ['京华医药', '宁泰证券', '宏达重工', '康泰制药', '云锐电商'],
    absent: ['苏银农商银行', '华创电子', '味道餐饮'],
    says: ['排除：来源=新签'],
  },
  { s: '除了国企以外的制造业客户案例', table: 'case', rows: ['华创电子'], absent: ['宏达重工', '恒远汽车'] },
  {
    s: '除国企之外的案例',
    table: 'case',
    rows: (r) => !isState(r),
    absent: ['苏银农商银行', '宁泰证券', '宏达重工', '恒远汽车', '京华医药', '南京城建'],
  },
  {
    s: '排除央企的竞品切换',
    table: 'switch',
    rows: (r) => r.enterprise_type !== '央企',
    absent: ['甬港物流', '川能电力'],
  },
  {
    s: '不要国企的软件客户',
    table: 'software',
    rows: (r) => !isState(r),
    absent: ['苏银农商银行', '宁泰证券', '甬港物流', '南京城建', '粤电能源', '川能电力', '京华医药'],
  },
  {
    s: '不含江苏的平台客户',
    table: 'software',
    rows: (r) => !inJiangsu(r),
    absent: ['苏银农商银行', '宁泰证券', '苏州精工', '南京城建'],
  },
  {
    s: '江苏以外的竞品切换',
    table: 'switch',
    rows: (r) => !inJiangsu(r),
    absent: ['苏银农商银行', '宁泰证券', '锡安人寿保险'],
  },
  {
    s: '除了江苏和浙江以外的竞品切换',
    table: 'switch',
    rows: (r) => !inJiangsu(r) && !inZhejiang(r),
    absent: ['苏银农商银行', '宁泰证券', '锡安人寿保险', '杭信基金', '甬港物流'],
  },
  { s: '国企除外的制造业采购', table: 'procurement', rows: ['华创电子'], absent: ['宏达重工'] },
  { s: '国企和央企都不要，医药的采购', table: 'procurement', rows: ['康泰制药'], absent: ['京华医药'] },
  {
    s: '不要国企，要民企的案例',
    table: 'case',
    rows: (r) => r.enterprise_type === '民营企业',
    absent: ['苏银农商银行', '京华医药'],
  },
  {
    s: '非金融的打单方案',
    table: 'pitch',
    rows: ['华创电子', '宏达重工', '康泰制药', '沪连超市', '味道餐饮'],
    absent: ['苏银农商银行', '锡州农商银行', '宁泰证券', '杭信基金', '泰和人寿保险'],
  },
  {
    s: '金融里面不要银行的打单方案',
    table: 'pitch',
    rows: ['宁泰证券', '杭信基金', '泰和人寿保险'],
    absent: ['苏银农商银行', '锡州农商银行'],
  },
  {
    s: '不是银行的金融客户切换',
    table: 'switch',
    rows: ['宁泰证券', '杭信基金', '锡安人寿保险'],
    absent: ['苏银农商银行'],
  },
  {
    s: '除了学邦云以外的竞品切换',
    table: 'switch',
    rows: (r) => r.competitor_name !== '学邦云',
    absent: ['苏银农商银行', '锡安人寿保险', '深汽零部件'],
  },
  { s: '不是上市公司的医药案例', table: 'case', rows: ['京华医药'], absent: ['康泰制药'] },
  {
    s: '非外企的新员工打单方案',
    table: 'pitch',
    rows: ['苏银农商银行', '锡州农商银行', '华创电子'],
    absent: ['杭信基金', '沪连超市'],
  },
  {
    s: '不是5000人以上的软件客户',
    table: 'software',
    rows: ['苏州精工', '杭州云锐', '沪连超市', '川能电力', '苏银农商银行'],
    absent: ['宁泰证券', '甬港物流', '南京城建', '粤电能源', '京华医药'],
  },
  {
    s: '除了2023年以外的采购',
    table: 'procurement',
    rows: (r) => r.purchase_year !== 2023,
    absent: ['苏银农商银行', '康泰制药'],
  },
  {
    s: '别给我国企的采购记录',
    table: 'procurement',
    rows: (r) => !isState(r),
    absent: ['苏银农商银行', '宁泰证券', '宏达重工', '京华医药'],
  },
  {
    s: '不考虑华东的竞对切换',
    table: 'switch',
    rows: (r) => !/江苏|浙江|上海/.test(String(r.area)),
    absent: ['苏银农商银行', '杭信基金', '沪连超市'],
  },
  {
    s: '不要线上课程的采购',
    table: 'procurement',
    rows: (r) => r.class_type !== '线上课程',
    absent: ['苏银农商银行', '华创电子', '云锐电商'],
  },
  {
    s: '不是王磊签的切换客户',
    table: 'switch',
    rows: (r) => r.sign_sales !== '王磊',
    absent: ['苏银农商银行', '锡安人寿保险', '深汽零部件'],
  },
  { s: '非国企 银行 软件客户', table: 'software', rows: [], absent: ['苏银农商银行'] },
  {
    s: '排除制造业和医药的采购',
    table: 'procurement',
    rows: ['苏银农商银行', '宁泰证券', '云锐电商', '味道餐饮'],
    absent: ['华创电子', '宏达重工', '康泰制药', '京华医药'],
  },
  {
    s: '不要地方国企的案例',
    table: 'case',
    rows: (r) => !/地方国/.test(String(r.enterprise_type)),
    absent: ['苏银农商银行', '恒远汽车', '南京城建'],
  },
  {
    s: '新员工的案例，国企的不要',
    table: 'case',
    rows: ['沪连超市', '华创电子'],
    absent: ['苏银农商银行', '京华医药'],
  },
  {
    s: '央企以外的国企切换案例',
    table: 'switch',
    rows: ['京华医药', '宁泰证券', '粤电能源', '苏银农商银行'],
    absent: ['甬港物流', '川能电力'],
  },
  { s: '不要保险的金融案例', table: 'case', rows: ['宁泰证券', '苏银农商银行'], absent: ['锡安人寿保险'] },
]

// ---- 3. any-of within a field, all-of across fields ----------------------------------------
const ANY_OF: Case[] = [
  { s: '江苏和浙江的软件客户', table: 'software', rows: (r) => inJiangsu(r) || inZhejiang(r) },
  { s: '零售或者餐饮的案例', table: 'case', rows: ['沪连超市', '味道餐饮'] },
  { s: '零售 or 餐饮 的案例', table: 'case', rows: ['沪连超市', '味道餐饮'] },
  { s: '银行、证券的竞品切换', table: 'switch', rows: ['宁泰证券', '苏银农商银行'] },
  { s: '医药/互联网 采购', table: 'procurement', rows: ['京华医药', '康泰制药', '云锐电商'] },
  { s: '央企或地方国企的打单方案', table: 'pitch', rows: ['苏银农商银行', '锡州农商银行', '宏达重工'] },
  // two levels of one hierarchy joined by 或: either, so the parent, not the child
  { s: '央企或国企的打单方案', table: 'pitch', rows: isState },
  { s: '国企、央企的客户案例', table: 'case', rows: isState },
  { s: '金融里的银行或证券切换案例', table: 'switch', rows: ['宁泰证券', '苏银农商银行'] },
  { s: '高管及中层管理者的案例', table: 'case', rows: ['宁泰证券', '宏达重工'] },
  // levels said in one word: 中高层 = 中层 and 高层, 中基层 = 中层 and 基层
  { s: '中高层的客户案例', table: 'case', rows: (r) => /中层|高管/.test(String(r.xm_crowd)) },
  { s: '中基层干部的案例', table: 'case', rows: (r) => /中层|基层/.test(String(r.xm_crowd)) },
  {
    s: '学邦云或者知行学堂换过来的',
    table: 'switch',
    rows: ['苏银农商银行', '宁泰证券', '锡安人寿保险', '深汽零部件', '川能电力'],
  },
  { s: '江苏的银行或证券客户切换', table: 'switch', rows: ['宁泰证券', '苏银农商银行'] },
  // nothing is both: the chat relaxes the less important field, and says so
  { s: '浙江 金融 软件客户', table: 'software', rows: ['苏银农商银行', '宁泰证券'], says: ['已放宽：地区=浙江'] },
  { s: '江苏的金融软件客户', table: 'software', rows: ['苏银农商银行', '宁泰证券'] },
  { s: '训练营或工作坊的采购', table: 'procurement', rows: ['宁泰证券', '味道餐饮', '京华医药'] },
  { s: '新签和续约的医药采购', table: 'procurement', rows: ['康泰制药'] },
  { s: '上海、北京、四川的切换客户', table: 'switch', rows: ['沪连超市', '京华医药', '川能电力'] },
  // regions reps name (taxonomy): 北上广深 / 一线城市, 西部; 省内 is a function word
  { s: '一线城市的切换客户', table: 'switch', rows: (r) => /北京|上海|广东/.test(String(r.area)) },
  { s: '西部地区的切换客户', table: 'switch', rows: (r) => /四川|重庆|陕西|云南|贵州|广西/.test(String(r.area)) },
  { s: '江苏省内的软件客户', table: 'software', rows: (r) => inJiangsu(r) },
  { s: '新员工和销售团队的打单方案，要国企', table: 'pitch', rows: ['苏银农商银行', '锡州农商银行', '泰和人寿保险'] },
  { s: '移动学习或者学习地图的平台客户', table: 'software', rows: ['苏银农商银行', '宁泰证券', '川能电力'] },
]

// ---- 4. counts ---------------------------------------------------------------------------------
const COUNTS: Array<[string, SearchIntent, number]> = [
  ['国企的案例有多少', 'case', 6],
  ['江苏有多少家软件客户', 'software', 4],
  ['学邦云换过来的有几个？', 'switch', 3],
  ['金融行业的打单方案数量', 'pitch', 5],
  ['一共有多少条采购记录', 'procurement', 8],
  ['有几家央企做过切换', 'switch', 2],
  ['新员工的案例总共多少', 'case', 4],
  ['帐号超过1万的平台客户有多少家', 'software', 4],
  ['用我们平台的江苏客户有几个', 'software', 4],
  ['非国企的采购有多少', 'procurement', 4],
  ['银行的打单方案有几家呢', 'pitch', 2],
  ['有多少家做过恒大的案例', 'case', 0],
  ['银行的打单方案数', 'pitch', 2],
  ['国企的案例几个', 'case', 6],
  ['学邦云切换过来的记录条数？', 'switch', 3],
]

/** A few rows asked for (来几个 / 推荐几个): a list, not a number. */
const NOT_COUNTS = ['国企的案例来几个', '推荐几个国企的案例吧', '给我几个国企案例']

// ---- 5. number phrases -----------------------------------------------------------------------
const NUMBERS: Case[] = [
  { s: '万人以上的软件客户', table: 'software', rows: ['甬港物流', '南京城建', '粤电能源', '京华医药'] },
  { s: '上万人的竞品切换', table: 'switch', rows: ['甬港物流', '粤电能源', '京华医药'] },
  { s: '5000+人的切换客户', table: 'switch', rows: ['宁泰证券', '甬港物流', '粤电能源', '京华医药'] },
  {
    s: '千人以上的采购',
    table: 'procurement',
    rows: ['苏银农商银行', '宁泰证券', '华创电子', '宏达重工', '康泰制药', '京华医药'],
  },
  { s: '超过100万的采购', table: 'procurement', rows: ['宁泰证券', '宏达重工'] },
  { s: '金额高于50万的采购', table: 'procurement', rows: ['宁泰证券', '宏达重工', '康泰制药', '京华医药'] },
  { s: '不少于60万元的采购记录', table: 'procurement', rows: ['宁泰证券', '宏达重工', '康泰制药', '京华医药'] },
  {
    s: '金额至少12.5万的采购',
    table: 'procurement',
    rows: ['苏银农商银行', '宁泰证券', '宏达重工', '康泰制药', '味道餐饮', '京华医药'],
  },
  { s: '10万元以下的采购', table: 'procurement', rows: ['华创电子', '云锐电商'] },
  { s: '不到5万的采购', table: 'procurement', rows: ['华创电子', '云锐电商'] },
  { s: '低于1万元的采购', table: 'procurement', rows: ['云锐电商'] },
  { s: '金额在10万到50万之间的采购', table: 'procurement', rows: ['苏银农商银行', '味道餐饮'] },
  { s: '采购额30万~90万', table: 'procurement', rows: ['苏银农商银行', '康泰制药', '京华医药'] },
  { s: '帐号数大于1万的平台客户', table: 'software', rows: ['甬港物流', '南京城建', '粤电能源', '京华医药'] },
  { s: '账号在1000到5000之间的软件客户', table: 'software', rows: ['苏银农商银行', '杭州云锐', '沪连超市'] },
  { s: '账号不到1000的软件客户', table: 'software', rows: ['苏州精工', '川能电力'] },
  { s: '帐号最多999个的软件客户', table: 'software', rows: ['苏州精工', '川能电力'] },
  { s: '帐号数最少1万的平台客户', table: 'software', rows: ['甬港物流', '南京城建', '粤电能源', '京华医药'] },
  { s: '金额最高9.9万的采购', table: 'procurement', rows: ['华创电子', '云锐电商'] },
  {
    s: '金额最低12.5万的采购',
    table: 'procurement',
    rows: ['苏银农商银行', '宁泰证券', '宏达重工', '康泰制药', '味道餐饮', '京华医药'],
  },
  // Ordering by a number is not done (lists are newest first): said, never a keyword.
  {
    s: '金额最高的采购',
    table: 'procurement',
    rows: () => true,
    says: ['还不能按金额排序'],
  },
  {
    s: '帐号最多的江苏软件客户',
    table: 'software',
    rows: ['苏银农商银行', '宁泰证券', '南京城建', '苏州精工'],
    says: ['还不能按帐号数排序'],
  },
  { s: '1000个账号以上的江苏客户', table: 'software', rows: ['苏银农商银行', '宁泰证券', '南京城建'] },
  { s: '1000人以下的竞品切换', table: 'switch', rows: ['锡安人寿保险', '杭信基金', '川能电力', '沪连超市'] },
  { s: '规模在1000到5000人之间的切换', table: 'switch', rows: ['苏银农商银行', '深汽零部件'] },
  {
    s: '员工不少于5000人的案例',
    table: 'case',
    rows: ['宁泰证券', '宏达重工', '恒远汽车', '康泰制药', '京华医药', '南京城建'],
  },
  { s: '人数低于500人的采购', table: 'procurement', rows: ['云锐电商'] },
  {
    s: '2023年以后的竞品切换',
    table: 'switch',
    rows: ['苏银农商银行', '宁泰证券', '杭信基金', '甬港物流', '深汽零部件', '沪连超市'],
  },
  { s: '2022到2023年之间的采购', table: 'procurement', rows: ['苏银农商银行', '宏达重工', '康泰制药'] },
  { s: '去年的采购', table: 'procurement', rows: ['云锐电商'] },
  { s: '近两年的打单方案', table: 'pitch', rows: ['锡州农商银行', '华创电子', '味道餐饮'] },
]

// ---- 6. labels at different levels, spellings -------------------------------------------------
const TAXONOMY: Case[] = [
  // words reps use for an industry (taxonomy aliases): 城投 → 基建, 新能源汽车 → 汽车
  { s: '城投公司的客户案例', table: 'case', rows: (r) => r.kh_industry_1 === '基建' },
  { s: '新能源汽车的客户案例', table: 'case', rows: (r) => /汽车/.test(String(r.kh_industry_1) + String(r.kh_name)) },
  {
    s: '银行 新员工 的打单方案',
    table: 'pitch',
    rows: ['苏银农商银行', '锡州农商银行'],
    says: ['客户名称带“银行”的金融记录'],
  },
  {
    s: '从竞品切换过来的金融客户',
    table: 'switch',
    rows: ['苏银农商银行', '宁泰证券', '锡安人寿保险', '杭信基金'],
    says: ['金融（含'],
  },
  { s: '保险的打单方案', table: 'pitch', rows: ['泰和人寿保险'] },
  { s: '基金公司的打单方案', table: 'pitch', rows: ['杭信基金'] },
  { s: '券商的切换案例', table: 'switch', rows: ['宁泰证券'] },
  { s: '城商行或农商行的平台客户', table: 'software', rows: ['苏银农商银行'] },
  { s: '江苏的竞品切换', table: 'switch', rows: ['苏银农商银行', '宁泰证券', '锡安人寿保险'] },
  { s: '江苏省的竞品切换', table: 'switch', rows: ['苏银农商银行', '宁泰证券', '锡安人寿保险'] },
  { s: '广东的切换客户', table: 'switch', rows: ['粤电能源', '深汽零部件'] },
  {
    s: '华东的软件客户',
    table: 'software',
    rows: ['苏银农商银行', '宁泰证券', '苏州精工', '杭州云锐', '甬港物流', '南京城建', '沪连超市'],
  },
  {
    s: '长三角的切换客户',
    table: 'switch',
    rows: ['苏银农商银行', '宁泰证券', '锡安人寿保险', '杭信基金', '甬港物流', '沪连超市'],
  },
  { s: '苏州的软件客户', table: 'software', rows: ['苏州精工'] },
  { s: '南京的平台客户', table: 'software', rows: ['南京城建'] },
  {
    s: '国企的竞品切换',
    table: 'switch',
    rows: ['苏银农商银行', '宁泰证券', '甬港物流', '粤电能源', '川能电力', '京华医药'],
  },
  { s: '国有企业的案例', table: 'case', rows: (r) => isState(r) },
  { s: '地方国企的软件客户', table: 'software', rows: ['苏银农商银行', '南京城建'] },
  { s: '央企的案例', table: 'case', rows: ['宏达重工'] },
  { s: '制造业的切换客户', table: 'switch', rows: ['深汽零部件'] },
  { s: '车企的案例', table: 'case', rows: ['恒远汽车'] },
  { s: '能源行业的竞品切换', table: 'switch', rows: ['粤电能源', '川能电力'] },
  { s: '电力的平台客户', table: 'software', rows: ['粤电能源', '川能电力'] },
  { s: '管理者的打单方案', table: 'pitch', rows: ['宁泰证券', '宏达重工', '味道餐饮'] },
  { s: '应届生的打单方案', table: 'pitch', rows: ['苏银农商银行', '锡州农商银行', '杭信基金', '华创电子', '沪连超市'] },
  { s: '消费品和餐饮的案例', table: 'case', rows: ['沪连超市', '味道餐饮'] },
  { s: '金融 银行 打单方案', table: 'pitch', rows: ['苏银农商银行', '锡州农商银行'] },
  { s: '民企的采购', table: 'procurement', rows: ['华创电子', '云锐电商', '味道餐饮'] },
]

// ---- 7. choosing the table ---------------------------------------------------------------------
const TABLE_WORDS: Case[] = [
  { s: '银行的打单材料', table: 'pitch', rows: ['苏银农商银行', '锡州农商银行'] },
  { s: '医药 替换案例', table: 'switch', rows: ['京华医药'] },
  { s: '换平台的能源客户', table: 'switch', rows: ['粤电能源', '川能电力'] },
  { s: '浙江的平台客户', table: 'software', rows: ['杭州云锐', '甬港物流'] },
  { s: '用我们平台的央企', table: 'software', rows: ['甬港物流', '川能电力'] },
  { s: '买过新经理转身训练营的客户', table: 'procurement', rows: ['味道餐饮'] },
  { s: '竞品切换的客户案例 江苏', table: 'switch', rows: ['苏银农商银行', '宁泰证券', '锡安人寿保险'] },
  { s: '投标方案 医药', table: 'pitch', rows: ['康泰制药'] },
  { s: '下过单的互联网客户', table: 'procurement', rows: ['云锐电商'] },
  { s: '从知行学堂切过来的', table: 'switch', rows: ['宁泰证券', '川能电力'] },
  { s: '在用我们系统的上海客户', table: 'software', rows: ['沪连超市'] },
  { s: '成功案例 餐饮', table: 'case', rows: ['味道餐饮'] },
  { s: '标书 零售', table: 'pitch', rows: ['沪连超市'] },
  { s: '弃用自建平台的客户', table: 'switch', rows: ['甬港物流'] },
  { s: '采购明细 2024年', table: 'procurement', rows: ['宁泰证券', '华创电子', '京华医药'] },
  { s: '学邦云', table: 'switch', rows: ['苏银农商银行', '锡安人寿保险', '深汽零部件'] },
  { s: '帐号1万以上', table: 'software', rows: ['甬港物流', '南京城建', '粤电能源', '京华医药'] },
  { s: '增购的', table: 'procurement', rows: ['宏达重工', '京华医药'] },
]

describe('understanding reps as they type (issue 10)', () => {
  it.each(SEGMENTATION.map((c) => [c.s, c] as const))('segmentation and function words: %s', (_s, c) => check(c))
  it.each(NEGATION.map((c) => [c.s, c] as const))('negation excludes, never includes: %s', (_s, c) => check(c))
  it.each(ANY_OF.map((c) => [c.s, c] as const))('any-of within a field: %s', (_s, c) => check(c))
  it.each(NUMBERS.map((c) => [c.s, c] as const))('number phrases: %s', (_s, c) => check(c))
  it.each(TAXONOMY.map((c) => [c.s, c] as const))('levels and spellings: %s', (_s, c) => check(c))
  it.each(TABLE_WORDS.map((c) => [c.s, c] as const))('table words: %s', (_s, c) => check(c))

  it.each(COUNTS)('counts lead the reply: %s', (s, table, n) => {
    const { p, out, reply } = answer(s, 5)
    expect(p.table?.intent).toBe(table)
    expect(p.count).toBe(true)
    expect(out!.total).toBe(n)
    expect(reply.split('\n')[0]).toBe(`**符合条件的${p.table!.title}共 ${n} 条**`)
    // Then the newest rows as usual (at most five on the chat page).
    if (n > 5) expect(reply).toContain('最新的 5 条：')
  })

  it.each(NOT_COUNTS)('a few rows asked for is no count: %s', (s) => {
    const { p, out } = answer(s)
    expect(p.count).toBe(false)
    expect(out!.total).toBe(6)
  })

  it('has at least 150 phrasings written for this issue', () => {
    const n =
      SEGMENTATION.length +
      NEGATION.length +
      ANY_OF.length +
      COUNTS.length +
      NUMBERS.length +
      TAXONOMY.length +
      TABLE_WORDS.length +
      AMBIGUOUS.length +
      FUNCTION_ONLY.length
    expect(n).toBeGreaterThanOrEqual(150)
  })
})

// ---- 8. two tables fit equally: ask; only function words: no search ---------------------------
const AMBIGUOUS: Array<[string, SearchIntent[]]> = [
  ['银行 新员工', ['case', 'pitch']],
  ['有没有中层管理者的材料', ['pitch']],
  ['客户案例和打单方案 银行', ['case', 'pitch']],
  ['江苏的客户', ['switch', 'software']],
  ['高管 国企', ['case', 'pitch']],
  ['采购记录 还是 软件客户 江苏', ['procurement', 'software']],
  ['5000人以上的客户', ['case', 'switch', 'procurement', 'software']],
]

const FUNCTION_ONLY = ['谢谢', '有什么可以参考的', '帮我找一下', '麻烦看看有哪些', '好的，谢谢你', '请问都有哪些呢？']

describe('when the sentence does not say which table', () => {
  it.each(AMBIGUOUS)('%s → asks, or takes the only table its words name', (s, tables) => {
    const p = parseSentence(s, { dict, nowYear: 2026 })
    if (tables.length === 1) {
      expect(p.table?.intent).toBe(tables[0])
      return
    }
    expect(p.table).toBeUndefined()
    expect(p.choices).toEqual(tables)
  })

  it.each(FUNCTION_ONLY)('%s → nothing to search', (s) => {
    const p = parseSentence(s, { dict, nowYear: 2026 })
    expect(p.table).toBeUndefined()
    expect(p.choices ?? []).toEqual([])
    expect(p.onlyFunctionWords).toBe(true)
  })

  it('a bound table with only function words is still not a search of everything', () => {
    expect(parseSentence('有什么可以参考的', { dict, nowYear: 2026, intent: 'case' }).onlyFunctionWords).toBe(true)
    expect(parseSentence('谢谢', { dict, nowYear: 2026, intent: 'pitch' }).onlyFunctionWords).toBe(true)
    expect(parseSentence('银行', { dict, nowYear: 2026, intent: 'pitch' }).onlyFunctionWords).toBe(false)
  })
})

describe('contradictions and the replies', () => {
  it('names a contradiction instead of returning what was excluded', () => {
    const { p, names, reply, out } = answer('银行 非金融 的案例')
    expect(p.contradictions.length).toBe(1)
    expect(names).toEqual([])
    expect(out!.relaxed).toEqual([])
    expect(reply).toContain('条件矛盾：要「银行」又排除「金融」')
  })

  it('says how a parent was widened and what was excluded, once each', () => {
    const { reply } = answer('金融 非国企 的竞品切换')
    expect(reply).toMatch(/筛选：[^\n]*行业=金融（含[^）]*银行[^）]*）/)
    expect(reply).toMatch(/排除：企业性质=国企（含(地方国企、央企|央企、地方国企)）/)
    expect(reply.match(/排除：/g)).toHaveLength(1)
  })

  it('lists unused words once and does not call them relaxed', () => {
    const { reply, names } = answer('苹果味的 制造业 新员工 案例')
    expect(names).toEqual(['华创电子'])
    expect(reply.match(/没用上的词：/g)).toHaveLength(1)
    expect(reply).toContain('苹果味')
    expect(reply).not.toContain('已放宽')
  })
})
