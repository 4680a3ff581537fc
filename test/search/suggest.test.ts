import { describe, expect, it } from 'vitest'
import { editDistance } from '../../src/search/suggest.js'

describe('editDistance', () => {
  it('counts inserts, deletes, replacements and swapped neighbours, and stops past the bound', () => {
    expect(editDistance('学帮云', '学邦云', 2)).toBe(1)
    expect(editDistance('易课通', '易通课', 2)).toBe(1)
    expect(editDistance('领导力发展', '领导力', 2)).toBe(2)
    expect(editDistance('领导力发展', '领导发展力', 2)).toBe(2)
    expect(editDistance('abc', 'abc', 0)).toBe(0)
    expect(editDistance('制造业', '金融行业', 1)).toBe(2)
    expect(editDistance('一二三四五六', '六五四三二一', 1)).toBe(2)
  })
})
