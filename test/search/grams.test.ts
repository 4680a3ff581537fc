import { describe, expect, it } from 'vitest'
import { indexGrams, phraseOf } from '../../src/db/grams.js'

/** The index tokens as written out plainly (what the buffered indexGrams must equal, token for token). */
function reference(text: string | null | undefined): string {
  if (!text) return ''
  const word = (c: number) =>
    (c >= 48 && c <= 57) ||
    (c >= 97 && c <= 122) ||
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c > 127 && /[\p{L}\p{N}]/u.test(String.fromCharCode(c)))
  const s = text.toLowerCase()
  const tokens: string[] = []
  let run = ''
  for (let i = 0; i <= s.length; i++) {
    if (i < s.length && word(s.charCodeAt(i))) {
      run += s[i]
      continue
    }
    if (run.length === 1) tokens.push(run)
    for (let j = 0; j + 1 < run.length; j++) tokens.push(run.slice(j, j + 2))
    run = ''
  }
  return tokens.join(' ')
}

describe('indexGrams (the bigram tokens of the full-text index)', () => {
  it('writes the overlapping bigrams of each run of letters and digits, lower-cased; a one-character run as itself', () => {
    expect(indexGrams('数字化转型')).toBe('数字 字化 化转 转型')
    expect(indexGrams('AI素养，提升 5G')).toBe('ai i素 素养 提升 5g')
    expect(indexGrams('华为 / 银')).toBe('华为 银')
    expect(indexGrams('—— ，')).toBe('')
    expect(indexGrams(null)).toBe('')
    expect(indexGrams('x'.repeat(5000)).split(' ')).toHaveLength(4999)
  })

  it('equals the plain reference on mixed text: CJK, Latin with case, accents, full-width, emoji, lone surrogates, line breaks', () => {
    const alphabet = [
      'a',
      'B',
      'z',
      '0',
      '9',
      ' ',
      '\n',
      '，',
      '。',
      '数',
      '字',
      '化',
      'İ',
      'É',
      'ß',
      '😀',
      '\ud800',
      'é',
      'Ａ',
      '①',
      'ー',
      '한',
      '_',
      '-',
      '㐀',
      '\u3000',
      'Σ',
      'ς',
      'Ⅻ',
    ]
    let seed = 7
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32
    for (let k = 0; k < 5000; k++) {
      let s = ''
      const n = Math.floor(rnd() * 40)
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)]
      expect(indexGrams(s), JSON.stringify(s)).toBe(reference(s))
    }
  })

  it('finds a word as the phrase of its bigrams in the indexed text', () => {
    const grams = indexGrams('为锦程证券新员工设计的营销能力项目').split(' ')
    const phrase = phraseOf('新员工')!.slice(1, -1).split(' ')
    const at = grams.indexOf(phrase[0]!)
    expect(grams.slice(at, at + phrase.length)).toEqual(phrase)
  })
})
