import { basename, extname } from 'node:path'
import type { FileLimits } from '../core/file-limits.js'
import { describeFileError } from '../services/file-messages.js'
import { FileFormatError, openTableFile, type TableSource } from '../services/table-file.js'
import {
  type ColumnMap,
  FIELDS,
  mapColumns,
  parseCompletion,
  parseDate,
  parseMinutes,
  parseProgress,
} from './columns.js'
import { OpsReportError } from './errors.js'

/** One learner × course record, normalised. */
export interface LearningRecord {
  row: number
  learner: string
  learnerId?: string
  department: string
  course: string
  minutes: number
  completed: boolean
  /** 0..1 when the file has a progress column. */
  progress?: number
  date?: string
}

export interface RowProblem {
  row: number
  problem: string
}

export interface LearningData {
  records: LearningRecord[]
  problems: RowProblem[]
  columns: ColumnMap
  headers: string[]
}

export const NO_DEPARTMENT = '未填写部门'
/** Files beyond this many records are refused (a stage report covers one customer's period). */
export const MAX_RECORDS = 500_000

/** A reader's error in the words of the person who sent the file (chat, API, CLI alike). */
function fileProblem(err: FileFormatError, name: string): OpsReportError {
  const fe = err.fileError
  if (!fe) return new OpsReportError('bad_file', err.message)
  const code =
    fe.code === 'limit' ? 'too_large' : fe.code === 'timeout' || fe.detail.crashed ? 'file_failed' : 'bad_file'
  return new OpsReportError(code, describeFileError(fe, name))
}

/**
 * Reads an .xlsx/.csv path or the bytes of one (`fileName` gives the type), in a parsing worker
 * within the resource caps (`limits`, default: file-limits.ts).
 */
export async function readLearningData(
  source: { file: string } | { buffer: Uint8Array; fileName: string },
  limits?: FileLimits,
): Promise<LearningData> {
  const src: TableSource =
    'file' in source ? { path: source.file } : { buffer: source.buffer, fileName: source.fileName }
  const name = basename('file' in source ? source.file : source.fileName)
  const ext = extname(name).toLowerCase()
  if (ext !== '.xlsx' && ext !== '.csv')
    throw new OpsReportError('bad_file', `只支持 .xlsx 和 .csv 文件（收到「${name}」）。`)
  let table
  try {
    table = await openTableFile(src, undefined, limits)
  } catch (err) {
    if (err instanceof FileFormatError) throw fileProblem(err, name)
    throw err
  }
  try {
    return await readTable(table)
  } catch (err) {
    if (err instanceof FileFormatError) throw fileProblem(err, name)
    throw err
  } finally {
    await table.close()
  }
}

async function readTable(table: Awaited<ReturnType<typeof openTableFile>>): Promise<LearningData> {
  const columns = mapColumns(table.headers)
  const missing: Array<keyof ColumnMap['index']> = (['learner', 'course'] as const).filter(
    (f) => columns.index[f] === undefined,
  )
  if (
    columns.index.minutes === undefined &&
    columns.index.completion === undefined &&
    columns.index.progress === undefined
  )
    missing.push('minutes')
  if (missing.length) {
    const labels = missing.map((f) => FIELDS.find((s) => s.field === f)!.label)
    throw new OpsReportError(
      'missing_columns',
      `表格缺少列：${labels.join('、')}（学习时长、完成状态、完成率至少要有一列）。表头是：${table.headers.filter(Boolean).join('、') || '（空）'}。可接受的列名见 docs/stats.md。`,
    )
  }
  const records: LearningRecord[] = []
  const problems: RowProblem[] = []
  const cell = (values: readonly unknown[], f: keyof ColumnMap['index']) => {
    const i = columns.index[f]
    return i === undefined ? undefined : values[i]
  }
  const text = (v: unknown) => (v == null ? '' : v instanceof Date ? v.toISOString().slice(0, 10) : String(v).trim())
  try {
    for await (const r of table.rows) {
      const learner = text(cell(r.values, 'learner'))
      const course = text(cell(r.values, 'course'))
      if (!learner || !course) {
        problems.push({ row: r.rowNumber, problem: !learner ? '缺少学员' : '缺少课程' })
        continue
      }
      const rawMinutes = cell(r.values, 'minutes')
      const minutes = parseMinutes(rawMinutes, columns.unit)
      if (rawMinutes != null && rawMinutes !== '' && minutes === undefined)
        problems.push({ row: r.rowNumber, problem: `学习时长「${text(rawMinutes)}」看不懂，按 0 计` })
      const progress = parseProgress(cell(r.values, 'progress'))
      const completion = parseCompletion(cell(r.values, 'completion'))
      const rawDate = cell(r.values, 'date')
      const date = parseDate(rawDate)
      if (rawDate != null && rawDate !== '' && !date)
        problems.push({ row: r.rowNumber, problem: `日期「${text(rawDate)}」看不懂` })
      records.push({
        row: r.rowNumber,
        learner,
        learnerId: text(cell(r.values, 'learnerId')) || undefined,
        department: text(cell(r.values, 'department')) || NO_DEPARTMENT,
        course,
        minutes: minutes ?? 0,
        completed: completion ?? (progress !== undefined ? progress >= 1 : false),
        progress,
        date,
      })
      if (records.length > MAX_RECORDS)
        throw new OpsReportError(
          'too_large',
          `记录超过 ${MAX_RECORDS.toLocaleString('en-US')} 条，请按阶段或部门拆分后再生成报告。`,
        )
    }
  } catch (err) {
    if (err instanceof OpsReportError || err instanceof FileFormatError) throw err
    throw new OpsReportError('bad_file', `表格读不出来：${(err as Error).message}`)
  }
  if (records.length === 0) throw new OpsReportError('no_rows', '表格里没有可用的学习记录（需要学员和课程）。')
  return { records, problems, columns, headers: table.headers }
}
