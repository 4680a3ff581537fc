import { createHash } from 'node:crypto'
import { readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { AppConfig } from '../config.js'
import type { Row } from '../db/case-search.js'
import { caseColumns } from '../services/case-export.js'
import { EXCEL_MAX_ROWS, type SheetColumn, writeWorkbook } from '../services/excel.js'
import { exportDir } from '../stats/files.js'
import { type AppliedFilter, describeFilter } from '../tables/conditions.js'
import type { TableSpec } from '../tables/index.js'

/**
 * 导出 after a search: every matching row into .xlsx — a 结果 sheet with the table's Chinese headers
 * (the same columns `andy export` writes and `andy import` reads) and a 查询条件 sheet saying what was
 * asked, which filters applied and which were relaxed, who exported and when.
 * DingTalk takes files up to 20 MB: a workbook is closed once it nears PART_BYTES and the rows go on in
 * the next part (每个部分都带查询条件). Sizes are watched on disk while writing, so memory stays flat.
 */

export const MB = 1024 * 1024
/** Aim per part: under DingTalk's 20 MB with room for what is written after the size check. */
export const PART_BYTES = 18 * MB
export const MAX_FILE_BYTES = 20 * MB
/** Larger exports are refused with the row count (≥ 5 files, 10+ OpenAPI calls of the monthly quota). */
export const MAX_EXPORT_ROWS = 200_000
/** Chat exports older than this are deleted when the next export runs. */
export const KEEP_EXPORTS_MS = 24 * 3600_000
/** Written after the rows (hyperlink relationships, the conditions sheet): budgeted per link. */
const BYTES_PER_LINK = 60
const SIZE_CHECK_EVERY = 100

export interface ExportConditions {
  sentence: string
  filters: readonly AppliedFilter[]
  relaxed: readonly AppliedFilter[]
  /** "张三（u-zhang）" */
  who: string
  /** "销售支持群" or "单聊" */
  where: string
  /** China time, "2026-11-28 10:00:00" */
  when: string
}

export interface ExportPart {
  path: string
  /** Name shown in DingTalk. */
  fileName: string
  rows: number
  bytes: number
  /** 1-based positions of the part's first and last row in the whole result. */
  from: number
  to: number
}

export interface SearchExportRequest {
  spec: TableSpec
  rows: Iterable<Row>
  total: number
  conditions: ExportConditions
  dir: string
  /** File name without extension: 内容客户案例-20261128-1000. */
  baseName: string
  /** Unique per export (the message id): keeps concurrent exports apart. */
  key: string
  partBytes?: number
  maxRowsPerPart?: number
}

/** Chat exports live in their own folder under the generated-files folder, so cleaning them touches nothing else. */
export function searchExportDir(config: Pick<AppConfig, 'dbPath'>): string {
  return join(exportDir(config), 'search')
}

/** A file name without characters Windows, DingTalk or a shell would trip over. */
export function safeBaseName(s: string): string {
  return (
    s
      .replace(/[\\/:*?"<>|\u0000-\u001f]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 80) || 'andy'
  )
}

const CONDITION_COLUMNS: SheetColumn[] = [
  { key: 'item', header: '项目', width: 14 },
  { key: 'value', header: '内容', width: 80, wrap: true },
]

function conditionRows(
  spec: TableSpec,
  total: number,
  c: ExportConditions,
  part: { no: number; from: number; to: number } | undefined,
): Array<Record<string, unknown>> {
  const filters = [...c.filters].sort((a, b) => b.priority - a.priority)
  return [
    { item: '查询语句', value: c.sentence || '（无）' },
    { item: '数据', value: spec.title },
    { item: '筛选条件', value: filters.length ? filters.map(describeFilter).join('；') : '无（全部数据）' },
    {
      item: '放宽的条件',
      value: c.relaxed.length
        ? `${c.relaxed.map(describeFilter).join('；')}（完全符合的结果为 0，已去掉这些条件）`
        : '无',
    },
    { item: '结果条数', value: total },
    {
      item: '本文件',
      value: part
        ? `第 ${part.no} 部分：第 ${part.from}–${part.to} 条（文件超过 20 MB 时分成多个部分）`
        : `全部 ${total} 条`,
    },
    { item: '排序', value: '按时间从新到旧' },
    { item: '导出人', value: c.who },
    { item: '会话', value: c.where },
    { item: '导出时间', value: c.when },
  ]
}

/** Deletes exports older than KEEP_EXPORTS_MS (best effort). */
export function cleanOldExports(dir: string, now = Date.now()): number {
  let removed = 0
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return 0
  }
  for (const name of names) {
    if (!name.endsWith('.xlsx')) continue
    const p = join(dir, name)
    try {
      if (now - statSync(p).mtimeMs > KEEP_EXPORTS_MS) {
        rmSync(p, { force: true })
        removed++
      }
    } catch {
      // gone already, or not ours to delete
    }
  }
  return removed
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

/**
 * Writes the export; more than one part only when the file would pass PART_BYTES (or Excel's row
 * limit). Returns the parts in order. Never writes an empty workbook: call it with total > 0.
 */
export async function exportSearch(req: SearchExportRequest): Promise<ExportPart[]> {
  const partBytes = req.partBytes ?? PART_BYTES
  const maxRows = Math.min(req.maxRowsPerPart ?? EXCEL_MAX_ROWS - 1, EXCEL_MAX_ROWS - 1)
  const columns = caseColumns(req.spec)
  const linkKeys = columns.filter((c) => c.kind === 'url').map((c) => c.key)
  const hash = createHash('sha1').update(req.key).digest('hex').slice(0, 8)
  const it = req.rows[Symbol.iterator]()
  let peeked = it.next()
  const parts: ExportPart[] = []
  let written = 0
  while (!peeked.done) {
    const no = parts.length + 1
    const path = join(req.dir, `${safeBaseName(req.baseName)}-${hash}-${no}.xlsx`)
    const from = written + 1
    let inPart = 0
    let links = 0
    // Rows until the file on disk (plus what is still to come after the rows) nears the part size.
    const rows = function* (): Generator<Row> {
      while (!peeked.done) {
        if (inPart >= maxRows) return
        if (inPart > 0 && inPart % SIZE_CHECK_EVERY === 0 && sizeOf(path) + links * BYTES_PER_LINK > partBytes) return
        const row = peeked.value
        for (const k of linkKeys) if (row[k]) links++
        inPart++
        yield row
        peeked = it.next()
      }
    }
    const more = () => !peeked.done
    // The conditions sheet is written after the rows, so it knows whether this part is the last.
    const conditions = function* (): Generator<Record<string, unknown>> {
      const split = no > 1 || more()
      yield* conditionRows(req.spec, req.total, req.conditions, split ? { no, from, to: written + inPart } : undefined)
    }
    const res = await writeWorkbook(path, [
      { name: '结果', columns, rows: rows(), autoFilter: true },
      { name: '查询条件', columns: CONDITION_COLUMNS, rows: conditions(), frozen: false },
    ])
    written += inPart
    if (res.bytes > MAX_FILE_BYTES) throw new Error(`export part ${no} is ${res.bytes} bytes, over ${MAX_FILE_BYTES}`)
    parts.push({ path, fileName: '', rows: inPart, bytes: res.bytes, from, to: written })
  }
  const base = safeBaseName(req.baseName)
  for (const p of parts) p.fileName = parts.length === 1 ? `${base}.xlsx` : `${base}-第${parts.indexOf(p) + 1}部分.xlsx`
  return parts
}
