import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_FILE_LIMITS, type FileLimits } from '../../src/core/file-limits.js'
import { checkImage } from '../../src/services/file-image.js'
import { describeFileError } from '../../src/services/file-messages.js'
import { filePool } from '../../src/services/file-pool.js'
import { extractText, FileError } from '../../src/services/files.js'
import { FileFormatError, readTableRows } from '../../src/services/table-file.js'
import * as bombs from '../helpers/bombs.js'
import { makeDocx, makeXlsx } from '../helpers/documents.js'

/**
 * Issue 18: hostile files cost a refusal, never the process. Every bomb is built here; each must be
 * refused with a clear Chinese message, the test process's memory must stay far below what parsing the
 * bomb would take (4.5 GB for the 400 MB worksheet), and files within the caps must still be read.
 * No timing assertions: the bench (`npm run bench -- files`) prints how long each refusal takes.
 */

async function refusal(p: Promise<unknown>): Promise<FileError> {
  try {
    await p
  } catch (err) {
    if (err instanceof FileError) return err
    if (err instanceof FileFormatError && err.fileError) return err.fileError
    throw err
  }
  throw new Error('the file was not refused')
}

async function drain(rows: AsyncIterable<unknown>): Promise<number> {
  let n = 0
  for await (const _ of rows) n++
  return n
}

const small = (o: Partial<FileLimits>): FileLimits => ({ ...DEFAULT_FILE_LIMITS, ...o })

let peak = 0
let base = 0
let sampler: NodeJS.Timeout | undefined
beforeAll(async () => {
  // Start the worker first: its parsers are part of the baseline, not of a bomb.
  await extractText(await makeXlsx([{ name: 'warm', rows: [['x']] }]))
  base = process.memoryUsage().rss
  sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5)
})
afterAll(() => clearInterval(sampler))

describe('caps before parsing: the zip central directory', () => {
  it.each([
    ['xlsx', () => bombs.xlsxBomb(), 'xl/worksheets/sheet1.xml'],
    ['docx', () => bombs.docxBomb(), 'word/document.xml'],
    ['pptx', () => bombs.pptxBomb(), 'ppt/slides/slide1.xml'],
  ])('refuses a %s whose one part inflates to 400 MB, naming the part', async (ext, make, part) => {
    const bomb = make()
    expect(bomb.length).toBeLessThan(2 * bombs.MB)
    const err = await refusal(extractText(bomb, { fileName: `季度报告.${ext}` }))
    expect(err.code).toBe('limit')
    expect(err.detail).toMatchObject({ limit: 'part', part, max: 100 * bombs.MB })
    expect(describeFileError(err, `季度报告.${ext}`)).toBe(
      `「季度报告.${ext}」其中的「${part}」解压后超过 100 MB，为安全起见 Andy 没有继续读取。如果是正常文件，请拆分成几个小文件，或只保留需要的部分后再发。`,
    )
  })

  it('refuses a workbook over the total cap (with the part and ratio caps raised), and a part compressed past the ratio cap', async () => {
    const total = await refusal(
      extractText(bombs.xlsxBomb(300 * bombs.MB), {
        fileName: 'a.xlsx',
        limits: small({ maxPartBytes: 400 * bombs.MB, maxRatio: 100_000 }),
      }),
    )
    expect(total.detail).toMatchObject({ limit: 'unpacked', max: 200 * bombs.MB })
    const ratio = await refusal(extractText(bombs.xlsxBomb(50 * bombs.MB), { fileName: 'a.xlsx' }))
    expect(ratio.detail.limit).toBe('ratio')
    expect(ratio.detail.actual).toBeGreaterThan(100)
    expect(describeFileError(ratio)).toContain('压缩炸弹')
  })

  it('refuses a zip of 100,000 tiny entries', async () => {
    const err = await refusal(extractText(bombs.xlsxManyEntries(100_000), { fileName: 'many.xlsx' }))
    expect(err.detail).toMatchObject({ limit: 'entries', actual: 100_000, max: 10_000 })
    expect(describeFileError(err, 'many.xlsx')).toContain('内部包含 100,000 个文件（上限 10,000 个）')
  })

  it('stops a part that inflates past the size its directory declares, in reports and in imports', async () => {
    const liar = bombs.xlsxBomb(400 * bombs.MB, 10_000)
    const err = await refusal(extractText(liar, { fileName: 'liar.xlsx' }))
    expect(err.code).toBe('corrupt')
    expect(err.message).toContain('lying zip directory')
    const imported = await refusal(drain(readTableRows({ buffer: liar, fileName: 'liar.xlsx' })))
    expect(imported.code).toBe('corrupt')
  })

  it('gives `andy import` the same refusals, in Chinese, naming the setting', async () => {
    let caught: unknown
    try {
      await drain(readTableRows({ buffer: bombs.xlsxBomb(), fileName: 'bomb.xlsx' }))
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(FileFormatError)
    expect((caught as Error).message).toContain('「bomb.xlsx」其中的「xl/worksheets/sheet1.xml」解压后超过 100 MB')
    expect((caught as Error).message).toContain('ANDY_FILE_MAX_PART_MB')
    const corrupt = await refusal(
      drain(readTableRows({ buffer: Buffer.from('PK\x03\x04 not a zip at all'), fileName: 'x.xlsx' })),
    )
    expect(describeFileError(corrupt, 'x.xlsx', { admin: true })).toMatch(/^「x.xlsx」打不开：文件已损坏/)
  })
})

describe('caps before parsing: PDFs and pictures', () => {
  it('refuses a PDF of a few kilobytes with 100,000,000 pages before reading a page', async () => {
    const err = await refusal(extractText(bombs.pdfHugePageCount(), { fileName: 'pages.pdf' }))
    expect(err.detail).toMatchObject({ limit: 'pages', actual: 100_000_000, max: 2000 })
    expect(describeFileError(err, 'pages.pdf')).toContain('有 100,000,000 页（上限 2,000 页）')
  })

  it('refuses a PDF whose page tree loops, and one whose content stream is a decompression bomb', async () => {
    expect((await refusal(extractText(bombs.pdfLoopingPages(), { fileName: 'loop.pdf' }))).code).toBe('corrupt')
    const stream = await refusal(extractText(bombs.pdfStreamBomb(), { fileName: 'stream.pdf' }))
    expect(stream.detail).toMatchObject({ limit: 'part', kind: 'pdf' })
  })

  it('refuses a PNG that declares 50,000 × 50,000 pixels from its header', () => {
    const png = bombs.pngDeclaring(50_000, 50_000)
    expect(png.length).toBeLessThan(200)
    let err: FileError | undefined
    try {
      checkImage(png, DEFAULT_FILE_LIMITS)
    } catch (e) {
      err = e as FileError
    }
    expect(err?.detail).toMatchObject({ limit: 'pixels', dims: '50000×50000', actual: 2_500_000_000 })
    expect(describeFileError(err!, 'poster.png')).toContain(
      '图片声明的尺寸是 50000×50000（2,500 百万像素，上限 100 百万像素）',
    )
    expect(checkImage(bombs.pngDeclaring(4000, 3000), DEFAULT_FILE_LIMITS)).toEqual({ width: 4000, height: 3000 })
  })

  it('kept the test process far below what the bombs would have cost', () => {
    // One worker's heap limit plus its parsers, not the gigabytes a bomb inflates to.
    const grewMb = (peak - base) / bombs.MB
    expect(grewMb).toBeLessThan(DEFAULT_FILE_LIMITS.workerHeapMb + 400)
  })
})

describe('caps while parsing: rows, columns, cells, characters', () => {
  const rows = (n: number, cols = 3) =>
    Array.from({ length: n }, (_, i) => Array.from({ length: cols }, (_, c) => `r${i + 1}c${c + 1}`))

  it('reads a workbook right up to the caps, and refuses one row, column, cell or character more', async () => {
    const data = rows(300, 4)
    const chars = data.flat().join('').length
    const at = await makeXlsx([{ name: 'S', rows: data }])
    const exact = small({ maxRows: 300, maxColumns: 4, maxCells: 1200, maxChars: chars })
    expect(await drain(readTableRows({ buffer: at, fileName: 'a.xlsx' }, { limits: exact }))).toBe(300)
    for (const [limits, kind] of [
      [small({ maxRows: 299 }), 'rows'],
      [small({ maxColumns: 3 }), 'columns'],
      [small({ maxCells: 1199 }), 'cells'],
      [small({ maxChars: chars - 1 }), 'chars'],
    ] as const) {
      expect((await refusal(drain(readTableRows({ buffer: at, fileName: 'a.xlsx' }, { limits })))).detail.limit).toBe(
        kind,
      )
    }
    const csv = Buffer.from(
      rows(50)
        .map((r) => r.join(','))
        .join('\n'),
    )
    expect(await drain(readTableRows({ buffer: csv, fileName: 'a.csv' }, { limits: small({ maxRows: 50 }) }))).toBe(50)
    expect(
      (await refusal(drain(readTableRows({ buffer: csv, fileName: 'a.csv' }, { limits: small({ maxRows: 49 }) }))))
        .detail.limit,
    ).toBe('rows')
  })

  it('refuses a sheet whose one row claims row number 2,000,000 (no million empty rows are produced)', async () => {
    const far = bombs.xlsxWithSheet('<row r="2000000"><c r="A2000000" t="inlineStr"><is><t>far</t></is></c></row>')
    expect((await refusal(drain(readTableRows({ buffer: far, fileName: 'far.xlsx' })))).detail).toMatchObject({
      limit: 'rows',
      max: 1_048_576,
    })
  })

  it('cuts a long report at the text budget without reading the rest', async () => {
    // About 70,000 characters a sheet, fourteen times the budget (building 20,000-row sheets cost seconds).
    const big = await makeXlsx([
      { name: 'A', rows: rows(2_000, 5) },
      { name: 'B', rows: rows(2_000, 5) },
    ])
    const r = await extractText(big, { fileName: 'big.xlsx', maxChars: 5_000 })
    expect(r.truncated).toBe(true)
    expect(r.chars).toBeLessThanOrEqual(5_000)
    expect(r.sheets).toEqual(['A'])
  })
})

describe('isolation: the worker, not the bot, pays for a blow-up', () => {
  it('a parse that outgrows its heap is ended as a memory refusal; the next file is read by a fresh worker', async () => {
    const limits = small({ workerHeapMb: 64, maxRatio: 100_000 })
    expect(filePool(limits).resourceLimits).toEqual({ maxOldGenerationSizeMb: 64 })
    // One 60 MB slide: within the zip caps, but a slide is read whole, and 60 MB of XML does not fit in 64 MB.
    const heavy = bombs.pptxBomb(60 * bombs.MB)
    const err = await refusal(extractText(heavy, { fileName: 'heavy.pptx', limits }))
    expect(err.detail).toMatchObject({ limit: 'memory', max: 64 })
    expect(describeFileError(err, 'heavy.pptx')).toContain('读取时占用的内存超过上限（64 MB）')
    const next = await extractText(await makeDocx([{ heading: '结论' }, { para: '满意度 4.6 分' }]), { limits })
    expect(next.text).toContain('满意度 4.6 分')
  })

  it('cuts a huge Word document at the text budget before mammoth builds it (60 MB of XML in a 64 MB heap)', async () => {
    const limits = small({ workerHeapMb: 64, maxRatio: 100_000 })
    const r = await extractText(bombs.docxBomb(60 * bombs.MB), { fileName: 'long.docx', maxChars: 20_000, limits })
    expect(r.truncated).toBe(true)
    expect(r.chars).toBeGreaterThan(10_000)
    expect(r.chars).toBeLessThanOrEqual(20_000)
    // Whole paragraphs, the last one cut at the budget.
    expect(
      r.text
        .split('\n\n')
        .slice(0, -1)
        .every((p) => p === 'bomb'),
    ).toBe(true)
  })

  it('keeps headings and whole tables when a long Word document is cut', async () => {
    const paras = Array.from({ length: 3000 }, (_, i) => ({ para: `第 ${i + 1} 段：${'培训内容'.repeat(10)}` }))
    const docx = await makeDocx([
      { heading: '一、结论' },
      { para: '满意度 4.6 分' },
      {
        table: [
          ['部门', '完课率'],
          ['销售部', '72%'],
        ],
      },
      ...paras,
      { heading: '附录' },
    ])
    const r = await extractText(docx, { maxChars: 3_000 })
    expect(r.truncated).toBe(true)
    expect(r.headings).toEqual(['一、结论'])
    expect(r.text).toContain('部门 | 完课率\n销售部 | 72%')
    expect(r.text).toContain('第 1 段：')
    expect(r.text).not.toContain('第 3000 段')
  })

  it('a worker that does not answer within the deadline is terminated and replaced', async () => {
    const pool = filePool(small({ workers: 1, workerHeapMb: 128 }))
    const ch = await pool.open(300)
    // A message the worker ignores: nothing comes back, as with a parser stuck in a loop.
    const err = await refusal(ch.request({ type: 'noop' }))
    ch.close(true)
    expect(err.code).toBe('timeout')
    const r = await extractText(await makeXlsx([{ name: 'S', rows: [['still', 'works']] }]), {
      limits: small({ workers: 1, workerHeapMb: 128 }),
    })
    expect(r.text).toContain('still | works')
  })
})
