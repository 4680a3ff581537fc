import JSZip from 'jszip'
import { describe, expect, it } from 'vitest'
import { DEFAULT_FILE_LIMITS } from '../../src/core/file-limits.js'
import { extractPdf } from '../../src/services/file-pdf.js'
import { detectFile, extractText, FileError, MB } from '../../src/services/files.js'
import { makeChinesePdf, makeDocx, makePdf, makePng, makePptx, makeScannedPdf, makeXlsx } from '../helpers/documents.js'

/** Real documents generated here (pdfkit, jszip, exceljs), read back through src/services/files.ts. */

async function fileError(p: Promise<unknown>): Promise<FileError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(FileError)
  return err as FileError
}

describe('detectFile: the type comes from the content, not the name', () => {
  it('recognises PDF, DOCX, XLSX, PPTX, PNG whatever they are called', async () => {
    expect((await detectFile(await makePdf(1, () => ['x']), 'report.docx')).kind).toBe('pdf')
    expect((await detectFile(await makeDocx([{ para: '正文' }]), 'file.file')).kind).toBe('docx')
    expect((await detectFile(await makeXlsx([{ name: 'A', rows: [['a']] }]), 'x.pdf')).kind).toBe('xlsx')
    expect((await detectFile(await makePptx([{ title: 't', bullets: ['b'] }]), undefined)).kind).toBe('pptx')
    const png = await detectFile(makePng(4, 4), 'photo.pdf')
    expect(png).toMatchObject({ kind: 'image', mime: 'image/png' })
  })

  it('tells text from binary and keeps the flavour from the name', async () => {
    expect(await detectFile(Buffer.from('客户,行业\n甲,制造业\n'), 'list.csv')).toMatchObject({
      kind: 'text',
      ext: 'csv',
    })
    expect((await detectFile(Buffer.from('# 标题\n正文'), 'notes.md')).ext).toBe('md')
    expect((await detectFile(Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00, 0x10]), 'a.txt')).kind).toBe('other')
    const zip = new JSZip()
    zip.file('a.txt', 'x')
    expect((await detectFile(await zip.generateAsync({ type: 'nodebuffer' }), 'a.zip')).kind).toBe('other')
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(1024)])
    expect(await detectFile(ole, '旧报告.doc')).toMatchObject({ kind: 'legacy-office', ext: 'doc' })
  })
})

describe('extractText', () => {
  it('reads every page of a PDF in order', async () => {
    const pdf = await makePdf(3, (p) => [`Learning report page ${p}`, `Completion rate ${80 + p}%`])
    const r = await extractText(pdf)
    expect(r).toMatchObject({ kind: 'pdf', pages: 3, truncated: false, imagePages: 0 })
    expect(r.text.indexOf('page 1')).toBeLessThan(r.text.indexOf('page 2'))
    expect(r.text).toContain('Completion rate 83%')
  })

  it('reads Chinese text that relies on the predefined CMaps shipped with pdf.js', async () => {
    const r = await extractText(makeChinesePdf('二〇二六年度培训满意度调研报告：总体满意度四点六分，讲师评分最高'))
    expect(r.text).toContain('培训满意度调研报告')
    expect(r.text).toContain('讲师评分最高')
  })

  it('says a PDF without a text layer is a scan, with its page count', async () => {
    const err = await fileError(extractText(await makeScannedPdf(2), { fileName: 'scan.pdf' }))
    expect(err.code).toBe('scanned')
    expect(err.detail.pages).toBe(2)
  })

  it('reads a DOCX with its headings and tables', async () => {
    const docx = await makeDocx([
      { heading: '培训满意度调研报告' },
      { para: '总体满意度 4.6 分，较去年提高 0.3 分。' },
      { heading: '课程内容', level: 2 },
      {
        table: [
          ['维度', '得分'],
          ['讲师', '4.8'],
        ],
      },
    ])
    const r = await extractText(docx)
    expect(r.kind).toBe('docx')
    expect(r.headings).toEqual(['培训满意度调研报告', '课程内容'])
    expect(r.text).toContain('# 培训满意度调研报告')
    expect(r.text).toContain('## 课程内容')
    expect(r.text).toContain('讲师 | 4.8')
  })

  it('reads PPTX slides in presentation order with titles, tables and speaker notes', async () => {
    const pptx = await makePptx(
      [
        { title: '项目背景', bullets: ['新员工 300 人'], notes: '强调入职三个月留存' },
        {
          title: '学习数据',
          bullets: ['完课率 92%'],
          table: [
            ['部门', '完课率'],
            ['销售部', '88%'],
          ],
        },
      ],
      [2, 1],
    )
    const r = await extractText(pptx)
    expect(r).toMatchObject({ kind: 'pptx', slides: 2 })
    expect(r.headings).toEqual(['学习数据', '项目背景'])
    expect(r.text.indexOf('学习数据')).toBeLessThan(r.text.indexOf('项目背景'))
    expect(r.text).toContain('销售部 | 88%')
    expect(r.text).toContain('备注：强调入职三个月留存')
  })

  it('reads XLSX sheets row by row, with dates, formulas and rich text as values', async () => {
    const xlsx = await makeXlsx([
      {
        name: '成绩',
        rows: [
          ['姓名', '分数', '日期'],
          ['张三', 90, new Date(Date.UTC(2026, 0, 2))],
          ['李四', { formula: 'B2+1', result: 91 }, null],
        ],
      },
      { name: '说明', rows: [[{ richText: [{ text: '加粗' }, { text: '普通' }] }]] },
    ])
    const r = await extractText(xlsx)
    expect(r.sheets).toEqual(['成绩', '说明'])
    expect(r.text).toContain('## 工作表：成绩')
    expect(r.text).toContain('张三 | 90 | 2026-01-02')
    expect(r.text).toContain('李四 | 91')
    expect(r.text).toContain('加粗普通')
  })

  it('decodes UTF-8, UTF-16 with BOM and GB18030 text files', async () => {
    expect((await extractText(Buffer.from('满意度 4.6\n'), { fileName: 'a.txt' })).text).toBe('满意度 4.6')
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('学习报告', 'utf16le')])
    expect((await extractText(utf16, { fileName: 'a.txt' })).text).toBe('学习报告')
    const gbk = Buffer.from([0xd6, 0xd0, 0xce, 0xc4, 0xb1, 0xa8, 0xb8, 0xe6]) // 中文报告 in GBK
    const r = await extractText(gbk, { fileName: 'a.txt' })
    expect(r).toMatchObject({ text: '中文报告', encoding: 'gb18030' })
  })

  it('stops at the time limit: a PDF not started in time is a timeout, one cut short keeps what was read', async () => {
    const pdf = await makePdf(40, (p) =>
      Array.from({ length: 30 }, (_, i) => `Page ${p} line ${i}: completion rate ${i}%`),
    )
    expect((await fileError(extractText(pdf, { timeoutMs: 0 }))).code).toBe('timeout')
    // A clock that passes the deadline after two pages have been started (no dependence on the machine's speed).
    let checks = 0
    const now = () => (++checks > 2 ? 2 : 0)
    const r = await extractPdf(pdf, { maxChars: 1_000_000, deadline: 1, files: DEFAULT_FILE_LIMITS, now })
    expect(r.truncated).toBe(true)
    expect(r.text).toContain('Page 2 line 29')
    expect(r.text).not.toContain('Page 3 line 0')
  })

  it('keeps at most maxChars and says so', async () => {
    const r = await extractText(Buffer.from('长'.repeat(5000)), { fileName: 'long.txt', maxChars: 1000 })
    expect(r.chars).toBe(1000)
    expect(r.truncated).toBe(true)
  })

  it('refuses files over 20 MB, empty files, pictures, legacy Office and unknown formats', async () => {
    expect((await fileError(extractText(Buffer.alloc(20 * MB + 1, 0x41)))).code).toBe('too_large')
    expect((await fileError(extractText(Buffer.alloc(0)))).code).toBe('empty')
    expect((await fileError(extractText(makePng(8, 8)))).code).toBe('image')
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(1024)])
    expect((await fileError(extractText(ole, { fileName: 'a.xls' }))).detail.ext).toBe('xls')
    expect((await fileError(extractText(Buffer.from([1, 2, 0, 0, 9, 0, 3])))).code).toBe('unsupported')
  })

  it('reports a damaged PDF and a PPTX without any text', async () => {
    const broken = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(200, 0x20)])
    expect((await fileError(extractText(broken))).code).toBe('corrupt')
    const zip = await JSZip.loadAsync(await makePptx([{ title: '', bullets: [] }]))
    zip.file('ppt/slides/slide1.xml', '<p:sld xmlns:p="p"><p:cSld><p:spTree/></p:cSld></p:sld>')
    expect((await fileError(extractText(await zip.generateAsync({ type: 'nodebuffer' })))).code).toBe('empty')
  })
})
