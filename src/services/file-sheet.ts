import { Readable } from 'node:stream'
import ExcelJS from 'exceljs'
import { checkDeadline, FileError, TextBuffer, type Extracted, type ExtractLimits } from './file-common.js'

/**
 * XLSX text through exceljs' streaming reader (rows are read one at a time, so a 20 MB workbook does
 * not become a 1 GB object tree): each sheet as a `## 工作表：name` heading, then one line per row with
 * the cells joined by " | ". Reading stops once maxChars is reached.
 */

function cellText(v: unknown): string {
  if (v == null) return ''
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, v.getUTCHours() || v.getUTCMinutes() ? 16 : 10).replace('T', ' ')
  if (typeof v === 'object') {
    const o = v as { richText?: Array<{ text?: string }>; text?: unknown; result?: unknown; error?: string; hyperlink?: string }
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text ?? '').join('')
    if ('result' in o) return cellText(o.result)
    if (o.text !== undefined) return cellText(o.text)
    if (o.error) return o.error
    return ''
  }
  return String(v).replace(/\s*\n\s*/g, ' ').trim()
}

export async function extractXlsx(buffer: Uint8Array, limits: ExtractLimits): Promise<Extracted> {
  const out = new TextBuffer(limits.maxChars)
  const sheets: string[] = []
  let rows = 0
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength)), {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  })
  try {
    outer: for await (const ws of reader) {
      const name = (ws as unknown as { name?: string }).name ?? `Sheet${sheets.length + 1}`
      sheets.push(name)
      if (!out.push(`## 工作表：${name}\n`)) break
      for await (const row of ws) {
        if (++rows % 500 === 0) checkDeadline(limits, 'the workbook')
        const values = (row.values as unknown[]).slice(1).map(cellText)
        while (values.length && values[values.length - 1] === '') values.pop()
        if (!values.length) continue
        if (!out.push(`${values.join(' | ')}\n`)) break outer
      }
      if (!out.push('\n')) break
    }
  } catch (err) {
    if (err instanceof FileError) throw err
    throw new FileError('corrupt', `not a readable XLSX: ${(err as Error).message}`, { kind: 'xlsx' })
  }
  if (rows === 0) throw new FileError('empty', 'the workbook has no rows', { kind: 'xlsx' })
  const text = out.text()
  return { kind: 'xlsx', text, chars: text.length, truncated: out.truncated, sheets, headings: sheets.map((s) => `工作表：${s}`) }
}
