import type { Readable } from 'node:stream'
import type ExcelJS from 'exceljs'
import type { FileLimits } from '../core/file-limits.js'
import { FileError, limitError } from './file-common.js'
import type { GuardedZip } from './zip-guard.js'

/**
 * XLSX rows, sheet by sheet in tab order, for every reader of workbooks (报告解读, `andy import`, the
 * ops report). exceljs parses the XML (its streaming WorkbookReader's parsers, row by row), but the
 * zip is read here, through the GuardedZip: workbook, relationships, shared strings and styles first,
 * then each worksheet. exceljs' own single streaming pass over the zip reads parts in stored order and
 * loses late parts on Node ≥ 18 — with the shared strings after the worksheets (as Excel writes them)
 * cells came back as {sharedString: n} (issue 12.2). Here the order in the file does not matter.
 * Caps while reading: rows (and row numbers), columns, cells and characters (FileError 'limit').
 */

export type CellValue = string | number | boolean | Date | null

export interface XlsxRow {
  /** 1-based row number as Excel shows it. */
  readonly number: number
  /** values[i] is column i+1; empty cells are null. */
  readonly values: CellValue[]
}

export interface XlsxSheet {
  readonly name: string
  /** 0-based position among the sheets read. */
  readonly index: number
  readonly rows: AsyncIterable<XlsxRow>
}

export interface XlsxReadOptions {
  /** Hyperlink cells give their target URL instead of their text (import: a 方案链接 column). */
  readonly hyperlinkTargets?: boolean
  /** Error cells (#N/A…) as their text instead of null. */
  readonly errorText?: boolean
  /** Only the first sheet (tab order). */
  readonly firstSheetOnly?: boolean
  /** Only the sheet at this position (0-based, tab order); the others are not inflated. */
  readonly sheetIndex?: number
}

/**
 * Excel's built-in number formats 27–36 and 50–58 are dates (and a few times) in Chinese Excel, but
 * styles.xml names only their id, and exceljs knows them for no locale: such cells came back as serial
 * numbers (45000). They get their zh-CN format codes here, so they are read as dates.
 */
const CJK_DATE_FORMATS: Record<number, string> = {
  27: 'yyyy"年"m"月"',
  28: 'm"月"d"日"',
  29: 'm"月"d"日"',
  30: 'm-d-yy',
  31: 'yyyy"年"m"月"d"日"',
  32: 'h"时"mm"分"',
  33: 'h"时"mm"分"ss"秒"',
  34: '上午/下午 h"时"mm"分"',
  35: '上午/下午 h"时"mm"分"ss"秒"',
  36: 'yyyy"年"m"月"',
  50: 'yyyy"年"m"月"',
  51: 'm"月"d"日"',
  52: 'yyyy"年"m"月"',
  53: 'm"月"d"日"',
  54: 'm"月"d"日"',
  55: '上午/下午 h"时"mm"分"',
  56: '上午/下午 h"时"mm"分"ss"秒"',
  57: 'yyyy"年"m"月"',
  58: 'm"月"d"日"',
}

interface Rel {
  Id?: string
  Target?: string
  Type?: string
  TargetMode?: string
}

/** The parts of exceljs' WorkbookReader used here (public class, internal parsers, stable across 4.x). */
interface ReaderInternals {
  workbookRels?: Rel[]
  model?: { sheets?: Array<{ name?: string; rId?: string; state?: string }> }
  _parseRels(entry: Readable): Promise<void>
  _parseWorkbook(entry: Readable): Promise<void>
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>
  _parseStyles(entry: Readable): Promise<void>
  _parseWorksheet(
    iterator: AsyncIterable<unknown>,
    sheetNo: string,
  ): Generator<{ eventType: string; value: WorksheetReaderLike }>
}

interface WorksheetReaderLike extends AsyncIterable<ExcelJS.Row> {
  name?: string
}

/** "../x/y.xml" relative to the folder of `from` → a zip path. */
export function resolvePart(from: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1)
  const parts = from.split('/').slice(0, -1)
  for (const seg of target.split('/')) {
    if (seg === '..') parts.pop()
    else if (seg !== '.' && seg !== '') parts.push(seg)
  }
  return parts.join('/')
}

export function relsPathOf(part: string): string {
  const i = part.lastIndexOf('/')
  return `${part.slice(0, i + 1)}_rels/${part.slice(i + 1)}.rels`
}

const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1]

/** Relationships of a part (small XML: read whole). */
export async function readRels(zip: GuardedZip, part: string): Promise<Rel[]> {
  const xml = await zip.text(relsPathOf(part))
  if (!xml) return []
  return [...xml.matchAll(/<Relationship\s[^>]*>/g)].map((m) => ({
    Id: attr(m[0], 'Id'),
    Target: attr(m[0], 'Target'),
    Type: attr(m[0], 'Type'),
    TargetMode: attr(m[0], 'TargetMode'),
  }))
}

const unescapeXml = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")

/** cell address → URL, from the sheet's <hyperlink ref r:id> elements (after sheetData) and its rels. */
async function hyperlinkTargets(zip: GuardedZip, sheetPart: string): Promise<Map<string, string> | undefined> {
  const targets = new Map(
    (await readRels(zip, sheetPart))
      .filter((r) => r.Type?.endsWith('/hyperlink') && r.Id && r.Target)
      .map((r) => [r.Id!, unescapeXml(r.Target!)]),
  )
  if (targets.size === 0) return undefined
  const links = new Map<string, string>()
  let carry = ''
  for await (const chunk of await zip.stream(sheetPart)) {
    const text = carry + (chunk as Buffer).toString('utf8')
    const cut = text.lastIndexOf('<')
    for (const m of text.slice(0, cut).matchAll(/<hyperlink\s[^>]*>/g)) {
      const ref = attr(m[0], 'ref')?.split(':')[0]
      const id = /\s[\w]+:id="([^"]*)"/.exec(m[0])?.[1]
      const url = id ? targets.get(id) : undefined
      if (ref && url) links.set(ref, url)
    }
    carry = text.slice(cut)
  }
  return links
}

/** A cell's value as a plain value; an object nobody knows is an error, never a silent ''. */
export function plainCell(v: unknown, where: string, o: XlsxReadOptions = {}): CellValue {
  if (v == null) return null
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v
  if (typeof v === 'object') {
    const c = v as Record<string, unknown>
    if (Array.isArray(c.richText))
      return (c.richText as Array<{ text?: unknown }>).map((r) => (typeof r.text === 'string' ? r.text : '')).join('')
    if ('hyperlink' in c && 'text' in c)
      return o.hyperlinkTargets && typeof c.hyperlink === 'string' ? c.hyperlink : plainCell(c.text, where, o)
    if ('formula' in c || 'sharedFormula' in c || 'result' in c) return plainCell(c.result, where, o)
    if ('error' in c) return o.errorText ? String(c.error) : null
    if ('sharedString' in c)
      throw new FileError(
        'corrupt',
        `cell ${where} refers to shared string ${String(c.sharedString)}, which the workbook does not have`,
        { kind: 'xlsx' },
      )
  }
  throw new FileError('corrupt', `cell ${where} holds a value of an unknown kind (${JSON.stringify(v).slice(0, 80)})`, {
    kind: 'xlsx',
  })
}

/** Counts rows, cells and characters against the per-file caps. */
export class RowBudget {
  rows = 0
  cells = 0
  chars = 0
  constructor(private readonly limits: FileLimits) {}

  row(number: number, columns: number, cells: number): void {
    const l = this.limits
    if (++this.rows > l.maxRows || number > l.maxRows)
      throw limitError('rows', `more than ${l.maxRows} rows`, { max: l.maxRows })
    if (columns > l.maxColumns)
      throw limitError('columns', `row ${number} has ${columns} columns`, { actual: columns, max: l.maxColumns })
    this.cells += cells
    if (this.cells > l.maxCells) throw limitError('cells', `more than ${l.maxCells} cells`, { max: l.maxCells })
  }

  text(n: number): void {
    this.chars += n
    if (this.chars > this.limits.maxChars)
      throw limitError('chars', `more than ${this.limits.maxChars} characters of cell text`, {
        max: this.limits.maxChars,
      })
  }
}

/** The sheets of a checked workbook, each a stream of rows. Close the zip when done. */
export async function* readXlsx(
  zip: GuardedZip,
  limits: FileLimits,
  o: XlsxReadOptions = {},
  budget = new RowBudget(limits),
): AsyncGenerator<XlsxSheet> {
  const rootRels = await readRels(zip, '')
  const wbTarget = rootRels.find((r) => r.Type?.endsWith('/officeDocument'))?.Target
  const wbPart = wbTarget ? resolvePart('', wbTarget) : 'xl/workbook.xml'
  if (!zip.has(wbPart)) throw new FileError('corrupt', 'no workbook part (not an Excel workbook)', { kind: 'xlsx' })
  // Loaded on the first workbook: a CSV import's parsing worker never pays exceljs' start-up (~1 s).
  const { default: Excel } = await import('exceljs')
  const reader = new Excel.stream.xlsx.WorkbookReader(undefined as never, {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  }) as unknown as ReaderInternals
  const rels = await readRels(zip, wbPart)
  reader.workbookRels = rels as never
  await reader._parseWorkbook(await zip.stream(wbPart))
  const partOf = (type: string) =>
    rels
      .filter((r) => r.Type?.endsWith(type) && r.Target)
      .map((r) => resolvePart(wbPart, r.Target!))
      .find((p) => zip.has(p))
  const sst = partOf('/sharedStrings')
  if (sst) {
    for await (const _ of reader._parseSharedStrings(await zip.stream(sst)));
    // exceljs reads sharedStrings[n] for a cell; an index the table lacks would be a silent blank — make it a
    // {sharedString: n} that plainCell reports. (Without the part, exceljs gives {sharedString: n} itself.)
    const table = (reader as unknown as { sharedStrings?: unknown[] }).sharedStrings
    if (table) {
      ;(reader as unknown as { sharedStrings: unknown[] }).sharedStrings = new Proxy(table, {
        get: (t, p, r) =>
          typeof p === 'string' && /^\d+$/.test(p) && Number(p) >= t.length
            ? { sharedString: Number(p) }
            : Reflect.get(t, p, r),
      })
    }
  }
  const styles = partOf('/styles')
  if (styles) {
    await reader._parseStyles(await zip.stream(styles))
    const numFmts = (reader as unknown as { styles?: { index?: { numFmt?: Record<number, string> } } }).styles?.index
      ?.numFmt
    if (numFmts) for (const [id, code] of Object.entries(CJK_DATE_FORMATS)) numFmts[Number(id)] ??= code
  }
  const byId = new Map(rels.map((r) => [r.Id, r]))
  let index = 0
  for (const sheet of reader.model?.sheets ?? []) {
    const rel = byId.get(sheet.rId)
    if (!rel?.Target || !rel.Type?.endsWith('/worksheet')) continue // chartsheets, dialog sheets
    if (o.sheetIndex !== undefined && index !== o.sheetIndex) {
      index++
      continue
    }
    const part = resolvePart(wbPart, rel.Target)
    if (!zip.has(part)) throw new FileError('corrupt', `sheet ${sheet.name} has no part ${part}`, { kind: 'xlsx' })
    const links = o.hyperlinkTargets ? await hyperlinkTargets(zip, part) : undefined
    const first = reader._parseWorksheet(await zip.stream(part), String(index + 1)).next()
    if (first.done) {
      index++
      continue
    }
    const ws = first.value.value
    const name = sheet.name ?? `Sheet${index + 1}`
    yield { name, index: index++, rows: sheetRows(ws, name, budget, links, o) }
    if (o.firstSheetOnly) return
  }
}

async function* sheetRows(
  ws: WorksheetReaderLike,
  sheet: string,
  budget: RowBudget,
  links: Map<string, string> | undefined,
  o: XlsxReadOptions,
): AsyncGenerator<XlsxRow> {
  let expected = 1
  for await (const row of ws) {
    const number = Number.isFinite(row.number) ? row.number : expected
    expected = number + 1
    budget.row(number, row.cellCount, row.actualCellCount)
    const values: CellValue[] = new Array<CellValue>(row.cellCount).fill(null)
    row.eachCell((cell, col) => {
      const link = links?.get(cell.address)
      const v = link ?? plainCell(cell.value, `${sheet}!${cell.address}`, o)
      if (typeof v === 'string') budget.text(v.length)
      values[col - 1] = v
    })
    yield { number, values }
  }
}
