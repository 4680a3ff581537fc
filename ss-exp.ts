import ExcelJS from 'exceljs'
import JSZip from 'jszip'
import { Readable } from 'node:stream'

const wb = new ExcelJS.Workbook()
for (let s = 0; s < 3; s++) {
  const ws = wb.addWorksheet('S' + s)
  for (let i = 0; i < Number(process.argv[2]); i++) ws.addRow(['客户' + i, '行业' + (i % 7), i])
}
const buf = Buffer.from(await wb.xlsx.writeBuffer())
const src = await JSZip.loadAsync(buf)
const names = Object.keys(src.files).filter((n) => !n.endsWith('/'))
const excelOrder = ['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', ...names.filter((n) => n.startsWith('xl/worksheets/')), 'xl/theme/theme1.xml', 'xl/styles.xml', 'xl/sharedStrings.xml', 'docProps/core.xml', 'docProps/app.xml']
const out = new JSZip()
for (const n of excelOrder) out.file(n, await src.file(n)!.async('nodebuffer'))
const late = await out.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', streamFiles: process.argv[3] === 'stream' })

async function read(b: Buffer) {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(b), { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'ignore' })
  let bad = 0, good = 0, empty = 0
  for await (const ws of reader) for await (const row of ws as any) {
    for (const v of (row.values as unknown[]).slice(1)) if (v && typeof v === 'object' && 'sharedString' in (v as object)) bad++; else if (typeof v === 'string') good++; else if (v === undefined) empty++
  }
  return `${good}/${bad}/${empty}`
}
const res = await Promise.all(Array.from({ length: 40 }, () => read(late)))
console.log(res.join(' '))
