import { constants, crc32, deflateRawSync, deflateSync } from 'node:zlib'

/**
 * Hostile files built inside the tests (never downloaded): zips written byte by byte (local headers,
 * central directory, zip64 when there are more than 65,535 entries), deflate data that inflates to
 * hundreds of megabytes without ever compressing them (one flushed 1 MB block repeated), Office files
 * with one huge part or a lying central directory, PDFs with a huge page count, a looping page tree or a
 * bomb stream, and a PNG that declares 50,000 × 50,000 pixels.
 */

export const MB = 1024 * 1024

/** Raw deflate data and what it inflates to (size and CRC), without materialising the inflated bytes. */
export interface Deflated {
  readonly raw: Buffer
  readonly size: number
  readonly crc: number
}

/** `head`, then `unit` repeated until `size` bytes, then `tail`, as one raw deflate stream. */
export function deflateRepeated(head: string, unit: string, size: number, tail: string): Deflated {
  const block = Buffer.from(unit.repeat(Math.max(1, Math.floor(MB / unit.length))))
  const flushed = (b: Buffer) => deflateRawSync(b, { finishFlush: constants.Z_FULL_FLUSH })
  const headBuf = Buffer.from(head)
  const tailBuf = Buffer.from(tail)
  const blockRaw = flushed(block)
  const n = Math.max(0, Math.floor((size - headBuf.length - tailBuf.length) / block.length))
  const parts = [flushed(headBuf)]
  let crc = crc32(headBuf)
  for (let i = 0; i < n; i++) {
    parts.push(blockRaw)
    crc = crc32(block, crc)
  }
  parts.push(deflateRawSync(tailBuf))
  crc = crc32(tailBuf, crc)
  return { raw: Buffer.concat(parts), size: headBuf.length + n * block.length + tailBuf.length, crc }
}

export interface ZipEntry {
  readonly name: string
  /** Uncompressed content (deflated here)… */
  readonly data?: Buffer | string
  /** …or raw deflate data made elsewhere. */
  readonly deflated?: Deflated
  /** Override the uncompressed size written in both headers (a lying directory). */
  readonly declaredSize?: number
}

const EMPTY: Deflated = { raw: deflateRawSync(Buffer.alloc(0)), size: 0, crc: 0 }

/** A zip written by hand: deflate, one local header per entry, the central directory, zip64 when needed. */
export function buildZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const name = Buffer.from(e.name)
    let raw: Buffer
    let size: number
    let crc: number
    if (e.deflated) ({ raw, size, crc } = e.deflated)
    else if (!e.data) ({ raw, size, crc } = EMPTY)
    else {
      const data = Buffer.from(e.data)
      raw = deflateRawSync(data)
      size = data.length
      crc = crc32(data)
    }
    const declared = e.declaredSize ?? size
    const lh = Buffer.alloc(30)
    lh.writeUInt32LE(0x04034b50, 0)
    lh.writeUInt16LE(20, 4)
    lh.writeUInt16LE(0x0800, 6) // UTF-8 names
    lh.writeUInt16LE(8, 8)
    lh.writeUInt32LE(crc >>> 0, 14)
    lh.writeUInt32LE(raw.length, 18)
    lh.writeUInt32LE(declared, 22)
    lh.writeUInt16LE(name.length, 26)
    locals.push(lh, name, raw)
    const ch = Buffer.alloc(46)
    ch.writeUInt32LE(0x02014b50, 0)
    ch.writeUInt16LE(20, 4)
    ch.writeUInt16LE(20, 6)
    ch.writeUInt16LE(0x0800, 8)
    ch.writeUInt16LE(8, 10)
    ch.writeUInt32LE(crc >>> 0, 16)
    ch.writeUInt32LE(raw.length, 20)
    ch.writeUInt32LE(declared, 24)
    ch.writeUInt16LE(name.length, 28)
    ch.writeUInt32LE(offset, 42)
    central.push(ch, name)
    offset += 30 + name.length + raw.length
  }
  const cd = Buffer.concat(central)
  const tail: Buffer[] = []
  const many = entries.length > 0xfffe
  if (many) {
    const z64 = Buffer.alloc(56)
    z64.writeUInt32LE(0x06064b50, 0)
    z64.writeBigUInt64LE(44n, 4)
    z64.writeUInt16LE(45, 12)
    z64.writeUInt16LE(45, 14)
    z64.writeBigUInt64LE(BigInt(entries.length), 24)
    z64.writeBigUInt64LE(BigInt(entries.length), 32)
    z64.writeBigUInt64LE(BigInt(cd.length), 40)
    z64.writeBigUInt64LE(BigInt(offset), 48)
    const loc = Buffer.alloc(20)
    loc.writeUInt32LE(0x07064b50, 0)
    loc.writeBigUInt64LE(BigInt(offset + cd.length), 8)
    loc.writeUInt32LE(1, 16)
    tail.push(z64, loc)
  }
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0)
  eocd.writeUInt16LE(many ? 0xffff : entries.length, 8)
  eocd.writeUInt16LE(many ? 0xffff : entries.length, 10)
  eocd.writeUInt32LE(cd.length, 12)
  eocd.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, ...tail, eocd])
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships'
const SS_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
const CT = (overrides: string) =>
  `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>${overrides}</Types>`
const rootRels = (target: string) =>
  `${XML}<Relationships xmlns="${PKG_REL}"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="${target}"/></Relationships>`

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The parts of a workbook around its sheets (`sheet` entries come from the caller). */
function workbookParts(
  sheetNames: readonly string[],
  withSharedStrings: boolean,
): { head: ZipEntry[]; rels: ZipEntry } {
  const ct = CT(
    `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
      sheetNames
        .map(
          (_, i) =>
            `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
        )
        .join('') +
      (withSharedStrings
        ? `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
        : ''),
  )
  const wb = `${XML}<workbook xmlns="${SS_NS}" xmlns:r="${REL}"><sheets>${sheetNames.map((n, i) => `<sheet name="${esc(n)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`
  const rels = `${XML}<Relationships xmlns="${PKG_REL}">${sheetNames.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('')}${withSharedStrings ? `<Relationship Id="rIdS" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>` : ''}</Relationships>`
  return {
    head: [
      { name: '[Content_Types].xml', data: ct },
      { name: '_rels/.rels', data: rootRels('xl/workbook.xml') },
      { name: 'xl/workbook.xml', data: wb },
    ],
    rels: { name: 'xl/_rels/workbook.xml.rels', data: rels },
  }
}

/**
 * A workbook as Excel lays it out: workbook and relationships first, then the worksheets, and the shared
 * strings part only after them. Every text cell is a shared string.
 */
export function xlsxSharedStringsLast(sheets: ReadonlyArray<{ name: string; rows: string[][] }>): Buffer {
  const strings: string[] = []
  const index = new Map<string, number>()
  const col = (i: number) => String.fromCharCode(65 + i)
  const sheetXml = sheets.map(
    (s) =>
      `${XML}<worksheet xmlns="${SS_NS}"><sheetData>${s.rows
        .map(
          (r, ri) =>
            `<row r="${ri + 1}">${r
              .map((v, ci) => {
                if (!index.has(v)) index.set(v, strings.push(v) - 1)
                return `<c r="${col(ci)}${ri + 1}" t="s"><v>${index.get(v)}</v></c>`
              })
              .join('')}</row>`,
        )
        .join('')}</sheetData></worksheet>`,
  )
  const sst = `${XML}<sst xmlns="${SS_NS}" count="${strings.length}" uniqueCount="${strings.length}">${strings.map((s) => `<si><t>${esc(s)}</t></si>`).join('')}</sst>`
  const { head, rels } = workbookParts(
    sheets.map((s) => s.name),
    true,
  )
  return buildZip([
    ...head,
    rels,
    ...sheetXml.map((x, i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, data: x })),
    { name: 'xl/sharedStrings.xml', data: sst },
    { name: 'docProps/app.xml', data: `${XML}<Properties/>` },
  ])
}

/** A one-sheet workbook whose sheetData is `rowsXml`. */
export function xlsxWithSheet(rowsXml: string): Buffer {
  const { head, rels } = workbookParts(['Sheet1'], false)
  return buildZip([
    ...head,
    rels,
    {
      name: 'xl/worksheets/sheet1.xml',
      data: `${XML}<worksheet xmlns="${SS_NS}"><sheetData>${rowsXml}</sheetData></worksheet>`,
    },
  ])
}

const ROW = '<row><c t="inlineStr"><is><t>bomb</t></is></c></row>'

/** An xlsx whose one worksheet inflates to `size` bytes of one-cell rows (honest directory unless `declaredSize`). */
export function xlsxBomb(size = 400 * MB, declaredSize?: number): Buffer {
  const { head, rels } = workbookParts(['Sheet1'], false)
  const sheet = deflateRepeated(`${XML}<worksheet xmlns="${SS_NS}"><sheetData>`, ROW, size, '</sheetData></worksheet>')
  return buildZip([...head, rels, { name: 'xl/worksheets/sheet1.xml', deflated: sheet, declaredSize }])
}

/** A docx whose document.xml inflates to `size` bytes. */
export function docxBomb(size = 400 * MB): Buffer {
  const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
  const doc = deflateRepeated(
    `${XML}<w:document xmlns:w="${W}"><w:body>`,
    '<w:p><w:r><w:t>bomb</w:t></w:r></w:p>',
    size,
    '</w:body></w:document>',
  )
  return buildZip([
    {
      name: '[Content_Types].xml',
      data: CT(
        `<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>`,
      ),
    },
    { name: '_rels/.rels', data: rootRels('word/document.xml') },
    { name: 'word/document.xml', deflated: doc },
  ])
}

/** A pptx whose one slide inflates to `size` bytes. */
export function pptxBomb(size = 400 * MB): Buffer {
  const P = 'http://schemas.openxmlformats.org/presentationml/2006/main'
  const A = 'http://schemas.openxmlformats.org/drawingml/2006/main'
  const slide = deflateRepeated(
    `${XML}<p:sld xmlns:p="${P}" xmlns:a="${A}"><p:cSld><p:spTree><p:sp><p:txBody>`,
    '<a:p><a:r><a:t>bomb</a:t></a:r></a:p>',
    size,
    '</p:txBody></p:sp></p:spTree></p:cSld></p:sld>',
  )
  return buildZip([
    {
      name: '[Content_Types].xml',
      data: CT(
        `<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/><Override PartName="/ppt/slides/slide1.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>`,
      ),
    },
    { name: '_rels/.rels', data: rootRels('ppt/presentation.xml') },
    { name: 'ppt/presentation.xml', data: `${XML}<p:presentation xmlns:p="${P}"/>` },
    { name: 'ppt/slides/slide1.xml', deflated: slide },
  ])
}

/** An xlsx with `count` entries: the workbook's parts, then empty files. */
export function xlsxManyEntries(count = 100_000): Buffer {
  const { head, rels } = workbookParts(['Sheet1'], false)
  const sheet: ZipEntry = {
    name: 'xl/worksheets/sheet1.xml',
    data: `${XML}<worksheet xmlns="${SS_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>`,
  }
  const fillers = Array.from({ length: count - 5 }, (_, i) => ({ name: `xl/media/f${i}.bin`, data: '' }))
  return buildZip([...head, rels, sheet, ...fillers])
}

function pdfOf(objects: readonly string[]): Buffer {
  let out = '%PDF-1.4\n'
  const offsets: number[] = []
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'))
    out += `${i + 1} 0 obj\n${body}\nendobj\n`
  })
  const xref = Buffer.byteLength(out, 'latin1')
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

/**
 * A PDF of a few kilobytes with 100,000,000 pages: one page object, shared 1,000 times by a Pages node,
 * which is shared 1,000 times by the next, which the root shares 100 times (every /Count consistent).
 */
export function pdfHugePageCount(): Buffer {
  const kids = (ref: number, n: number) => Array.from({ length: n }, () => `${ref} 0 R`).join(' ')
  return pdfOf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids(5, 100)}] /Count 100000000 >>`,
    '<< /Type /Page /Parent 4 0 R /MediaBox [0 0 595 842] >>',
    `<< /Type /Pages /Parent 5 0 R /Kids [${kids(3, 1000)}] /Count 1000 >>`,
    `<< /Type /Pages /Parent 2 0 R /Kids [${kids(4, 1000)}] /Count 1000000 >>`,
  ])
}

/** A PDF whose page tree contains itself. */
export function pdfLoopingPages(): Buffer {
  return pdfOf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>',
    '<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>',
  ])
}

/** A one-page PDF whose content stream inflates to `size` bytes. */
export function pdfStreamBomb(size = 1024 * MB): Buffer {
  const d = deflateRepeated('BT /F1 12 Tf 72 720 Td ', '(x) Tj ', size, 'ET')
  // zlib wrapper around the raw deflate data (FlateDecode is zlib): header, data, any adler (unchecked by the size probe).
  const zlibData = Buffer.concat([deflateSync(Buffer.alloc(0)).subarray(0, 2), d.raw, Buffer.alloc(4)])
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
  ]
  const offsets: number[] = []
  const chunks: Buffer[] = []
  const push = (s: string | Buffer) => {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s
    chunks.push(b)
    return b.length
  }
  let pos = push('%PDF-1.4\n')
  objects.forEach((body, i) => {
    offsets.push(pos)
    pos += push(`${i + 1} 0 obj\n${body}\nendobj\n`)
  })
  offsets.push(pos)
  pos += push(`4 0 obj\n<< /Length ${zlibData.length} /Filter /FlateDecode >>\nstream\n`)
  pos += push(zlibData)
  pos += push('\nendstream\nendobj\n')
  const out = `xref\n0 5\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${pos}\n%%EOF\n`
  push(out)
  return Buffer.concat(chunks)
}

/** A PNG whose header declares width × height (the image data is one tiny row). */
export function pngDeclaring(width = 50_000, height = 50_000): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(td) >>> 0)
    return Buffer.concat([len, td, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.writeUInt8(8, 8)
  ihdr.writeUInt8(2, 9)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(4))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
