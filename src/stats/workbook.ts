import type { Db } from '../db/client.js'
import { iterateUsage, llmCostByDay, topGroups, topUsers, totalsByDay, zeroResultQuestions } from '../db/usage-stats.js'
import { type SheetSpec, type WorkbookResult, writeWorkbook } from '../services/excel.js'
import { distinctUserLabels } from './people.js'
import { assistantName, filterOf, type UsageStats } from './usage-stats.js'

/**
 * `统计 导出`: 明细 (every record of the period and filters), 按助手, 按人员, 按群, 按日, 零结果问题, LLM成本.
 * Sheet names and headers are Chinese; numbers stay numbers so managers can pivot them.
 */

export const STATS_SHEETS = ['明细', '按助手', '按人员', '按群', '按日', '零结果问题', 'LLM成本'] as const

/** Enough for any real group or user list; the detail sheet is unbounded (streamed). */
const ALL = 100_000

/** Typed rows as the sheet writer takes them (interfaces carry no index signature). */
const rowsOf = <T extends object>(xs: readonly T[]): Array<Record<string, unknown>> =>
  xs as unknown as Array<Record<string, unknown>>

const CONV: Record<string, string> = { '1': '单聊', '2': '群聊' }
const STATUS: Record<string, string> = { ok: '成功', failed: '失败', rejected: '被拒' }

export function statsSheets(db: Db, s: UsageStats): SheetSpec[] {
  const f = filterOf(s.query, s.scope)
  const detail = (function* () {
    for (const r of iterateUsage(db, f)) {
      yield {
        ...r,
        conversation_type: CONV[r.conversation_type ?? ''] ?? r.conversation_type,
        status: STATUS[r.status] ?? r.status,
      }
    }
  })()
  return [
    {
      name: '明细',
      columns: [
        { key: 'use_time', header: '使用时间' },
        { key: 'use_date', header: '使用日期' },
        { key: 'assistant_type', header: '助手类型' },
        { key: 'assistant_name', header: '助手名称' },
        { key: 'user_dd_nick', header: '使用者钉钉昵称' },
        { key: 'user_id', header: '用户ID' },
        { key: 'dd_group_name', header: '钉钉群名称' },
        { key: 'conversation_type', header: '会话类型' },
        { key: 'consult_content', header: '咨询内容', width: 50 },
        { key: 'intent', header: '意图' },
        { key: 'hits', header: '结果数', kind: 'number' },
        { key: 'latency_ms', header: '耗时(毫秒)', kind: 'number' },
        { key: 'status', header: '状态' },
        { key: 'error', header: '错误' },
        { key: 'tokens', header: 'tokens', kind: 'number' },
        { key: 'cost_rmb', header: '费用(元)', kind: 'number' },
        { key: 'msg_id', header: '消息ID' },
      ],
      rows: detail,
    },
    {
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
    },
    {
      name: '按人员',
      columns: [
        { key: 'label', header: '使用者钉钉昵称' },
        { key: 'key', header: '用户ID' },
        { key: 'n', header: '次数', kind: 'number' },
      ],
      rows:
        s.scope.kind === 'all'
          ? rowsOf(distinctUserLabels(topUsers(db, f, ALL)))
          : [{ label: s.scope.nick, key: s.scope.userId, n: s.total }],
    },
    {
      name: '按群',
      columns: [
        { key: 'label', header: '钉钉群名称' },
        { key: 'n', header: '次数', kind: 'number' },
      ],
      rows: rowsOf(topGroups(db, f, ALL)),
    },
    {
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
      rows: rowsOf(totalsByDay(db, f)),
    },
    {
      name: '内容缺口',
      columns: [
        { key: 'question', header: '咨询内容', width: 50 },
        { key: 'n', header: '次数', kind: 'number' },
        { key: 'assistant', header: '助手' },
        { key: 'last', header: '最近一次' },
      ],
      rows: zeroResultQuestions(db, f, ALL).map((z) => ({ ...z, assistant: assistantName(z.intent) })),
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
      rows: rowsOf(llmCostByDay(db, { from: f.from, to: f.to, userId: f.userId })),
    },
  ]
}

/** Writes the statistics workbook to `path`. */
export function writeStatsWorkbook(db: Db, s: UsageStats, path: string): Promise<WorkbookResult> {
  return writeWorkbook(path, statsSheets(db, s))
}

/** "使用统计_2026-11-22_2026-11-28.xlsx" */
export function statsFileName(s: UsageStats, ext = 'xlsx'): string {
  const from = s.query.period.from === '2000-01-01' ? '全部' : s.query.period.from
  return `使用统计_${from}_${s.query.period.to}.${ext}`
}
