/**
 * input_type 1 (kng): learning records exported from a customer's learning platform, one row per
 * learner × course. The accepted headers (case, spaces and brackets ignored) are listed in
 * docs/stats.md; the first header that matches a field wins.
 */

export type LearningField =
  | 'learner'
  | 'learnerId'
  | 'department'
  | 'course'
  | 'minutes'
  | 'completion'
  | 'progress'
  | 'date'

export interface FieldSpec {
  field: LearningField
  label: string
  headers: readonly string[]
}

export const FIELDS: readonly FieldSpec[] = [
  {
    field: 'learner',
    label: '学员',
    headers: ['学员', '学员姓名', '姓名', '员工姓名', '用户姓名', '学习者', '用户名', '用户', 'learner', 'name'],
  },
  {
    field: 'learnerId',
    label: '工号',
    headers: ['工号', '员工编号', '员工工号', '用户id', '账号', '帐号', 'userid', 'employeeid'],
  },
  {
    field: 'department',
    label: '部门',
    headers: ['部门', '所属部门', '部门名称', '一级部门', '组织', '所属组织', '组织名称', 'department'],
  },
  {
    field: 'course',
    label: '课程',
    headers: ['课程', '课程名称', '课程名', '知识名称', '学习内容', '资源名称', '项目名称', 'course'],
  },
  {
    field: 'minutes',
    label: '学习时长',
    headers: [
      '学习时长分钟',
      '学习时长小时',
      '学习时长秒',
      '学习时长',
      '累计学习时长',
      '时长分钟',
      '时长小时',
      '时长',
      '学习用时',
      'studyminutes',
      'studyhours',
      'duration',
    ],
  },
  {
    field: 'completion',
    label: '完成状态',
    headers: ['完成状态', '是否完成', '完成情况', '学习状态', '状态', 'completed', 'status'],
  },
  { field: 'progress', label: '完成率', headers: ['完成率', '学习进度', '进度', '完成进度', 'progress'] },
  {
    field: 'date',
    label: '学习日期',
    headers: ['学习日期', '日期', '完成时间', '最近学习时间', '最后学习时间', '学习时间', '开始学习时间', 'date'],
  },
]

/** Header text reduced for matching: no spaces, brackets or punctuation, lower case. */
export function normalizeHeader(h: string): string {
  return h
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s()（）[\]【】_\-:：/]/g, '')
}

export type DurationUnit = 'minutes' | 'hours' | 'seconds'

export interface ColumnMap {
  index: Partial<Record<LearningField, number>>
  /** Unit of a plain number in the duration column (from its header; default minutes). */
  unit: DurationUnit
  /** Headers that matched, for the report's data notes. */
  matched: Partial<Record<LearningField, string>>
}

export function mapColumns(headers: readonly string[]): ColumnMap {
  const norm = headers.map(normalizeHeader)
  const map: ColumnMap = { index: {}, unit: 'minutes', matched: {} }
  const used = new Set<number>()
  for (const spec of FIELDS) {
    for (const h of spec.headers) {
      const i = norm.findIndex((n, idx) => !used.has(idx) && n === normalizeHeader(h))
      if (i >= 0) {
        map.index[spec.field] = i
        map.matched[spec.field] = headers[i]!
        used.add(i)
        break
      }
    }
  }
  const durationHeader = map.matched.minutes ? normalizeHeader(map.matched.minutes) : ''
  map.unit = /小时|hour/.test(durationHeader)
    ? 'hours'
    : /秒|second/.test(durationHeader) && !/分/.test(durationHeader)
      ? 'seconds'
      : 'minutes'
  return map
}

/** Minutes from a cell: 45 (in the column's unit), "1.5小时", "1小时20分", "01:20:00", "80分钟". */
export function parseMinutes(v: unknown, unit: DurationUnit): number | undefined {
  if (v == null || v === '') return undefined
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? toMinutes(v, unit) : undefined
  const s = String(v).normalize('NFKC').trim()
  const hms = /^(\d+):(\d{1,2})(?::(\d{1,2}))?$/.exec(s)
  if (hms) return Number(hms[1]) * 60 + Number(hms[2]) + (hms[3] ? Number(hms[3]) / 60 : 0)
  const cn =
    /^(?:(\d+(?:\.\d+)?)\s*(?:小时|h|时))?\s*(?:(\d+(?:\.\d+)?)\s*(?:分钟|分|min|m))?\s*(?:(\d+(?:\.\d+)?)\s*(?:秒|s))?$/i.exec(
      s,
    )
  if (cn && (cn[1] || cn[2] || cn[3])) return Number(cn[1] ?? 0) * 60 + Number(cn[2] ?? 0) + Number(cn[3] ?? 0) / 60
  const n = Number(s.replace(/,/g, ''))
  return Number.isFinite(n) && n >= 0 ? toMinutes(n, unit) : undefined
}

function toMinutes(n: number, unit: DurationUnit): number {
  return unit === 'hours' ? n * 60 : unit === 'seconds' ? n / 60 : n
}

const DONE = /^(已完成|完成|已学完|学完|是|y|yes|true|1|通过|已通过|合格|completed|done|finished)$/i
const NOT_DONE =
  /^(未完成|未学完|否|n|no|false|0|学习中|进行中|未开始|未学习|不合格|未通过|incomplete|in ?progress|not ?started)$/i

/** true / false from a completion cell; undefined when unreadable. */
export function parseCompletion(v: unknown): boolean | undefined {
  if (v == null || v === '') return undefined
  if (typeof v === 'boolean') return v
  if (typeof v === 'number') return v >= 1
  const s = String(v).normalize('NFKC').trim()
  if (DONE.test(s)) return true
  if (NOT_DONE.test(s)) return false
  const p = parseProgress(s)
  return p === undefined ? undefined : p >= 1
}

/** Progress 0..1 from "80%", 0.8, 80. */
export function parseProgress(v: unknown): number | undefined {
  if (v == null || v === '') return undefined
  const s = typeof v === 'number' ? String(v) : String(v).normalize('NFKC').trim()
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(s)
  if (pct) return Math.min(1, Number(pct[1]) / 100)
  const n = Number(s)
  if (!Number.isFinite(n) || n < 0) return undefined
  return Math.min(1, n > 1 ? n / 100 : n)
}

/** "2026-11-05" from a Date cell, an Excel serial, or "2026/11/5 10:00", "2026年11月5日". */
export function parseDate(v: unknown): string | undefined {
  if (v == null || v === '') return undefined
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString().slice(0, 10)
  if (typeof v === 'number') {
    // Excel serial day (1900 system): 45000 ≈ 2023-03-15.
    if (v > 20_000 && v < 80_000) return new Date(Math.round((v - 25569) * 86_400_000)).toISOString().slice(0, 10)
    return undefined
  }
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})/.exec(String(v).normalize('NFKC').trim())
  if (!m) return undefined
  const iso = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`
  const d = new Date(`${iso}T00:00:00Z`)
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? undefined : iso
}
