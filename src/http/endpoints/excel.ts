import { PassThrough } from 'node:stream'
import { type ColumnKind, type SheetColumn, type SheetSpec, writeWorkbook } from '../../services/excel.js'
import { data, type Endpoint } from '../endpoint.js'
import { badRequest } from '../envelope.js'

/**
 * ABuildExcel: a multi-sheet .xlsx from JSON.
 * `sheets` = [{ "name": "客户", "columns": [{ "key": "kh_name", "header": "客户名称", "kind": "text" }], "rows": [{ "kh_name": "…" }] }]
 * - `columns` is optional: without it the columns are the keys of the rows (objects) or 列1…列N (arrays).
 * - `kind` is text | number | date | url (url cells become hyperlinks); `width` is optional (1–255).
 * - a row is an object keyed by column key, or an array in column order.
 * Answers the file as an attachment, or `{file_name, content_type, size, rows, base64}` with `as_base64=1`.
 */

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const KINDS = new Set<ColumnKind>(['text', 'number', 'date', 'url'])
const MAX_SHEETS = 50

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function columnsOf(path: string, raw: unknown, rows: unknown[]): SheetColumn[] {
  if (raw === undefined || raw === null) {
    const first = rows.find((r) => r !== null && r !== undefined)
    if (Array.isArray(first)) {
      const n = Math.max(...rows.map((r) => (Array.isArray(r) ? r.length : 0)))
      return Array.from({ length: n }, (_, i) => ({ key: String(i), header: `列${i + 1}` }))
    }
    const keys = new Set<string>()
    for (const r of rows) if (isObject(r)) for (const k of Object.keys(r)) keys.add(k)
    return [...keys].map((k) => ({ key: k, header: k }))
  }
  if (!Array.isArray(raw) || raw.length === 0)
    throw badRequest(`参数 sheets 格式不对：${path}.columns 应为非空数组，如 [{"key":"kh_name","header":"客户名称"}]`)
  return raw.map((c, i) => {
    const at = `${path}.columns[${i}]`
    if (typeof c === 'string') return { key: c, header: c }
    if (!isObject(c) || typeof c.key !== 'string' || !c.key)
      throw badRequest(`参数 sheets 格式不对：${at} 需要字符串 key（对应行里的字段名）`)
    if (c.header !== undefined && typeof c.header !== 'string')
      throw badRequest(`参数 sheets 格式不对：${at}.header 应为字符串`)
    if (c.kind !== undefined && !KINDS.has(c.kind as ColumnKind))
      throw badRequest(`参数 sheets 格式不对：${at}.kind 只能是 text、number、date、url`)
    if (c.width !== undefined && (typeof c.width !== 'number' || c.width < 1 || c.width > 255))
      throw badRequest(`参数 sheets 格式不对：${at}.width 应为 1 到 255 的数字`)
    return {
      key: c.key,
      header: (c.header as string | undefined) ?? c.key,
      kind: c.kind as ColumnKind | undefined,
      width: c.width as number | undefined,
    }
  })
}

/** Validates the `sheets` parameter; messages name the exact element that is wrong. */
export function parseSheets(v: unknown): SheetSpec[] {
  const list = isObject(v) ? [v] : v
  if (!Array.isArray(list) || list.length === 0)
    throw badRequest(
      '参数 sheets 应为非空 JSON 数组：[{"name":"Sheet1","columns":[{"key":"a","header":"A"}],"rows":[{"a":1}]}]',
    )
  if (list.length > MAX_SHEETS) throw badRequest(`参数 sheets 最多 ${MAX_SHEETS} 个工作表，收到 ${list.length} 个`)
  return list.map((s, i) => {
    const path = `sheets[${i}]`
    if (!isObject(s)) throw badRequest(`参数 sheets 格式不对：${path} 应为对象 {name, columns, rows}`)
    if (s.name !== undefined && typeof s.name !== 'string')
      throw badRequest(`参数 sheets 格式不对：${path}.name 应为字符串`)
    if (!Array.isArray(s.rows))
      throw badRequest(`参数 sheets 格式不对：${path}.rows 应为数组（每行一个对象，或按列顺序的数组）`)
    const rows = s.rows as unknown[]
    const columns = columnsOf(path, s.columns, rows)
    const objects = rows.map((r, j) => {
      if (Array.isArray(r)) return Object.fromEntries(columns.map((c, k) => [c.key, r[k]]))
      if (isObject(r)) return r
      if (r === null || r === undefined) return {}
      throw badRequest(`参数 sheets 格式不对：${path}.rows[${j}] 应为对象或数组`)
    })
    return { name: (s.name as string | undefined) || `Sheet${i + 1}`, columns, rows: objects }
  })
}

/** A safe download name ending in .xlsx. */
export function safeFileName(raw: string | undefined): string {
  const base =
    (raw ?? '')
      .replace(/[\\/:*?"<>|\u0000-\u001f]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 100) || 'andy'
  return /\.xlsx$/i.test(base) ? base : `${base}.xlsx`
}

async function toBuffer(sheets: SheetSpec[]): Promise<{ body: Buffer; rows: number }> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const ended = new Promise<void>((resolve, reject) => {
    out.on('end', resolve)
    out.on('error', reject)
  })
  const res = await writeWorkbook(out, sheets)
  await ended
  return { body: Buffer.concat(chunks), rows: res.rows }
}

export const buildExcelEndpoint: Endpoint = {
  action: 'ABuildExcel',
  summary: '生成多 Sheet 的 Excel 文件',
  tag: '文件',
  params: [
    {
      name: 'sheets',
      type: 'json',
      required: true,
      description: '工作表 JSON 数组：[{name, columns:[{key, header, kind?, width?}], rows:[{...}]}]',
    },
    { name: 'file_name', type: 'string', default: 'andy.xlsx', description: '下载文件名（自动补 .xlsx）' },
    {
      name: 'as_base64',
      type: 'integer',
      default: 0,
      min: 0,
      max: 1,
      description: '1：在 data 中返回 base64，而不是直接返回文件',
    },
  ],
  producesFile: true,
  response: {
    type: 'object',
    description: 'as_base64=1 时的 data',
    properties: {
      file_name: { type: 'string' },
      content_type: { type: 'string' },
      size: { type: 'integer' },
      rows: { type: 'integer', description: '数据行数（不含表头）' },
      base64: { type: 'string' },
    },
  },
  notes: `sheets 结构：${JSON.stringify([{ name: 'Sheet1', columns: [{ key: 'a', header: 'A', kind: 'text' }], rows: [{ a: 1 }] }])}；columns 可省略（取行的字段名）；行也可以是按列顺序的数组。`,
  async run({ values }) {
    const sheets = parseSheets(values.sheets)
    const fileName = safeFileName(values.file_name as string | undefined)
    const { body, rows } = await toBuffer(sheets)
    if (values.as_base64 === 1) {
      return data({
        file_name: fileName,
        content_type: XLSX_TYPE,
        size: body.length,
        rows,
        base64: body.toString('base64'),
      })
    }
    return { kind: 'file', fileName, contentType: XLSX_TYPE, body }
  },
}
