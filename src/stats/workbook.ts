import type { UsageReadStore, UsageStatsFilter } from '../db/stores/usage-types.js'
import { LATENCY_BUCKETS } from '../db/usage-rollup.js'
import { type SheetSpec, type WorkbookResult, writeWorkbook } from '../services/excel.js'
import { DETAIL_COLUMNS, detailCommand, detailRow } from './detail.js'
import { fmtInt, fmtSeconds } from './format.js'
import { distinctUserLabels } from './people.js'
import { describeFilters } from './query.js'
import { assistantName, filterOf, type UsageStats } from './usage-stats.js'

/**
 * `统计 导出`: 概览 (the totals of the 统计 reply, and what the 明细 leaves out), 按助手, 按日, 按人员,
 * 按群, 耗时分布, 内容缺口, LLM成本 — all over every record of the period and filters, from the daily
 * rollup where it can answer — and 明细, the newest records up to a cap (detail.ts).
 * Sheet names and headers are Chinese; numbers stay numbers so managers can pivot them.
 */

/** Rows of the 明细 in a chat export unless told otherwise (ANDY_STATS_EXPORT_DETAIL_ROWS). */
export const DEFAULT_DETAIL_ROWS = 10_000

/** Enough for any real group or user list. */
const ALL = 100_000

/** Typed rows as the sheet writer takes them (interfaces carry no index signature). */
const rowsOf = <T extends object>(xs: readonly T[]): Array<Record<string, unknown>> =>
  xs as unknown as Array<Record<string, unknown>>

/** How much of the period's records the 明细 shows. */
export interface DetailExtent {
  shown: number
  total: number
  /** `andy stats … --detail 明细.csv`: writes them all. */
  command: string
}

/** The note on a capped 明细 (概览 and the chat reply say the same), or undefined when it has every record. */
export function detailNote(d: DetailExtent): string | undefined {
  if (d.shown >= d.total) return undefined
  return `明细只列出最近的 ${fmtInt(d.shown)} 条记录（共 ${fmtInt(d.total)} 条，另有 ${fmtInt(d.total - d.shown)} 条未列出）；汇总表含全部记录。要全部明细：缩短时间范围再导出，或由管理员在服务器上运行 ${d.command}`
}

function overviewSheet(s: UsageStats, d: DetailExtent): SheetSpec {
  const item = (label: string, value: string | number, note = '') => ({ label, value, note })
  const filters = describeFilters(s.query)
  return {
    name: '概览',
    columns: [
      { key: 'label', header: '项目' },
      { key: 'value', header: '数值', width: 24 },
      { key: 'note', header: '说明', width: 80 },
    ],
    rows: [
      item('时间范围', `${s.query.period.from} 至 ${s.query.period.to}`, s.query.period.label),
      item('筛选', filters || '无'),
      item('范围', s.scope.kind === 'self' ? `本人（${s.scope.nick}）` : '全员'),
      item('使用次数', s.total),
      item('失败', s.failed),
      item('被拒', s.rejected),
      item('内容缺口', s.zeroResults, '搜索无结果与答不上的问题'),
      item('大模型 tokens', s.tokens),
      item('大模型费用(元)', s.costRmb),
      item('回复耗时 一半在', fmtSeconds(s.latency.p50), '按耗时分档估计（见 耗时分布）'),
      item('回复耗时 95% 在', fmtSeconds(s.latency.p95)),
      item('明细', d.shown, detailNote(d) ?? `全部 ${fmtInt(d.total)} 条记录`),
    ],
  }
}

function byIntentSheet(s: UsageStats): SheetSpec {
  return {
    name: '按助手',
    columns: [
      { key: 'name', header: '助手' },
      { key: 'intent', header: '意图' },
      { key: 'n', header: '次数', kind: 'number' },
      { key: 'failed', header: '失败', kind: 'number' },
      { key: 'rejected', header: '被拒', kind: 'number' },
      { key: 'zero', header: '内容缺口', kind: 'number' },
      { key: 'tokens', header: 'tokens', kind: 'number' },
      { key: 'cost', header: '费用(元)', kind: 'number' },
    ],
    rows: rowsOf(s.byIntent),
  }
}

async function byDaySheet(db: UsageReadStore, f: UsageStatsFilter): Promise<SheetSpec> {
  return {
    name: '按日',
    columns: [
      { key: 'use_date', header: '日期' },
      { key: 'n', header: '次数', kind: 'number' },
      { key: 'users', header: '人数', kind: 'number' },
      { key: 'failed', header: '失败', kind: 'number' },
      { key: 'rejected', header: '被拒', kind: 'number' },
      { key: 'zero', header: '内容缺口', kind: 'number' },
      { key: 'tokens', header: 'tokens', kind: 'number' },
      { key: 'cost', header: '费用(元)', kind: 'number' },
    ],
    rows: rowsOf(await db.totalsByDay(f)),
  }
}

async function peopleSheets(db: UsageReadStore, s: UsageStats, f: UsageStatsFilter): Promise<SheetSpec[]> {
  const users =
    s.scope.kind === 'all'
      ? rowsOf(distinctUserLabels(await db.topUsers(f, ALL)))
      : [{ label: s.scope.nick, key: s.scope.userId, n: s.total }]
  return [
    {
      name: '按人员',
      columns: [
        { key: 'label', header: '使用者钉钉昵称' },
        { key: 'key', header: '用户ID' },
        { key: 'n', header: '次数', kind: 'number' },
      ],
      rows: users,
    },
    {
      name: '按群',
      columns: [
        { key: 'label', header: '钉钉群名称' },
        { key: 'n', header: '次数', kind: 'number' },
      ],
      rows: rowsOf(await db.topGroups(f, ALL)),
    },
  ]
}

async function latencySheet(db: UsageReadStore, f: UsageStatsFilter): Promise<SheetSpec> {
  const h = await db.latencyHistogram(f)
  let seen = 0
  const rows = h.counts.map((n, i) => {
    seen += n
    const lo = i === 0 ? 0 : LATENCY_BUCKETS[i - 1]!
    const range = i < LATENCY_BUCKETS.length ? `${lo}–${LATENCY_BUCKETS[i]} 毫秒` : `${lo} 毫秒以上`
    return { range, n, share: h.n ? n / h.n : 0, upTo: h.n ? seen / h.n : 0 }
  })
  return {
    name: '耗时分布',
    columns: [
      { key: 'range', header: '回复耗时' },
      { key: 'n', header: '次数', kind: 'number' },
      { key: 'share', header: '占比', kind: 'number', format: '0.0%' },
      { key: 'upTo', header: '累计占比', kind: 'number', format: '0.0%' },
    ],
    rows,
  }
}

async function gapsAndCostSheets(db: UsageReadStore, f: UsageStatsFilter): Promise<SheetSpec[]> {
  return [
    {
      name: '内容缺口',
      columns: [
        { key: 'question', header: '咨询内容', width: 50 },
        { key: 'n', header: '次数', kind: 'number' },
        { key: 'assistant', header: '助手' },
        { key: 'last', header: '最近一次' },
      ],
      rows: (await db.zeroResultQuestions(f, ALL)).map((z) => ({ ...z, assistant: assistantName(z.intent) })),
    },
    {
      name: 'LLM成本',
      columns: [
        { key: 'use_date', header: '日期' },
        { key: 'model', header: '模型' },
        { key: 'calls', header: '调用次数', kind: 'number' },
        { key: 'failed', header: '失败', kind: 'number' },
        { key: 'tokens_in', header: '输入tokens', kind: 'number' },
        { key: 'tokens_out', header: '输出tokens', kind: 'number' },
        { key: 'cost', header: '费用(元)', kind: 'number' },
      ],
      rows: rowsOf(await db.llmCostByDay({ from: f.from, to: f.to, userId: f.userId })),
    },
  ]
}

/** The sheets of the statistics workbook, and how much of the period the 明细 shows. */
export async function statsSheets(
  db: UsageReadStore,
  s: UsageStats,
  detailRows = DEFAULT_DETAIL_ROWS,
): Promise<{ sheets: SheetSpec[]; detail: DetailExtent }> {
  const f = filterOf(s.query, s.scope)
  const detail = (await db.latestUsage(f, detailRows)).map(detailRow)
  const extent = { shown: detail.length, total: Math.max(s.total, detail.length), command: detailCommand(f) }
  const sheets = [
    overviewSheet(s, extent),
    byIntentSheet(s),
    await byDaySheet(db, f),
    ...(await peopleSheets(db, s, f)),
    await latencySheet(db, f),
    ...(await gapsAndCostSheets(db, f)),
    { name: '明细', columns: DETAIL_COLUMNS, rows: detail },
  ]
  return { sheets, detail: extent }
}

/**
 * Writes the statistics workbook to `path`; `detail` says how many records its 明细 shows of how many,
 * `summaries` names the sheets over every record.
 */
export async function writeStatsWorkbook(
  db: UsageReadStore,
  s: UsageStats,
  path: string,
  detailRows = DEFAULT_DETAIL_ROWS,
): Promise<WorkbookResult & { detail: DetailExtent; summaries: string[] }> {
  const { sheets, detail } = await statsSheets(db, s, detailRows)
  const summaries = sheets.map((sheet) => sheet.name).filter((name) => name !== '明细')
  return { ...(await writeWorkbook(path, sheets)), detail, summaries }
}

/** "使用统计_2026-11-22_2026-11-28.xlsx" */
export function statsFileName(s: UsageStats, ext = 'xlsx'): string {
  const from = s.query.period.from === '2000-01-01' ? '全部' : s.query.period.from
  return `使用统计_${from}_${s.query.period.to}.${ext}`
}
