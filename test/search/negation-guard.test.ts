import { beforeAll, describe, expect, it } from 'vitest'
import { type Db, openDb } from '../../src/db/client.js'
import { Dictionary } from '../../src/search/dictionary.js'
import { parseSentence } from '../../src/search/parser.js'
import { runSearch } from '../../src/search/service.js'
import { loadMixedLabels } from '../helpers/mixed-labels.js'

/**
 * The worst bug a search assistant can have is answering the opposite of the question. Every way of
 * saying "not X" × many values × every table: no row labelled X (or a label under X) may come back —
 * whatever the relaxation does. Forbidden labels are written out by hand, not taken from the code.
 */

let db: Db
let dict: Dictionary
beforeAll(() => {
  db = openDb(':memory:')
  loadMixedLabels(db)
  dict = Dictionary.build(db)
})

const TYPE = ['enterprise_type']
const INDUSTRY = ['yxt_industry_1', 'kh_industry_1', 'yxt_industry_2']
const REGION = ['area', 'customer_province']
const CROWD = ['train_target', 'xm_crowd']

/** The word, the columns it is about, the labels that must not come back. */
const VALUES: Array<[string, string[], string[]]> = [
  ['国企', TYPE, ['国企', '国有企业', '地方国企', '地方国有企业', '央企']],
  ['国有企业', TYPE, ['国企', '国有企业', '地方国企', '地方国有企业', '央企']],
  ['央企', TYPE, ['央企']],
  ['民企', TYPE, ['民营企业']],
  ['外企', TYPE, ['外资企业']],
  ['上市公司', TYPE, ['上市公司']],
  ['金融', INDUSTRY, ['金融', '银行', '证券']],
  ['银行', INDUSTRY, ['银行']],
  ['制造业', INDUSTRY, ['制造业', '汽车制造', '电子制造', '装备制造']],
  ['江苏', REGION, ['江苏', '江苏省']],
  ['江苏省', REGION, ['江苏', '江苏省']],
  ['华东', REGION, ['江苏', '江苏省', '浙江', '浙江省', '上海']],
  ['学邦云', ['competitor_name'], ['学邦云']],
  ['新签', ['source_type'], ['新签']],
  ['新员工', CROWD, ['新员工']],
]

const TEMPLATES = [
  '非{V}的{T}',
  '不是{V}的{T}',
  '不要{V}的{T}',
  '除了{V}以外的{T}',
  '除{V}之外的{T}',
  '排除{V}的{T}',
  '不含{V}的{T}',
  '{V}除外的{T}',
  '{V}以外的{T}',
  '{T}，{V}的不要',
  '{T} 别给我{V}',
  '{V}的不考虑，{T}',
  '帮我找一下不是{V}的{T}，谢谢',
  '有没有非{V}的{T}',
  '{T}里面除了{V}以外还有哪些',
  '不包括{V}在内的{T}',
]

const TABLE_WORDS = ['客户案例', '打单方案', '竞品切换案例', '采购记录', '平台客户']

describe('a negated value never comes back', () => {
  it.each(VALUES)('%s', (word, columns, forbidden) => {
    const leaks: string[] = []
    let excluded = 0
    for (const template of TEMPLATES) {
      for (const t of TABLE_WORDS) {
        const s = template.replace('{V}', word).replace('{T}', t)
        const p = parseSentence(s, { dict, nowYear: 2026 })
        if (!p.table) {
          leaks.push(`「${s}」 found no table`)
          continue
        }
        if (p.filters.some((f) => f.exclude)) excluded++
        const out = runSearch(db, dict, {
          table: p.table,
          filters: p.filters,
          page: 1,
          perpage: 100,
          relax: p.contradictions.length === 0,
          keepFilters: p.count,
        })
        for (const row of out.rows) {
          for (const c of columns)
            if (forbidden.includes(String(row[c])))
              leaks.push(`「${s}」 → ${String(row[p.table.nameColumn])} (${c}=${String(row[c])})`)
        }
        expect(out.relaxed.some((f) => f.exclude)).toBe(false)
      }
    }
    expect(leaks).toEqual([])
    // Every phrasing was read as an exclusion.
    expect(excluded).toBe(TEMPLATES.length * TABLE_WORDS.length)
  })
})
