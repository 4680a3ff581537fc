import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { beforeAll, describe, expect, it } from 'vitest'
import { iterateRecords, mulberry32 } from '../../src/demo/generate.js'
import { JiebaDictFile } from '../../src/search/jieba-dict.js'
import { JIEBA_TOTAL_FILE, type JiebaSegmenter, newJiebaSegmenter } from '../../src/search/segmenter.js'
import { SYNTAX_WORDS } from '../../src/search/syntax.js'
import { shippedTaxonomy } from '../../src/search/taxonomy-file.js'

/**
 * A one-shot process (andy ask) segments with a partial jieba dictionary — the words inside the sentences
 * cut so far, plus a filler carrying the rest of the total. It must give exactly the tokens of the complete
 * dictionary, whatever the sentence and whenever user words arrive.
 */

const require = createRequire(import.meta.url)
const dictText = readFileSync(require.resolve('@node-rs/jieba/dict.txt'), 'utf8')
const dictWords = dictText
  .split('\n')
  .filter(Boolean)
  .map((l) => l.split(' ')[0]!)

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const taxonomy = shippedTaxonomy()
const values = new Set<string>()
for (const key of ['content-cases', 'pitch-plans', 'procurements'] as const)
  for (const r of iterateRecords(key, 200, 3))
    for (const v of Object.values(r)) if (typeof v === 'string' && v.length >= 2 && v.length <= 12) values.add(v)
/** Added only after some sentences were cut: words the partial dictionary already holds at their own frequency. */
const lateWords = ['国有企业', '新签的', '数字化转型', '价格上涨', '中国企业', '别给我']
const userWords = [
  ...values,
  ...(['industry', 'enterpriseType', 'crowd', 'region'] as const).flatMap((g) => taxonomy.terms(g)),
  ...SYNTAX_WORDS,
].filter((w) => !lateWords.includes(w))

const FIXED = [
  '制造业 5000人以上 国企 的客户案例',
  '别给我国有企业的案例',
  '中国企业 数字化转型 讲数字化转型的',
  '近两年 医药 新员工 客户案例',
  '因为价格上涨换掉了SAP和IT系统',
  '不要华东的，除了2023年的都行',
  '美的好电器 有恒远 价格太贵',
  'C++ 和 AT&T 的 4S店 A股',
  '  ',
  '江苏省南京市金融行业 银行 保险 证券 的 培训 项目 ……',
]

function randomSentences(n: number, seed: number): string[] {
  const r = rng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
  const extras = ['的', '了', '和', '非', '不是', ' ', '，', '5000人以上', '2023年', 'SAP', 'it', '％', '、', '—']
  return Array.from({ length: n }, () => {
    const parts = Array.from({ length: 2 + Math.floor(r() * 6) }, () => {
      const k = r()
      return k < 0.35 ? pick(userWords) : k < 0.7 ? pick(dictWords) : k < 0.85 ? pick(extras) : pick(lateWords)
    })
    return parts.join(r() < 0.3 ? ' ' : '')
  })
}

let full: JiebaSegmenter
beforeAll(() => {
  full = newJiebaSegmenter()
  full.addWords(userWords)
  full.loadFully()
})

describe('partial jieba dictionary', () => {
  it('cuts every sentence as the complete dictionary does, user words added before and after', () => {
    const partial = newJiebaSegmenter({ maxExtensions: Number.POSITIVE_INFINITY })
    partial.addWords(userWords)
    const first = [...FIXED, ...randomSentences(40, 1)]
    for (const s of first) expect(partial.cut(s), s).toEqual(full.cut(s))
    // 国有企业 is 3 in jieba's dictionary: raised once it is a user word, in a sentence already cut.
    expect(full.cut('别给我国有企业')).not.toContain('国有企业')
    full.addWords(lateWords)
    partial.addWords(lateWords)
    expect(full.cut('别给我国有企业')).toContain('国有企业')
    for (const s of [...first, ...randomSentences(40, 2)]) expect(partial.cut(s), s).toEqual(full.cut(s))
    expect(partial.mode).toBe('partial')
  })

  it('switches to the complete dictionary after a few sentences, with the same tokens', () => {
    const seg = newJiebaSegmenter({ maxExtensions: 2 })
    seg.addWords(userWords)
    seg.addWords(lateWords)
    for (const s of FIXED) expect(seg.cut(s), s).toEqual(full.cut(s))
    expect(seg.mode).toBe('full')
  })
})

describe('user-word frequencies kept for the next process', () => {
  it("a process primed with an earlier one's frequencies looks none of those words up and cuts the same", () => {
    const earlier = newJiebaSegmenter({ maxExtensions: Number.POSITIVE_INFINITY })
    earlier.addWords(userWords)
    const looked = earlier.resolveUsers()
    expect(looked).toBeGreaterThan(1000)
    const cache = earlier.frequencyCache()
    expect(Object.keys(cache.freqs)).toHaveLength(looked)
    // Words jieba has (国有企业: 3) and words it has not (0) are both kept.
    expect(Object.values(cache.freqs).some((f) => f > 0) && Object.values(cache.freqs).includes(0)).toBe(true)

    const next = newJiebaSegmenter({ maxExtensions: Number.POSITIVE_INFINITY })
    next.primeWith(JSON.parse(JSON.stringify(cache)))
    next.addWords(userWords)
    expect(next.resolveUsers()).toBe(0)
    next.addWords(lateWords)
    expect(next.resolveUsers()).toBe(lateWords.filter((w) => !(w in cache.freqs)).length)
    full.addWords(lateWords)
    for (const s of [...FIXED, ...randomSentences(60, 3)]) expect(next.cut(s), s).toEqual(full.cut(s))
  })

  it('ignores frequencies taken from another dictionary file', () => {
    const seg = newJiebaSegmenter()
    seg.primeWith({ dictBytes: 12, freqs: Object.fromEntries(userWords.map((w) => [w, 0])) })
    seg.addWords(userWords)
    expect(seg.resolveUsers()).toBeGreaterThan(1000)
  })
})

describe('jieba dictionary file', () => {
  const file = new JiebaDictFile(readFileSync(require.resolve('@node-rs/jieba/dict.txt')))

  it("totals every word's frequency once (jieba's total)", () => {
    const freq = new Map<string, number>()
    for (const line of dictText.split('\n')) {
      const [w, f] = line.split(' ')
      if (w) freq.set(w, Number(f))
    }
    expect(file.total).toBe([...freq.values()].reduce((a, b) => a + b, 0))
    // Each word once: a duplicated line would make jieba's total (last frequency wins) differ from the sum.
    expect(freq.size).toBe(dictWords.length)
  })

  it('the build stores that total beside the compiled segmenter, for the file it was summed from', () => {
    // dist/ is built by the test setup (test/helpers/build-dist.ts), as `npm run build` builds it.
    const stored = JSON.parse(readFileSync(new URL(`../../dist/search/${JIEBA_TOTAL_FILE}`, import.meta.url), 'utf8'))
    expect(stored).toEqual({ bytes: file.bytes.length, total: file.total })
    // A total given is the one used (no pass over the file).
    expect(new JiebaDictFile(file.bytes, 123).total).toBe(123)
  })

  it('finds the asked words and exactly the dictionary words inside a text', () => {
    const text = '制造业 5000人以上 国企的客户案例，C++ 中华人民共和国'
    const found = file.lookup(['国有企业', '不在词典里的词'], [text])
    expect(found.get('国有企业')).toBe(3)
    expect(found.has('不在词典里的词')).toBe(false)
    const inside = dictWords.filter((w) => text.split(/\s+/).some((p) => p.includes(w)))
    expect([...found.keys()].filter((w) => w !== '国有企业').sort()).toEqual([...new Set(inside)].sort())
  })

  it('looks up any word of the file (first, last, sampled) with its frequency, and no word that is not there', () => {
    const freq = new Map<string, number>()
    for (const line of dictText.split('\n')) {
      const [w, f] = line.split(' ')
      if (w) freq.set(w, Number(f))
    }
    const rnd = mulberry32(5)
    const sample = [
      dictWords[0]!,
      dictWords.at(-1)!,
      ...Array.from({ length: 3000 }, () => dictWords[Math.floor(rnd() * dictWords.length)]!),
    ]
    const absent = sample.flatMap((w) => [`${w}忑`, w.slice(0, -1), `A${w}`]).filter((w) => w && !freq.has(w))
    const found = file.lookup([...sample, ...absent], [])
    for (const w of sample) expect(found.get(w), w).toBe(freq.get(w))
    for (const w of absent) expect(found.has(w), w).toBe(false)
  })
})
