import { PALETTE, rankingChart, stackedBarChart, stackVertically, toPng, type StackedSeries } from './chart.js'
import { daysOf, monday } from './period.js'
import { assistantName, type UsageStats } from './usage-stats.js'

/** The `统计` picture: usage per day by intent (stacked bars) above the top users (admins) or intents (reps). */

/** Intents beyond this many are summed as 其他 so the legend stays readable. */
const MAX_SERIES = 6

type Bucket = 'day' | 'week' | 'month'

function bucketOf(days: number): Bucket {
  return days <= 62 ? 'day' : days <= 730 ? 'week' : 'month'
}

function keyOf(date: string, b: Bucket): string {
  return b === 'day' ? date : b === 'week' ? monday(date) : date.slice(0, 7)
}

/** Per-bucket counts by intent over the period (days without data show as 0; 全部 starts at the first record). */
export function dailySeries(s: UsageStats): StackedSeries & { bucket: Bucket } {
  const first = s.perDay[0]?.date
  const from = first && first > s.query.period.from ? first : s.query.period.from
  const days = daysOf({ from, to: s.query.period.to })
  const bucket = bucketOf(days.length)
  const keys = [...new Set(days.map((d) => keyOf(d, bucket)))]
  const index = new Map(keys.map((k, i) => [k, i]))
  const order = s.byIntent.map((t) => t.intent)
  const shown = order.slice(0, order.length > MAX_SERIES ? MAX_SERIES - 1 : MAX_SERIES)
  const series = shown.map((intent) => ({ name: assistantName(intent), values: keys.map(() => 0) }))
  const other = { name: '其他', values: keys.map(() => 0) }
  for (const c of s.byDayIntent) {
    const i = index.get(keyOf(c.use_date, bucket))
    if (i === undefined) continue
    const si = shown.indexOf(c.intent)
    const target = si >= 0 ? series[si]! : other
    target.values[i]! += c.n
  }
  if (order.length > shown.length) series.push(other)
  const labels = keys.map((k) => (bucket === 'day' ? k.slice(5) : bucket === 'week' ? `${k.slice(5)}起` : k))
  return { labels, series, bucket }
}

const BUCKET_NAME: Record<Bucket, string> = { day: '每日', week: '每周', month: '每月' }

export function renderDailyChart(s: UsageStats): Buffer {
  const data = dailySeries(s)
  return toPng(stackedBarChart(`${BUCKET_NAME[data.bucket]}使用量（按功能）· ${s.query.period.label}`, data, { yTitle: '次数' }))
}

export function renderTopChart(s: UsageStats): Buffer {
  return toPng(topCanvas(s))
}

function topCanvas(s: UsageStats) {
  if (s.scope.kind === 'all' && s.topUsers.length) {
    return rankingChart(`最活跃的人 Top ${s.topUsers.length}`, s.topUsers.map((u) => ({ label: u.label, value: u.n })), { color: PALETTE[1], xTitle: '次数' })
  }
  return rankingChart('按功能', s.byIntent.map((t) => ({ label: t.name, value: t.n })), { color: PALETTE[0], xTitle: '次数' })
}

/** Both charts in one PNG (960×1080): one upload and one message in DingTalk. */
export function renderStatsImage(s: UsageStats): Buffer {
  const data = dailySeries(s)
  const daily = stackedBarChart(`${BUCKET_NAME[data.bucket]}使用量（按功能）· ${s.query.period.label}`, data, { yTitle: '次数' })
  return toPng(stackVertically([daily, topCanvas(s)]))
}
