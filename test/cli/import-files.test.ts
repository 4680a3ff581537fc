import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { xlsxBomb, xlsxSharedStringsLast } from '../helpers/bombs.js'
import { cliRunner } from '../helpers/cli.js'
import { tempDir } from '../helpers/test-app.js'

/** `andy import` as an admin runs it, on hostile and damaged workbooks (issues 18 and 12.15). */

const tmp = tempDir('andy-cli-files-')
afterAll(() => tmp.cleanup())
const env = {
  ...process.env,
  DB_PATH: join(tmp.dir, 'andy.db'),
  LOG_LEVEL: 'silent',
  DINGTALK_CLIENT_ID: '',
  DINGTALK_CLIENT_SECRET: '',
  OPENAI_API_KEY: '',
}

const andy = cliRunner(env)

const file = (name: string, bytes: Buffer) => {
  const p = join(tmp.dir, name)
  writeFileSync(p, bytes)
  return p
}

describe('andy import with hostile or damaged files', () => {
  it('refuses a zip bomb and a corrupt xlsx in Chinese, imports nothing, and imports a workbook whose shared strings come last', async () => {
    const bomb = await andy('import', 'content-cases', file('bomb.xlsx', xlsxBomb()))
    expect(bomb.code).toBe(1)
    expect(bomb.stderr).toContain(
      '✘ 「bomb.xlsx」其中的「xl/worksheets/sheet1.xml」解压后超过 100 MB，为安全起见 Andy 没有继续读取（上限由 ANDY_FILE_MAX_PART_MB 设置，见 docs/files.md）',
    )

    const corrupt = await andy(
      'import',
      'content-cases',
      file('corrupt.xlsx', Buffer.from('PK\u0003\u0004 not really a workbook')),
    )
    expect(corrupt.code).toBe(1)
    expect(corrupt.stderr).toContain('✘ 「corrupt.xlsx」打不开：文件已损坏，或不是它的扩展名所说的格式')
    // No raw English library error (jszip's "End of data reached … Corrupted zip?").
    expect(corrupt.stderr).not.toMatch(/Corrupted zip|End of data|central directory/i)

    const late = xlsxSharedStringsLast([
      {
        name: '案例',
        rows: [
          ['客户名称', '客户行业'],
          ['甲银行', '金融'],
          ['乙集团', '制造业'],
        ],
      },
    ])
    const ok = await andy('import', 'content-cases', file('late.xlsx', late))
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain('新增 2')
  }, 360_000)
})
