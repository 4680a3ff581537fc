import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDb } from '../../src/db/client.js'
import { checkData, healthLines } from '../../src/search/data-health.js'
import { shippedTaxonomy } from '../../src/search/taxonomy-file.js'
import { importCases } from '../../src/services/importer.js'
import { tableByKey } from '../../src/tables/index.js'
import { tempDir } from '../helpers/test-app.js'

/** Issue 11.9: 数据体检 over data as it piles up. */
describe('data check', () => {
  it('finds duplicates by natural key, labels written two ways, labels outside the taxonomy and rows without numbers', async () => {
    const tmp = tempDir('andy-health-')
    const db = openDb(':memory:')
    const csv = (name: string, text: string) => {
      const p = join(tmp.dir, name)
      writeFileSync(p, text)
      return p
    }
    const switches = tableByKey('competitor-switches')!
    await importCases(
      db,
      switches,
      csv(
        'a.csv',
        '客户名称,竞品名称,地区,企业性质,人员规模\n甲银行,学邦云,江苏,国企,1000-5000人\n乙集团,知行学堂,江苏省,国有企业,\n',
      ),
    )
    // Appended again: the same records twice.
    await importCases(
      db,
      switches,
      csv('a.csv', '客户名称,竞品名称,地区,企业性质,人员规模\n甲银行,学邦云,江苏,国企,1000-5000人\n'),
      { append: true },
    )
    await importCases(
      db,
      tableByKey('software-cases')!,
      csv('s.csv', '档案名称,客户所在省,一级行业\n丙公司,江苏,星际采矿\n'),
    )
    const r = checkData(db, shippedTaxonomy())
    expect(r.duplicates).toEqual([{ title: '平台竞对切换案例', record: '甲银行 / 学邦云', ids: [1, 3] }])
    const region = r.variants.find((v) => v.field === '地区')!
    expect(region.values.map((v) => v.value).sort()).toEqual(['江苏', '江苏省'])
    expect(region.suggest).toBe('江苏')
    expect(
      r.variants
        .find((v) => v.field === '企业性质')!
        .values.map((v) => v.value)
        .sort(),
    ).toEqual(['国企', '国有企业'])
    expect(r.uncovered).toContainEqual({ title: '平台合作客户', field: '一级行业', value: '星际采矿', count: 1 })
    expect(r.missing.filter((m) => m.what === '人员规模').map((m) => m.name)).toEqual(['乙集团', '丙公司'])
    const text = healthLines(r).join('\n')
    expect(text).toContain('重复记录 1 组')
    expect(text).toContain('写法不一')
    tmp.cleanup()
  })
})
