import { describe, expect, it } from 'vitest'
import { findWant, MAX_WANT } from '../../src/search/want.js'
import { loadMixedLabels } from '../helpers/mixed-labels.js'
import { createTestApp } from '../helpers/test-app.js'

/** "How many to show" (给我3个 / 前10条) as reps say it — and what is not that phrase. */

describe('findWant', () => {
  it.each([
    ['上万人的央企 领导力 案例 给我3个', 3],
    ['来两条 银行的打单方案', 2],
    ['推荐五个 制造业 的客户案例', 5],
    ['制造业客户案例前10条', 10],
    ['医药 新员工 的案例 3个吧', 3],
    ['金融 客户案例 给我30个', MAX_WANT],
    ['最近的5条打单方案', 5],
    ['5个银行的案例', 5],
    ['最新3个 医药 案例', 3],
  ])('%s → %i rows', (sentence, n) => {
    const w = findWant(sentence)
    expect(w.count).toBe(n)
    expect(w.rest).toHaveLength(sentence.length)
    expect(w.rest).not.toMatch(/\d个|\d条|两条|五个/)
  })

  it.each([
    '有5个帐号以上的软件客户',
    '近3个月 金融 客户案例',
    '给我几个 医药 案例',
    '银行有几个案例',
    '10家以上 分公司的客户',
    '3个省的切换案例',
    '5000人以上 国企',
    '找一家做过安全生产的央企 案例',
    '非国有企业 的 金融 一家 案例',
  ])('%s is not a number of rows', (sentence) => {
    expect(findWant(sentence).count).toBeUndefined()
    expect(findWant(sentence).rest).toBe(sentence)
  })
})

describe('in the chat', () => {
  it('shows as many rows as asked, keeps the other filters, and pages on with the same size', async () => {
    const t = createTestApp({})
    loadMixedLabels(t.db)
    const all = await t.ask('客户案例')
    expect(all.total).toBeGreaterThan(4)
    const few = await t.ask('客户案例 给我2个')
    expect(few.total).toBe(all.total)
    expect(few.hits).toHaveLength(2)
    expect(few.replies[0]).not.toContain('没用上的词')
    const more = await t.ask('更多')
    expect(more.replies[0]).toMatch(/^\*\*内容客户案例：找到 \d+ 条\*\*（第 2\/\d+ 页）/)
    expect(more.replies[0]).toContain('**3. ')
    expect(more.replies[0]).toContain('**4. ')
    expect(more.replies[0]).not.toContain('**5. ')
  })
})
