import { once } from 'node:events'
import { createWriteStream, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { csvCell } from '../core/csv.js'
import type { UsageDetailRow, UsageReadStore, UsageStatsFilter } from '../db/stores/usage-types.js'
import { EXCEL_MAX_ROWS, type SheetColumn, type SheetSpec, writeWorkbook } from '../services/excel.js'
import { assistantName } from './usage-stats.js'

/**
 * The 明细 (one row per usage record): its columns, the capped sheet of `统计 导出`, and the full detail
 * that `andy stats --detail FILE` streams to CSV or .xlsx however long the period. A chat export keeps
 * at most ANDY_STATS_EXPORT_DETAIL_ROWS records (a year can hold a million: more than an .xlsx sheet's
 * 1,048,576 rows, and minutes of writing); its summary sheets always cover every record.
 */

export const DETAIL_COLUMNS: readonly SheetColumn[] = [
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
]

const CONV: Record<string, string> = { '1': '单聊', '2': '群聊' }
const STATUS: Record<string, string> = { ok: '成功', failed: '失败', rejected: '被拒' }

/** A record as the 明细 shows it (会话类型 and 状态 in words). */
export function detailRow(r: UsageDetailRow): Record<string, unknown> {
  return {
    ...r,
    conversation_type: CONV[r.conversation_type ?? ''] ?? r.conversation_type,
    status: STATUS[r.status] ?? r.status,
  }
}

/** The command that writes every record of the filter (the hint when a chat export is capped). */
export function detailCommand(f: UsageStatsFilter, intents: readonly string[] = f.intents ?? []): string {
  const quote = (v: string) => (/^[\p{L}\p{N}_.:-]+$/u.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`)
  const args = ['andy stats', `--since ${f.from}`, `--until ${f.to}`]
  if (intents.length === 1) args.push(`--assistant ${quote(assistantName(intents[0]!))}`)
  if (f.userNick !== undefined) args.push(`--user ${quote(f.userNick)}`)
  if (f.groupName !== undefined) args.push(`--group ${quote(f.groupName)}`)
  if (f.consultContent !== undefined) args.push(`--content ${quote(f.consultContent)}`)
  if (f.conversationType !== undefined) args.push(`--type ${CONV[f.conversationType] ?? f.conversationType}`)
  return [...args, '--detail 明细.csv'].join(' ')
}

/** Every record of the filter as CSV (UTF-8 with BOM for Excel, CRLF), streamed: memory stays flat. */
export async function writeDetailCsv(db: UsageReadStore, f: UsageStatsFilter, path: string): Promise<number> {
  mkdirSync(dirname(path), { recursive: true })
  const out = createWriteStream(path)
  const failed = new Promise<never>((_, reject) => out.once('error', reject))
  const write = async (line: string) => {
    if (!out.write(line)) await Promise.race([once(out, 'drain'), failed])
  }
  await write(`\uFEFF${DETAIL_COLUMNS.map((c) => csvCell(c.header, true)).join(',')}\r\n`)
  let n = 0
  for await (const page of db.pages(f))
    for (const r of page) {
      const row = detailRow(r)
      await write(`${DETAIL_COLUMNS.map((c) => csvCell(row[c.key], true)).join(',')}\r\n`)
      n++
    }
  out.end()
  await Promise.race([once(out, 'finish'), failed])
  return n
}

/** Rows per 明细 sheet of the full .xlsx: under Excel's limit of 1,048,576 rows with the header. */
export const DETAIL_SHEET_ROWS = 1_000_000

/**
 * Every record of the filter as .xlsx (exceljs' streaming writer): 明细, 明细2, … of DETAIL_SHEET_ROWS
 * rows each, as many as `total` (the record count) needs.
 */
export async function writeDetailXlsx(
  db: UsageReadStore,
  f: UsageStatsFilter,
  total: number,
  path: string,
): Promise<number> {
  const it = rowsOf(db.pages(f))
  async function* take(n: number): AsyncGenerator<Record<string, unknown>> {
    for (let i = 0; i < n; i++) {
      const next = await it.next()
      if (next.done) return
      yield detailRow(next.value)
    }
  }
  const sheets: SheetSpec[] = Array.from({ length: Math.max(1, Math.ceil(total / DETAIL_SHEET_ROWS)) }, (_, i) => ({
    name: i === 0 ? '明细' : `明细${i + 1}`,
    columns: DETAIL_COLUMNS,
    rows: take(Math.min(DETAIL_SHEET_ROWS, EXCEL_MAX_ROWS - 1)),
  }))
  return (await writeWorkbook(path, sheets)).rows
}

async function* rowsOf(pages: AsyncIterable<UsageDetailRow[]>): AsyncGenerator<UsageDetailRow> {
  for await (const page of pages) yield* page
}
