import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { xlsxBomb, xlsxManyEntries, xlsxSharedStringsLast } from '../helpers/bombs.js'
import { call, type Harness, startHarness } from './setup.js'

/** AJdyyReportData gets the file caps too (issue 18): a bomb is a 413 with a Chinese msg, a corrupt xlsx a 400. */

let h: Harness
beforeAll(async () => {
  // Bodies large enough to carry the bombs, so the file caps (not the body limit) answer.
  h = await startHarness({ env: { HTTP_BODY_LIMIT_KB: '32768' } })
})
afterAll(async () => {
  await h.close()
})

const post = (file: Buffer, fileName = '学习记录.xlsx') =>
  call(
    h.base,
    'AJdyyReportData',
    { input_type: '1', file_base64: file.toString('base64'), file_name: fileName },
    { method: 'POST', body: 'json' },
  )

describe('AJdyyReportData with hostile workbooks', () => {
  it('answers 413 for a zip bomb and for 100,000 entries, saying which cap', async () => {
    const bomb = await post(xlsxBomb())
    expect([bomb.status, (bomb.json as { ret: number }).ret]).toEqual([413, 413])
    expect((bomb.json as { msg: string }).msg).toBe(
      '「学习记录.xlsx」其中的「xl/worksheets/sheet1.xml」解压后超过 100 MB，为安全起见 Andy 没有继续读取。如果是正常文件，请拆分成几个小文件，或只保留需要的部分后再发。',
    )
    const many = await post(xlsxManyEntries())
    expect(many.status).toBe(413)
    expect((many.json as { msg: string }).msg).toContain('内部包含 100,000 个文件')
  })

  it('answers 400 in Chinese for a corrupt xlsx, and still reads a workbook whose shared strings come last', async () => {
    const corrupt = await post(Buffer.from('PK\u0003\u0004 definitely not a workbook'))
    expect(corrupt.status).toBe(400)
    expect((corrupt.json as { msg: string }).msg).toMatch(/^「学习记录.xlsx」打不开：文件已损坏/)
    expect((corrupt.json as { msg: string }).msg).not.toMatch(/[A-Za-z]{6,}/)
    const late = xlsxSharedStringsLast([
      {
        name: '学习记录',
        rows: [
          ['学员', '部门', '课程名称', '学习时长（分钟）', '完成状态'],
          ['王一', '销售部', '产品知识', '60', '已完成'],
        ],
      },
    ])
    const ok = await post(late)
    expect(ok.status).toBe(200)
    expect((ok.json as { data: { metrics: { learners: number } } }).data.metrics.learners).toBe(1)
  })
})
