import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'csv-parse/sync'
import { csvCell } from '../core/csv.js'
import { type PromptStepInput, REPORT_FIELDS, type ReportPromptInput, STEP_FIELDS } from '../db/prompts.js'
import { type PromptStore, storesOf } from '../db/stores/index.js'
import type { Logger } from '../logger.js'
import { FileFormatError } from '../services/file-common.js'
import { reportVariables, variablesFor } from './activity-steps.js'
import { checkTemplate, TemplateError } from './template.js'

/**
 * Prompt sheets with the seed's Chinese labels (提示词版本, 步骤类型, 步骤名称, 提示词, 步骤1…; 应用分类,
 * 应用名称 …): import (xlsx/csv, every template checked against its step's variables), export, and the
 * default set in data/prompts/ loaded into empty tables.
 */

export type PromptKind = 'steps' | 'report'

export const STEP_COLUMNS: ReadonlyArray<{ name: string; label: string }> = [
  { name: 'version', label: '提示词版本' },
  { name: 'step_type', label: '步骤类型' },
  { name: 'step_name', label: '步骤名称' },
  { name: 'prompt', label: '提示词' },
  ...STEP_FIELDS.map((f, i) => ({ name: f, label: `步骤${i + 1}` })),
]

export const REPORT_COLUMNS: ReadonlyArray<{ name: string; label: string }> = [
  { name: 'app_catalog', label: '应用分类' },
  { name: 'app_name', label: '应用名称' },
  { name: 'app_id', label: '应用id' },
  { name: 'app_url', label: '应用地址' },
  { name: 'currNodeInstanceId', label: '节点实例id' },
  { name: 'order_index', label: '排序' },
  { name: 'prompt', label: '主提示词' },
  { name: 'step1', label: '步骤1' },
  { name: 'step2', label: '步骤2' },
  { name: 'step3', label: '步骤3' },
]

export const DEFAULT_PROMPTS_DIR = fileURLToPath(new URL('../../data/prompts/', import.meta.url))
export const DEFAULT_FILES: Record<PromptKind, string> = { steps: 'prompt-steps.csv', report: 'report-prompts.csv' }

export class PromptFileError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message)
    this.name = 'PromptFileError'
  }
}

function norm(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/[\s_\-()（）]/g, '')
    .toLowerCase()
}

function headerMap(
  headers: readonly string[],
  columns: ReadonlyArray<{ name: string; label: string }>,
): Map<number, string> {
  const lookup = new Map<string, string>()
  for (const c of columns) {
    lookup.set(norm(c.name), c.name)
    lookup.set(norm(c.label), c.name)
  }
  lookup.set(norm('主提示词'), 'prompt')
  const out = new Map<number, string>()
  headers.forEach((h, i) => {
    const col = lookup.get(norm(h))
    if (col && ![...out.values()].includes(col)) out.set(i, col)
  })
  return out
}

/** Which table a sheet is for, from its headers. */
export function detectKind(headers: readonly string[]): PromptKind | undefined {
  const names = new Set(headers.map(norm))
  if (names.has(norm('步骤类型')) || names.has('steptype')) return 'steps'
  if (names.has(norm('应用名称')) || names.has('appname') || names.has(norm('应用分类'))) return 'report'
  return undefined
}

function text(v: unknown): string | null {
  if (v == null) return null
  const s = String(v).replace(/\r\n/g, '\n').trim()
  return s === '' ? null : s
}

/** Checks one row's templates; returns problems (with the row number) instead of throwing. */
function checkStepRow(r: PromptStepInput, rowNo: number): string[] {
  const problems: string[] = []
  const where = (n: number) =>
    `第 ${rowNo} 行（${r.step_type}${r.step_name ? ` ${r.step_name}` : ''}）${n === 0 ? '提示词' : `步骤${n}`}`
  const templates: Array<[number, string | null | undefined]> = [
    [0, r.prompt],
    ...STEP_FIELDS.map((f, i) => [i + 1, r.steps?.[f]] as [number, string | null | undefined]),
  ]
  for (const [n, t] of templates) {
    if (!t) continue
    try {
      checkTemplate(t, variablesFor(r.step_type, n), where(n))
    } catch (err) {
      if (err instanceof TemplateError) problems.push(err.message)
      else throw err
    }
  }
  return problems
}

function checkReportRow(r: ReportPromptInput, rowNo: number): string[] {
  const problems: string[] = []
  const templates: Array<[number, string | null]> = [
    [0, r.prompt],
    [1, r.step1],
    [2, r.step2],
    [3, r.step3],
  ]
  for (const [n, t] of templates) {
    if (!t) continue
    try {
      checkTemplate(t, reportVariables(n), `第 ${rowNo} 行（${r.app_name ?? ''}）${n === 0 ? '主提示词' : `步骤${n}`}`)
    } catch (err) {
      if (err instanceof TemplateError) problems.push(err.message)
      else throw err
    }
  }
  return problems
}

export interface ParsedPrompts {
  kind: PromptKind
  steps: PromptStepInput[]
  reports: ReportPromptInput[]
  problems: string[]
}

/** Turns sheet rows (already split into header + values) into prompt rows, checking every template. */
export function promptRowsFrom(
  headers: readonly string[],
  rows: ReadonlyArray<{ rowNumber: number; values: readonly unknown[] }>,
  kind?: PromptKind,
): ParsedPrompts {
  const k = kind ?? detectKind(headers)
  if (!k)
    throw new PromptFileError(
      `看不出这是哪种提示词表：表头需要有「步骤类型」（提示词步骤表）或「应用名称」（报告解读提示词表）。表头：${headers.join(', ')}`,
    )
  const map = headerMap(headers, k === 'steps' ? STEP_COLUMNS : REPORT_COLUMNS)
  const out: ParsedPrompts = { kind: k, steps: [], reports: [], problems: [] }
  for (const { rowNumber, values } of rows) {
    const rec: Record<string, string | null> = {}
    for (const [i, col] of map) rec[col] = text(values[i])
    if (k === 'steps') {
      if (!rec.step_type) {
        if (Object.values(rec).some(Boolean)) out.problems.push(`第 ${rowNumber} 行：缺少「步骤类型」`)
        continue
      }
      const row: PromptStepInput = {
        version: rec.version ?? '1.0',
        step_type: rec.step_type,
        step_name: rec.step_name,
        prompt: rec.prompt,
        steps: Object.fromEntries(STEP_FIELDS.map((f) => [f, rec[f] ?? null])),
      }
      out.problems.push(...checkStepRow(row, rowNumber))
      out.steps.push(row)
    } else {
      if (!rec.app_name && !rec.prompt) continue
      const order = Number(rec.order_index ?? 0)
      const row = Object.fromEntries(REPORT_FIELDS.map((f) => [f, rec[f] ?? null])) as unknown as ReportPromptInput
      row.order_index = Number.isFinite(order) ? Math.trunc(order) : 0
      out.problems.push(...checkReportRow(row, rowNumber))
      out.reports.push(row)
    }
  }
  return out
}

export interface PromptImportReport {
  kind: PromptKind
  inserted: number
  deleted: number
  versions: string[]
}

/** Imports a prompt sheet (.xlsx/.csv). Nothing is written when any template has a problem. */
export async function importPromptFile(
  prompts: PromptStore,
  path: string,
  kind?: PromptKind,
): Promise<PromptImportReport> {
  // The table reader (and its worker pool) only for an import: andy start and andy ask load prompts from CSV.
  const { openTableFile } = await import('../services/table-file.js')
  const file = await openTableFile(path)
  const rows: Array<{ rowNumber: number; values: readonly unknown[] }> = []
  for await (const r of file.rows) rows.push(r)
  const parsed = promptRowsFrom(file.headers, rows, kind)
  return writeParsed(prompts, parsed)
}

async function writeParsed(prompts: PromptStore, parsed: ParsedPrompts): Promise<PromptImportReport> {
  if (parsed.problems.length)
    throw new PromptFileError(`提示词表有 ${parsed.problems.length} 处问题，没有导入任何内容`, parsed.problems)
  if (parsed.kind === 'steps') {
    if (!parsed.steps.length) throw new PromptFileError('文件里没有提示词步骤')
    const r = await prompts.replaceVersions(parsed.steps)
    return { kind: 'steps', ...r, versions: [...new Set(parsed.steps.map((s) => s.version))] }
  }
  if (!parsed.reports.length) throw new PromptFileError('文件里没有报告解读提示词')
  return { kind: 'report', ...(await prompts.replaceReports(parsed.reports)), versions: [] }
}

/** Writes a prompt table to .xlsx or .csv (UTF-8 with BOM) with the Chinese labels. Returns the row count. */
export async function exportPrompts(
  prompts: PromptStore,
  out: string,
  kind: PromptKind,
  version?: string,
): Promise<number> {
  const columns = kind === 'steps' ? STEP_COLUMNS : REPORT_COLUMNS
  const rows = (kind === 'steps' ? await prompts.steps({ version }) : await prompts.reports()) as unknown as Array<
    Record<string, unknown>
  >
  const ext = extname(out).toLowerCase()
  if (ext === '.csv') {
    mkdirSync(dirname(out), { recursive: true })
    const lines = [
      columns.map((c) => csvCell(c.label)).join(','),
      ...rows.map((r) => columns.map((c) => csvCell(r[c.name])).join(',')),
    ]
    writeFileSync(out, `\uFEFF${lines.join('\r\n')}\r\n`)
    return rows.length
  }
  if (ext !== '.xlsx') throw new FileFormatError(`只支持导出为 .xlsx 或 .csv（收到 ${ext || '无扩展名'}）`)
  const { writeWorkbook } = await import('../services/excel.js')
  const res = await writeWorkbook(out, [
    {
      name: kind === 'steps' ? '提示词步骤' : '报告解读提示词',
      columns: columns.map((c) => ({
        key: c.name,
        header: c.label,
        width: c.name.startsWith('step') || c.name === 'prompt' ? 60 : undefined,
      })),
      rows,
    },
  ])
  return res.rows
}

/** Parses one of the default CSV files (small; read once when a table is empty). */
function readDefault(kind: PromptKind, dir: string): ParsedPrompts | undefined {
  const path = `${dir}${DEFAULT_FILES[kind]}`
  if (!existsSync(path)) return undefined
  const records = parse(readFileSync(path), {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
  }) as unknown[][]
  const [headers, ...rest] = records
  if (!headers) return undefined
  return promptRowsFrom(
    headers.map(String),
    rest.map((values, i) => ({ rowNumber: i + 2, values })),
    kind,
  )
}

/** Loads data/prompts/ into whichever prompt table is empty. Returns lines to print / log. */
export async function loadDefaultPrompts(
  prompts: PromptStore,
  opts: { force?: boolean; dir?: string } = {},
): Promise<string[]> {
  const dir = opts.dir ?? DEFAULT_PROMPTS_DIR
  const lines: string[] = []
  for (const kind of ['steps', 'report'] as const) {
    const n = kind === 'steps' ? await prompts.countSteps() : await prompts.countReports()
    const name = kind === 'steps' ? '提示词步骤' : '报告解读提示词'
    if (n > 0 && !opts.force) {
      lines.push(`· ${name}: 已有 ${n} 行，跳过`)
      continue
    }
    const parsed = readDefault(kind, dir)
    if (!parsed) {
      lines.push(`· ${name}: 缺少 ${dir}${DEFAULT_FILES[kind]}`)
      continue
    }
    const r = await writeParsed(prompts, parsed)
    lines.push(`✔ ${name}: 载入默认提示词 ${r.inserted} 行`)
  }
  return lines
}

/**
 * The prompt store of an app (SQLite or PostgreSQL), with the default prompts loaded first when the
 * table a feature reads (`kind`) is empty — so the LLM pipelines work out of the box.
 */
export async function seededPrompts(
  ctx: { readonly deps: Parameters<typeof storesOf>[0]; readonly logger: Pick<Logger, 'info'> },
  kind: PromptKind,
): Promise<PromptStore> {
  const prompts = storesOf(ctx.deps).llm.prompts
  if ((kind === 'steps' ? await prompts.countSteps() : await prompts.countReports()) === 0)
    for (const line of await loadDefaultPrompts(prompts)) ctx.logger.info({ line }, 'default prompts loaded')
  return prompts
}

/**
 * Copies each prompt table that is empty in `to` from `from` (andy migrate, moving from the single file to
 * PostgreSQL: the prompts imported there come along). Returns the rows copied per table.
 */
export async function copyPrompts(from: PromptStore, to: PromptStore): Promise<{ steps: number; reports: number }> {
  let steps = 0
  let reports = 0
  if ((await to.countSteps()) === 0) {
    const rows = await from.steps()
    if (rows.length)
      steps = (
        await to.replaceVersions(
          rows
            .sort((a, b) => a.id - b.id)
            .map((r) => ({
              version: r.version,
              step_type: r.step_type,
              step_name: r.step_name,
              prompt: r.prompt,
              steps: Object.fromEntries(STEP_FIELDS.map((f) => [f, r[f]])),
            })),
        )
      ).inserted
  }
  if ((await to.countReports()) === 0) {
    const rows = await from.reports()
    if (rows.length) reports = (await to.replaceReports(rows.map(({ id: _id, ...r }) => r))).inserted
  }
  return { steps, reports }
}
