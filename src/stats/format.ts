import { escapeMd } from '../core/markdown.js'
import { formatRmb } from '../services/llm.js'
import { describeFilters } from './query.js'
import { assistantName, type UsageStats } from './usage-stats.js'

/** The `统计` reply (DingTalk markdown: lists, no tables) and the plain-text pieces the CLI reuses. */

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六']

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

export function fmtSeconds(ms: number | undefined): string {
  if (ms === undefined) return '—'
  return ms < 1000 ? `${(ms / 1000).toFixed(2)} 秒` : `${(ms / 1000).toFixed(1)} 秒`
}

/** Joins lines; a line followed by another gets DingTalk's hard break (two spaces), blank lines stay paragraph breaks. */
export function mdLines(lines: readonly string[]): string {
  return lines.map((l, i) => (l && lines[i + 1] ? `${l}  ` : l)).join('\n')
}

function pct(n: number, total: number): string {
  return total ? `${Math.round((n / total) * 100)}%` : '0%'
}

function weekday(date: string): string {
  return `周${WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()]}`
}

export function scopeLine(s: UsageStats): string {
  return s.scope.kind === 'self'
    ? `范围：只含你本人（${escapeMd(s.scope.nick)}）的使用记录；管理员可查看全员。`
    : '范围：全员（管理员视图）'
}

/** Per-day list; more than 31 days are summed by week (Monday) to stay short. */
export function perDayLines(s: UsageStats): string[] {
  if (s.perDay.length <= 31) return s.perDay.map((d) => `- ${d.date.slice(5)} ${weekday(d.date)}：${fmtInt(d.n)}`)
  const weeks = new Map<string, number>()
  for (const d of s.perDay) {
    const dt = new Date(`${d.date}T00:00:00Z`)
    const mon = new Date(dt.getTime() - ((dt.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10)
    weeks.set(mon, (weeks.get(mon) ?? 0) + d.n)
  }
  const lines = [...weeks].map(([mon, n]) => `- ${mon} 起一周：${fmtInt(n)}`)
  return lines.length > 20
    ? [`- （共 ${lines.length} 周，只列最近 20 周，完整数据见 **统计 导出**）`, ...lines.slice(-20)]
    : lines
}

export function formatStatsReply(s: UsageStats, o: { chart?: boolean; notes?: readonly string[] } = {}): string {
  const q = s.query
  const out: string[] = [`**使用统计 · ${q.period.label}**`, '', scopeLine(s)]
  const filters = describeFilters(q)
  if (filters) out.push(`筛选：${escapeMd(filters)}`)
  if (q.unknown.length)
    out.push(`没有识别：${q.unknown.map((w) => `「${escapeMd(w)}」`).join('')}（可写 人员:昵称、群:群名、内容:关键词）`)
  for (const n of o.notes ?? []) out.push(`> ${n}`)
  out.push('')
  if (s.total === 0) {
    out.push('这段时间没有使用记录。', '', '可以换个时间，例如 **统计 本月**、**统计 最近30天**。')
    return mdLines(out)
  }
  const people = s.scope.kind === 'all' && s.topUsers[0] ? `，**${fmtInt(s.topUsers[0].distinct)}** 人` : ''
  const groups = s.topGroups[0] ? `，**${fmtInt(s.topGroups[0].distinct)}** 个群` : ''
  out.push(`共 **${fmtInt(s.total)}** 次使用${people}${groups}`)
  out.push(`失败 **${fmtInt(s.failed)}** 次，被拒（额度/权限）${fmtInt(s.rejected)} 次`)
  out.push(`回复耗时：一半在 ${fmtSeconds(s.latency.p50)} 内，95% 在 ${fmtSeconds(s.latency.p95)} 内`)
  out.push(`大模型：${fmtInt(s.tokens)} tokens，${formatRmb(s.costRmb)}`)
  out.push('', '**按功能**')
  for (const t of s.byIntent)
    out.push(`- ${t.name}：${fmtInt(t.n)}（${pct(t.n, s.total)}）${t.failed ? `，失败 ${t.failed}` : ''}`)
  out.push('', '**每日**', ...perDayLines(s))
  if (s.topUsers.length) {
    out.push('', '**最活跃的人**')
    s.topUsers.forEach((u, i) => out.push(`${i + 1}. ${escapeMd(u.label)}：${fmtInt(u.n)}`))
  }
  if (s.topGroups.length) {
    out.push('', '**最活跃的群**')
    s.topGroups.forEach((g, i) => out.push(`${i + 1}. ${escapeMd(g.label)}：${fmtInt(g.n)}`))
  }
  out.push(
    '',
    `**内容缺口**（搜索无结果或无法回答 ${fmtInt(s.zeroResults)} 次${s.zeroQuestions[0] ? `，${fmtInt(s.zeroQuestions[0].distinct)} 种问题` : ''}）`,
  )
  if (s.zeroQuestions.length === 0) out.push('没有搜不到结果或答不上来的问题。')
  s.zeroQuestions.forEach((z, i) =>
    out.push(
      `${i + 1}. 「${escapeMd(z.question.slice(0, 60))}」×${z.n}（${assistantName(z.intent)}，最近 ${z.last.slice(5, 16)}）`,
    ),
  )
  out.push('')
  if (o.chart) out.push('趋势图见下一条消息。')
  out.push(
    '回复 **统计 导出** 下载 Excel 明细；可加时间和筛选，例如 **统计 上周 案例 群聊**、**统计 2026-11-01到2026-11-15**。',
  )
  return mdLines(out)
}
