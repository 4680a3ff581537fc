import {
  CHAT_STYLE,
  PALETTE,
  rankingChart,
  type StackedSeries,
  stackedBarChart,
  stackVertically,
  toPng,
} from './chart.js'
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

/** Per-bucket counts by intent over every day of the period (days without use show as 0; 全部 starts at the first record). */
export function dailySeries(s: UsageStats): StackedSeries & { bucket: Bucket } {
  const days = s.perDay.length ? s.perDay.map((d) => d.date) : daysOf(s.query.period)
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

/** People or intents shown in the chat picture (the reply's text lists the full top 10). */
export const CHART_TOP = 5

function dailyCanvas(s: UsageStats) {
  const data = dailySeries(s)
  return stackedBarChart(`${BUCKET_NAME[data.bucket]}使用量（按功能）`, data, {
    subtitle: s.query.period.label,
    style: CHAT_STYLE,
  })
}

export function renderDailyChart(s: UsageStats): Buffer {
  return toPng(dailyCanvas(s))
}

export function renderTopChart(s: UsageStats): Buffer {
  return toPng(topCanvas(s))
}

function topCanvas(s: UsageStats) {
  const people = s.scope.kind === 'all' && s.topUsers.length > 0
  const items = people
    ? s.topUsers.map((u) => ({ label: u.label, value: u.n }))
    : s.byIntent.map((t) => ({ label: t.name, value: t.n }))
  const shown = items.slice(0, CHART_TOP)
  const title = people ? `最活跃的人 Top ${shown.length}（次）` : '按功能（次）'
  // The title ≈ 70 px, then one 46 px row per bar.
  const height = 90 + 46 * Math.max(shown.length, 1)
  return rankingChart(title, shown, { color: PALETTE[people ? 1 : 0], style: CHAT_STYLE, height, values: true })
}

/**
 * Both charts in one PNG, 720 px wide and about as tall (one upload, one message in DingTalk), drawn for
 * the size DingTalk shows it at in the chat (~358×350): large text, few labels, values on the bars.
 */
export function renderStatsImage(s: UsageStats): Buffer {
  return toPng(stackVertically([dailyCanvas(s), topCanvas(s)]))
}
