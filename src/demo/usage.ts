/**
 * Deterministic, realistic usage records (for the bench, tests and demos): reps in sales teams asking
 * Andy in 单聊 and in group chats, weekday-heavy, searches with some zero-result questions, LLM features
 * with tokens and cost, a few failures. Pure: the same options give the same rows, oldest first.
 */
import { assistantOf } from '../core/features.js'
import type { UsageInput } from '../db/usage.js'
import { TABLES, tableByIntent } from '../tables/index.js'
import { mulberry32 } from './generate.js'

export interface GenerateUsageOptions {
  rows: number
  /** Last day (China time) "2026-11-28"; records span `days` days ending there. */
  endDate: string
  days: number
  users?: number
  groups?: number
  seed?: number
}

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'
const GIVEN =
  '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲建国红云飞波宁晨琳雪婷欣怡浩宇子涵思远嘉俊晓东'
const REGIONS = [
  '华东',
  '华南',
  '华北',
  '华中',
  '西南',
  '西北',
  '东北',
  '上海',
  '北京',
  '深圳',
  '江苏',
  '浙江',
  '山东',
  '四川',
]
const TEAMS = ['销售一部', '销售二部', '大客户部', '售前支持', '渠道部', '行业拓展组', '新客攻坚组', '续约组']

const SEARCH_TEXT: Record<string, readonly string[]> = {
  case: [
    '制造业 5000人以上 国企 的客户案例',
    '银行 新员工培训案例',
    '医药行业 领导力 案例',
    '零售 门店店长培训案例',
    '能源 安全生产培训案例',
    '互联网 技术人才培养案例',
  ],
  pitch: ['银行 新员工培训 的打单方案', '制造业 班组长 打单方案', '保险 代理人 打单方案', '地产 营销 打单方案'],
  switch: ['从某竞品切换过来的金融客户', '竞对切换 制造业 江苏', '替换友商的医药客户', '切换平台的零售客户'],
  procurement: [
    '2023 年医药行业采购了哪些内容产品',
    '国企 采购 领导力课程',
    '2024 汽车行业 采购记录',
    '金融 采购 合规课程',
  ],
  software: [
    '江苏 制造业 帐号数大于1000 的软件客户',
    '浙江 软件客户 国企',
    '广东 平台客户 5000人以上',
    '上海 帐号数大于3000 的客户',
  ],
}
/** Questions that usually find nothing: the content gaps the digest should surface. */
const GAP_TEXT = [
  '航空业 飞行员培训案例',
  '半导体 工程师 打单方案',
  '宠物行业 客户案例',
  '核电 安全文化案例',
  '跨境电商 采购记录',
  '新疆 软件客户 帐号数大于5000',
]
const OTHER_TEXT: Record<string, readonly string[]> = {
  activity: ['帮我设计一个新员工培训运营活动', '设计一个读书月活动'],
  usage: ['统计', '统计 本周'],
  report: ['解读这份报告'],
  image: ['[picture]'],
  talent: ['人才发展 给中层管理者的建议'],
  meeting: ['会议评审 季度经营会'],
  help: ['帮助', '你好'],
}

/** How often each kind of message comes: the case tables' searches (from the table specs), then the rest. */
const SEARCH_WEIGHTS: Record<string, number> = { case: 30, pitch: 16, switch: 8, procurement: 12, software: 12 }
const OTHER_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['activity', 5],
  ['usage', 3],
  ['report', 3],
  ['image', 2],
  ['talent', 2],
  ['meeting', 2],
  ['help', 5],
]
/** The intents of the generated records: every case table (a registered one too), then the other features. */
export function demoIntents(): Array<readonly [intent: string, weight: number]> {
  return [...TABLES.map((t) => [t.intent, SEARCH_WEIGHTS[t.intent] ?? 5] as const), ...OTHER_WEIGHTS]
}
const LLM_INTENTS = new Set(['activity', 'report', 'image', 'talent', 'meeting'])
const DAY_MS = 86_400_000

type Rng = () => number
type Pick = <T>(arr: readonly T[]) => T

/** The generated users (a few heavy, a long tail), groups and the intent mix, drawn with `rng`. */
function population(o: GenerateUsageOptions, rng: Rng) {
  const userCount = o.users ?? 300
  const groupCount = o.groups ?? 60
  const users = Array.from({ length: userCount }, (_, i) => ({
    id: `u${String(i + 1).padStart(5, '0')}`,
    nick: `${SURNAMES[i % SURNAMES.length]}${GIVEN[Math.floor(i / SURNAMES.length) % GIVEN.length]}${i >= SURNAMES.length * GIVEN.length ? i : ''}`,
    // A few heavy users, a long tail.
    weight: 1 / (1 + (i % 97)) + rng(),
  }))
  const cum: number[] = []
  let total = 0
  for (const u of users) cum.push((total += u.weight))
  const pickUser = () => {
    const r = rng() * total
    let lo = 0
    let hi = cum.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cum[mid]! <= r) lo = mid + 1
      else hi = mid
    }
    return users[lo]!
  }
  const groups = Array.from({ length: groupCount }, (_, i) => ({
    id: `cid-g${i + 1}`,
    name: `${REGIONS[i % REGIONS.length]}${TEAMS[Math.floor(i / REGIONS.length) % TEAMS.length]}${i >= REGIONS.length * TEAMS.length ? i : ''}群`,
  }))
  const intents = demoIntents()
  const iCum: number[] = []
  let iTotal = 0
  for (const [, w] of intents) iCum.push((iTotal += w))
  const pickIntent = () => {
    const r = rng() * iTotal
    let i = 0
    while (iCum[i]! <= r) i++
    return intents[i]![0]
  }
  return { pickUser, groups, pickIntent }
}

export function* generateUsageRows(o: GenerateUsageOptions): Generator<UsageInput> {
  const rng = mulberry32(o.seed ?? 42)
  const pick: Pick = (arr) => arr[Math.floor(rng() * arr.length)]!
  const people = population(o, rng)
  const end = Date.parse(`${o.endDate}T00:00:00Z`)
  const dayWeights = Array.from({ length: o.days }, (_, d) => {
    const dow = new Date(end - (o.days - 1 - d) * DAY_MS).getUTCDay()
    return dow === 0 || dow === 6 ? 0.25 : 1
  })
  const weightSum = dayWeights.reduce((a, b) => a + b, 0)
  let emitted = 0
  let carry = 0
  for (let d = 0; d < o.days; d++) {
    const dayStart = end - (o.days - 1 - d) * DAY_MS
    const exact = (o.rows * dayWeights[d]!) / weightSum + carry
    const count = d === o.days - 1 ? o.rows - emitted : Math.floor(exact)
    carry = exact - count
    const times = Array.from({ length: count }, () => Math.floor((8 + rng() * 11) * 3600_000)).sort((a, b) => a - b)
    const date = new Date(dayStart).toISOString().slice(0, 10)
    for (const t of times) yield usageRow(o, rng, pick, people, date, t, ++emitted)
  }
}

/** One usage record at time-of-day `t` (ms) on `date`; draws from `rng` in a fixed order (reproducible). */
function usageRow(
  o: GenerateUsageOptions,
  rng: Rng,
  pick: Pick,
  people: ReturnType<typeof population>,
  date: string,
  t: number,
  n: number,
): UsageInput {
  const user = people.pickUser()
  const intent = people.pickIntent()
  const inGroup = rng() < 0.4
  const group = inGroup ? pick(people.groups) : undefined
  const table = tableByIntent(intent)
  const search = table !== undefined
  const gap = search && rng() < 0.08
  const text = gap
    ? pick(GAP_TEXT)
    : search
      ? pick(SEARCH_TEXT[intent] ?? [table!.words.example])
      : pick(OTHER_TEXT[intent]!)
  const llm = LLM_INTENTS.has(intent)
  const roll = rng()
  const status = roll < 0.025 ? 'failed' : roll < 0.04 ? 'rejected' : 'ok'
  const latency = Math.round(Math.exp((llm ? 8.9 : 6.3) + rng() * 1.2 - 0.6))
  const tokens = llm && status === 'ok' ? 800 + Math.floor(rng() * 5000) : 0
  const a = assistantOf(intent)
  const s = String(((t / 1000) % 60) | 0).padStart(2, '0')
  const m = String(Math.floor(t / 60_000) % 60).padStart(2, '0')
  const h = String(Math.floor(t / 3600_000)).padStart(2, '0')
  return {
    assistant_type: a.type,
    assistant_name: a.name,
    dd_group_name: group?.name ?? null,
    user_dd_nick: user.nick,
    consult_content: text,
    conversation_type: inGroup ? '2' : '1',
    use_time: `${date} ${h}:${m}:${s}`,
    use_date: date,
    user_id: user.id,
    conversation_id: group?.id ?? `cid-dm-${user.id}`,
    msg_id: `gen-${o.seed ?? 42}-${n}`,
    intent,
    hits: search ? (gap ? 0 : 1 + Math.floor(rng() * 120)) : null,
    latency_ms: latency,
    status,
    error: status === 'failed' ? 'generated failure' : status === 'rejected' ? 'llm_budget' : null,
    tokens,
    cost_rmb: Math.round(tokens * 0.000004 * 1e6) / 1e6,
  }
}
