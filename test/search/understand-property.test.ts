import { beforeAll, describe, expect, it } from 'vitest'
import { type Db, openDb } from '../../src/db/client.js'
import { Dictionary } from '../../src/search/dictionary.js'
import { functionWords } from '../../src/search/function-words.js'
import { parseSentence } from '../../src/search/parser.js'
import { runSearch } from '../../src/search/service.js'
import { loadMixedLabels } from '../helpers/mixed-labels.js'

/**
 * The function-word list's promise (data/function-words.txt): adding any of its words to a sentence —
 * before it, after it, or between its words, with or without a space — never changes the rows.
 */

let db: Db
let dict: Dictionary
beforeAll(() => {
  db = openDb(':memory:')
  loadMixedLabels(db)
  dict = Dictionary.build(db)
})

const BASES = [
  '制造业 5000人以上 国企 的客户案例',
  '非国有企业 的 金融 案例',
  '江苏 和 浙江 的 软件客户',
  '除了国企以外 的 制造业 采购',
  '银行 新员工 的打单方案',
  '学邦云 换过来 的 客户',
  '金额 超过50万 的 采购',
  '不是 新签 的 采购',
  '零售 或者 餐饮 的 案例',
  '做过 安全生产 的 客户案例',
  '帐号数大于1000 江苏 软件客户',
  '恒远 的 案例',
  '国企 的 不要 ， 医药 采购',
]

type Parsed = ReturnType<typeof parseSentence>

/** Everything of the understanding the search reads: the table, the filters, and how it is run. */
function understood(p: Parsed): string {
  return JSON.stringify([p.table?.key, p.filters, p.contradictions.length, p.count])
}

/** The rows of a sentence; the search is run again only when the sentence was understood differently. */
const searched = new Map<string, { table?: string; ids: number[] }>()
function rows(sentence: string): { table?: string; ids: number[] } {
  const p = parseSentence(sentence, { dict, nowYear: 2026 })
  if (!p.table) return { ids: [] }
  const key = understood(p)
  const known = searched.get(key)
  if (known) return known
  const out = search({ ...p, table: p.table })
  searched.set(key, out)
  return out
}

function search(p: Parsed & { table: NonNullable<Parsed['table']> }) {
  const out = runSearch(db, dict, {
    table: p.table,
    filters: p.filters,
    page: 1,
    perpage: 100,
    relax: p.contradictions.length === 0,
    keepFilters: p.count,
  })
  return { table: p.table.key, ids: out.rows.map((r) => r.id) }
}

/**
 * The sentence with the word added at every word boundary, at both ends, spaced and glued. Glued right
 * onto a negation a character can make another word (是 + 不是 = 是不是, a question), so there it is spaced.
 */
function variants(base: string, w: string): string[] {
  const parts = base.split(' ')
  const out = [`${w} ${base}`, `${base} ${w}`, `${base}${w}`]
  if (!/^(不是|非|除)/.test(base)) out.push(`${w}${base}`)
  for (let i = 1; i < parts.length; i++) out.push([...parts.slice(0, i), w, ...parts.slice(i)].join(' '))
  return out
}

describe('function words never change the rows', () => {
  it('has a real list', () => {
    expect(functionWords().size).toBeGreaterThan(300)
    expect(functionWords().has('谢谢')).toBe(true)
    // Words that change the meaning are not function words.
    for (const w of ['非', '不是', '除了', '或', '多少', '以上', '之间', '案例'])
      expect(functionWords().has(w)).toBe(false)
  })

  it.each(BASES)('%s', (base) => {
    const want = rows(base)
    expect(want.table).toBeDefined()
    const changed: string[] = []
    for (const w of functionWords()) {
      for (const v of variants(base, w)) {
        const got = rows(v)
        if (got.table !== want.table || got.ids.join(',') !== want.ids.join(',')) changed.push(`「${v}」`)
      }
    }
    expect(changed).toEqual([])
  })
})
