import { checkDeadline, type Extracted, type ExtractLimits, FileError, TextBuffer } from './file-common.js'
import { type CellValue, readXlsx } from './xlsx-rows.js'
import type { GuardedZip } from './zip-guard.js'

/**
 * XLSX text for 报告解读 (xlsx-rows.ts reads the rows; the zip was checked by the GuardedZip): each sheet
 * as a `## 工作表：name` heading, then one line per row with the cells joined by " | ". Reading stops as
 * soon as maxChars is reached — the rest of the workbook is never parsed.
 */

function cellText(v: CellValue): string {
  if (v == null) return ''
  if (v instanceof Date)
    return v
      .toISOString()
      .slice(0, v.getUTCHours() || v.getUTCMinutes() ? 16 : 10)
      .replace('T', ' ')
  return String(v)
    .replace(/\s*\n\s*/g, ' ')
    .trim()
}

export async function extractXlsx(zip: GuardedZip, limits: ExtractLimits): Promise<Extracted> {
  const out = new TextBuffer(limits.maxChars)
  const sheets: string[] = []
  let rows = 0
  try {
    outer: for await (const sheet of readXlsx(zip, limits.files, { errorText: true })) {
      sheets.push(sheet.name)
      if (!out.push(`## 工作表：${sheet.name}\n`)) break
      for await (const row of sheet.rows) {
        if (++rows % 500 === 0) checkDeadline(limits, 'the workbook')
        const values = row.values.map(cellText)
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
  return {
    kind: 'xlsx',
    text,
    chars: text.length,
    truncated: out.truncated,
    sheets,
    headings: sheets.map((s) => `工作表：${s}`),
  }
}
