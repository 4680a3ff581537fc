import { writeFileSync } from 'node:fs'
import { defineCommand } from 'citty'
import { localDate } from '../core/clock.js'
import { isPostgresUrl, openPg } from '../db/pg/client.js'
import { pgUsageReadStore } from '../db/pg/usage-read.js'
import { storesOf } from '../db/stores/index.js'
import type { UsageReadStore } from '../db/stores/usage-types.js'
import { formatRmb } from '../services/llm.js'
import { writeDetailCsv, writeDetailXlsx } from '../stats/detail.js'
import { fmtInt, fmtSeconds, perDayLines } from '../stats/format.js'
import { distinctUserLabels } from '../stats/people.js'
import { defaultPeriod, findPeriod, type Period, PeriodError } from '../stats/period.js'
import { describeFilters, parseStatsQuery, type StatsQuery } from '../stats/query.js'
import { displayWidth, renderTable } from '../stats/terminal.js'
import { renderStatsImage } from '../stats/usage-chart.js'
import { computeUsageStatsAsync, filterOf, type UsageStats } from '../stats/usage-stats.js'
import { detailNote, writeStatsWorkbook } from '../stats/workbook.js'
import { openRuntime } from './bootstrap.js'

const BY = ['intent', 'user', 'group', 'day'] as const
type By = (typeof BY)[number]

/** --since/--until: dates ("2026-11-01") or, for --since, a period phrase ("上周", "最近30天"). */
export function periodFromArgs(since: string | undefined, until: string | undefined, now: number): Period {
  if (!since && !until) return defaultPeriod(now)
  const sinceMatch = since ? findPeriod(since, now) : undefined
  if (since && !sinceMatch) throw new PeriodError(`--since「${since}」看不懂：写 2026-11-01，或 上周、本月、最近30天。`)
  const untilMatch = until ? findPeriod(until, now) : undefined
  if (until && !untilMatch) throw new PeriodError(`--until「${until}」看不懂：写 2026-11-15。`)
  const from = sinceMatch?.period.from ?? defaultPeriod(now).from
  const to =
    untilMatch?.period.to ?? (sinceMatch && !/^\d{4}/.test(since ?? '') ? sinceMatch.period.to : localDate(now))
  if (from > to) throw new PeriodError(`开始日期 ${from} 晚于结束日期 ${to}。`)
  const label = sinceMatch && !until && !/^\d{4}/.test(since ?? '') ? sinceMatch.period.label : `${from} 至 ${to}`
  return { from, to, label }
}

export async function statsTable(db: UsageReadStore, s: UsageStats, by: By, top: number): Promise<string> {
  const f = filterOf(s.query, s.scope)
  if (by === 'intent')
    return renderTable(
      ['功能', '次数', '占比', '失败', '被拒', '无结果搜索', 'tokens', '费用'],
      s.byIntent.map((t) => [
        t.name,
        t.n,
        `${s.total ? Math.round((t.n / s.total) * 100) : 0}%`,
        t.failed,
        t.rejected,
        t.zero,
        t.tokens,
        formatRmb(t.cost),
      ]),
    )
  if (by === 'user')
    return renderTable(
      ['#', '使用者', '用户ID', '次数'],
      distinctUserLabels(await db.topUsers(f, top)).map((u, i) => [String(i + 1), u.label, u.key, u.n]),
    )
  if (by === 'group')
    return renderTable(
      ['#', '群', '次数'],
      (await db.topGroups(f, top)).map((g, i) => [String(i + 1), g.label, g.n]),
    )
  const byDay = new Map<string, Map<string, number>>()
  for (const c of s.byDayIntent) {
    const m = byDay.get(c.use_date) ?? new Map<string, number>()
    m.set(c.intent, c.n)
    byDay.set(c.use_date, m)
  }
  const intents = s.byIntent.slice(0, 6)
  return renderTable(
    ['日期', '合计', ...intents.map((t) => t.name)],
    s.perDay.map((d) => [d.date, d.n, ...intents.map((t) => byDay.get(d.date)?.get(t.intent) ?? 0)]),
  )
}

/** --png, --xlsx and --detail. */
async function writeFiles(
  rt: ReturnType<typeof openRuntime>,
  usage: UsageReadStore,
  s: UsageStats,
  args: { png?: string; xlsx?: string; detail?: string },
): Promise<void> {
  if (args.png) {
    writeFileSync(args.png, renderStatsImage(s))
    process.stdout.write(`✔ 图表 → ${args.png}\n`)
  }
  if (args.xlsx) {
    const res = await writeStatsWorkbook(usage, s, args.xlsx, rt.config.statsExportDetailRows)
    process.stdout.write(`✔ Excel：${fmtInt(res.rows)} 行 → ${args.xlsx}（${(res.bytes / 1024).toFixed(0)} KB）\n`)
    const note = detailNote(res.detail)
    if (note) process.stdout.write(`  ${note.replace(/--detail 明细\.csv$/, '--detail FILE.csv')}\n`)
  }
  if (args.detail) {
    const f = filterOf(s.query, s.scope)
    const n = /\.xlsx$/i.test(args.detail)
      ? await writeDetailXlsx(usage, f, s.total, args.detail)
      : await writeDetailCsv(usage, f, args.detail)
    process.stdout.write(`✔ 明细：${fmtInt(n)} 条记录 → ${args.detail}\n`)
  }
}

export default defineCommand({
  meta: {
    name: 'stats',
    description: 'Usage statistics: who used Andy for what (table in the terminal, --xlsx workbook, --png chart)',
  },
  args: {
    since: {
      type: 'string',
      description: 'First day (2026-11-01) or a period (上周, 本月, 最近30天); default: last 7 days',
    },
    until: { type: 'string', description: 'Last day (2026-11-15); default: today' },
    by: { type: 'string', description: 'Table by intent | user | group | day (default intent)' },
    top: { type: 'string', description: 'Rows for --by user/group (default 20)' },
    assistant: {
      type: 'string',
      description: 'Only these assistants: 案例, 打单, 采购, 软件, 竞对… or seed assistant_type 1–4',
    },
    user: { type: 'string', description: 'Only this DingTalk nickname (user_dd_nick)' },
    group: { type: 'string', description: 'Only this group name (dd_group_name)' },
    content: { type: 'string', description: 'Questions containing this text (consult_content)' },
    type: { type: 'string', description: '单聊 | 群聊 (conversation_type 1 | 2)' },
    xlsx: {
      type: 'string',
      description:
        'Also write the workbook (概览, 按助手, 按日, 按人员, 按群, 耗时分布, 内容缺口, LLM成本, and the newest records as 明细)',
    },
    detail: {
      type: 'string',
      description: 'Also write every record of the period (.csv, or .xlsx in sheets of 1,000,000 rows), streamed',
    },
    png: { type: 'string', description: 'Also write the chart picture' },
  },
  async run({ args }) {
    const by = (args.by ?? 'intent') as By
    if (!BY.includes(by)) {
      process.stderr.write(`--by 只能是 ${BY.join(' | ')}\n`)
      process.exitCode = 2
      return
    }
    const now = Date.now()
    let query: StatsQuery
    try {
      const period = periodFromArgs(args.since, args.until, now)
      const words = [args.assistant ? `助手:${args.assistant}` : '', args.type ?? ''].join(' ')
      const parsed = parseStatsQuery(words, { now })
      const type = args.type ? (/群|2/.test(args.type) ? '2' : '1') : undefined
      query = {
        ...parsed,
        period,
        userNick: args.user,
        groupName: args.group,
        consultContent: args.content,
        conversationType: type,
        export: false,
        unknown: parsed.unknown,
      }
    } catch (err) {
      if (!(err instanceof PeriodError)) throw err
      process.stderr.write(`${err.message}\n`)
      process.exitCode = 2
      return
    }
    const rt = openRuntime({ quiet: true })
    // DATABASE_URL: the usage every instance recorded, in PostgreSQL.
    const pg = isPostgresUrl(rt.config.databaseUrl) ? await openPg(rt.config.databaseUrl, { max: 2 }) : undefined
    const usage = pg ? pgUsageReadStore(pg.pool) : storesOf(rt).usage
    try {
      const started = performance.now()
      const s = await computeUsageStatsAsync(usage, query, { kind: 'all' })
      const ms = performance.now() - started
      const filters = describeFilters(query)
      const out = [`使用统计 · ${query.period.label}${filters ? ` · ${filters}` : ''}`]
      out.push(
        `共 ${fmtInt(s.total)} 次，${fmtInt(s.topUsers[0]?.distinct ?? 0)} 人，${fmtInt(s.topGroups[0]?.distinct ?? 0)} 个群；失败 ${fmtInt(s.failed)}，被拒 ${fmtInt(s.rejected)}；无结果搜索 ${fmtInt(s.zeroResults)}`,
      )
      out.push(
        `回复耗时 一半在 ${fmtSeconds(s.latency.p50)} 内，95% 在 ${fmtSeconds(s.latency.p95)} 内；大模型 ${fmtInt(s.tokens)} tokens，${formatRmb(s.costRmb)}`,
      )
      out.push('', await statsTable(usage, s, by, Number(args.top ?? 20) || 20))
      if (by !== 'day' && s.perDay.length)
        out.push('', '每日：', ...perDayLines(s).map((l) => `  ${l.replace(/^- /, '')}`))
      if (s.zeroQuestions.length) {
        out.push('', '内容缺口（搜索无结果的问题）：')
        const w = Math.max(...s.zeroQuestions.map((z) => displayWidth(z.question)))
        for (const z of s.zeroQuestions)
          out.push(`  ${z.question}${' '.repeat(Math.max(0, w - displayWidth(z.question)))}  ×${z.n}`)
      }
      out.push('', `（统计用时 ${ms.toFixed(0)} ms）`)
      process.stdout.write(`${out.join('\n')}\n`)
      await writeFiles(rt, usage, s, args)
    } catch (err) {
      if (!pg) throw err
      process.stderr.write(
        `读取 DATABASE_URL 的 PostgreSQL 失败：${(err as Error).message}\n请检查 DATABASE_URL 和迁移（andy doctor、andy migrate）。\n`,
      )
      process.exitCode = 1
    } finally {
      await pg?.close()
      rt.db.close()
    }
  },
})
