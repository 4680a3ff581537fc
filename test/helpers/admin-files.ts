import ExcelJS from 'exceljs'
import { buildZip } from './bombs.js'

/**
 * Spreadsheets as admins hand them over, built inside the tests: CSV text in GB18030 (what Excel on
 * Chinese Windows saves), UTF-16 LE/BE ("Unicode text"), workbooks with title rows, a 填写说明 sheet,
 * dates stored as serial numbers with Chinese Excel's built-in date formats.
 */

let gbTable: Map<string, number[]> | undefined

/** Text → GB18030 bytes (the reverse of Node's decoder over every one- and two-byte sequence). */
export function gb18030(text: string): Buffer {
  if (!gbTable) {
    gbTable = new Map()
    const dec = new TextDecoder('gb18030')
    for (let a = 0x81; a <= 0xfe; a++) {
      for (let b = 0x40; b <= 0xfe; b++) {
        if (b === 0x7f) continue
        const ch = dec.decode(new Uint8Array([a, b]))
        if (ch.length === 1 && ch !== '\uFFFD' && !gbTable.has(ch)) gbTable.set(ch, [a, b])
      }
    }
  }
  const out: number[] = []
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (code < 0x80) out.push(code)
    else {
      const bytes = gbTable.get(ch)
      if (!bytes) throw new Error(`no GB18030 two-byte code for ${ch}`)
      out.push(...bytes)
    }
  }
  return Buffer.from(out)
}

/** Text → UTF-16 with a BOM (Excel's "Unicode text"), little or big endian. */
export function utf16(text: string, endian: 'le' | 'be' = 'le', bom = true): Buffer {
  const le = Buffer.from(`${bom ? '\uFEFF' : ''}${text}`, 'utf16le')
  if (endian === 'le') return le
  const be = Buffer.alloc(le.length)
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1]!
    be[i + 1] = le[i]!
  }
  return be
}

export type Cell = string | number | Date | null | { merged: string }

/** An .xlsx (exceljs) with the given sheets; `{ merged }` in row 1 merges the title across the row. */
export async function workbook(sheets: ReadonlyArray<{ name: string; rows: Cell[][] }>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name)
    s.rows.forEach((r, i) => {
      const title = r.find((c): c is { merged: string } => typeof c === 'object' && c !== null && 'merged' in c)
      if (title) {
        ws.getRow(i + 1).getCell(1).value = title.merged
        ws.mergeCells(i + 1, 1, i + 1, Math.max(2, r.length))
      } else ws.getRow(i + 1).values = r as ExcelJS.CellValue[]
    })
  }
  return Buffer.from(await wb.xlsx.writeBuffer())
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
const PKG = 'http://schemas.openxmlformats.org/package/2006/relationships'
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * A one-sheet workbook written the way Chinese Excel writes dates: the cell holds the serial number
 * (45000) and its style points at built-in number format `numFmtId` (31 = yyyy"年"m"月"d"日", 57 =
 * yyyy"年"m"月"), which styles.xml does not spell out. Numbers in `dates` columns get that style.
 */
export function xlsxChineseDates(
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
  dateColumns: readonly number[],
  numFmtId = 31,
): Buffer {
  const col = (i: number) => String.fromCharCode(65 + i)
  const sheet = `${XML}<worksheet xmlns="${NS}"><sheetData>${rows
    .map(
      (r, ri) =>
        `<row r="${ri + 1}">${r
          .map((v, ci) => {
            const ref = `${col(ci)}${ri + 1}`
            if (typeof v === 'number') return `<c r="${ref}"${dateColumns.includes(ci) ? ' s="1"' : ''}><v>${v}</v></c>`
            return `<c r="${ref}" t="inlineStr"><is><t>${esc(v)}</t></is></c>`
          })
          .join('')}</row>`,
    )
    .join('')}</sheetData></worksheet>`
  const styles = `${XML}<styleSheet xmlns="${NS}"><fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="${numFmtId}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`
  return buildZip([
    {
      name: '[Content_Types].xml',
      data: `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`,
    },
    {
      name: '_rels/.rels',
      data: `${XML}<Relationships xmlns="${PKG}"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    {
      name: 'xl/workbook.xml',
      data: `${XML}<workbook xmlns="${NS}" xmlns:r="${REL}"><sheets><sheet name="案例" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: `${XML}<Relationships xmlns="${PKG}"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
    },
    { name: 'xl/styles.xml', data: styles },
    { name: 'xl/worksheets/sheet1.xml', data: sheet },
  ])
}
