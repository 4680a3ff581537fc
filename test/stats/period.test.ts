import { describe, expect, it } from 'vitest'
import { defaultPeriod, findPeriod, PeriodError, previousWeek, weekKey } from '../../src/stats/period.js'
import { parseStatsQuery, resolveNames } from '../../src/stats/query.js'

/** 2026-11-28 10:00 China time, a Saturday. */
const NOW = Date.parse('2026-11-28T02:00:00Z')

function range(text: string, now = NOW): [string, string] {
  const m = findPeriod(text, now)
  if (!m) throw new Error(`no period in ${text}`)
  return [m.period.from, m.period.to]
}

describe('findPeriod', () => {
  it('should read every period phrase relative to China time', () => {
    expect(range('统计 今天')).toEqual(['2026-11-28', '2026-11-28'])
    expect(range('昨天的使用情况')).toEqual(['2026-11-27', '2026-11-27'])
    expect(range('本周')).toEqual(['2026-11-23', '2026-11-28'])
    expect(range('上周')).toEqual(['2026-11-16', '2026-11-22'])
    expect(range('本月')).toEqual(['2026-11-01', '2026-11-28'])
    expect(range('上月')).toEqual(['2026-10-01', '2026-10-31'])
    expect(range('最近7天')).toEqual(['2026-11-22', '2026-11-28'])
    expect(range('近30天')).toEqual(['2026-10-30', '2026-11-28'])
    expect(range('最近两周')).toEqual(['2026-11-15', '2026-11-28'])
    expect(range('今年')).toEqual(['2026-01-01', '2026-11-28'])
    expect(range('2026-11-01到2026-11-15')).toEqual(['2026-11-01', '2026-11-15'])
    expect(range('2026/11/01 至 2026/11/15')).toEqual(['2026-11-01', '2026-11-15'])
    expect(range('2026-11-05')).toEqual(['2026-11-05', '2026-11-05'])
  })

  it('should use the China-time day, not the UTC one, around midnight', () => {
    const lateUtc = Date.parse('2026-11-30T17:00:00Z') // 2026-12-01 01:00 in China
    expect(range('今天', lateUtc)).toEqual(['2026-12-01', '2026-12-01'])
    expect(range('上月', lateUtc)).toEqual(['2026-11-01', '2026-11-30'])
    expect(range('上周', Date.parse('2027-01-05T02:00:00Z'))).toEqual(['2026-12-28', '2027-01-03'])
  })

  it('should default to the last 7 days and label it', () => {
    expect(findPeriod('统计', NOW)).toBeUndefined()
    expect(defaultPeriod(NOW)).toEqual({ from: '2026-11-22', to: '2026-11-28', label: '最近7天（11-22 至 11-28）' })
  })

  it('should refuse reversed or impossible dates with a Chinese message', () => {
    expect(() => findPeriod('2026-11-15到2026-11-01', NOW)).toThrow(PeriodError)
    expect(() => findPeriod('2026-11-15到2026-11-01', NOW)).toThrow(/晚于/)
    expect(() => findPeriod('2026-02-30到2026-03-02', NOW)).toThrow(/不对/)
  })

  it('should name the previous ISO week for the digest', () => {
    expect(previousWeek(NOW)).toMatchObject({ from: '2026-11-16', to: '2026-11-22', key: '2026-W47' })
    expect(weekKey('2026-01-01')).toBe('2026-W01')
    expect(weekKey('2027-01-03')).toBe('2026-W53')
  })
})

describe('parseStatsQuery', () => {
  it('should read period, assistants, conversation type and export together', () => {
    const q = parseStatsQuery('统计 上周 案例 打单 群聊 导出', { now: NOW })
    expect(q.period).toMatchObject({ from: '2026-11-16', to: '2026-11-22' })
    expect(q.intents).toEqual(['case', 'pitch'])
    expect(q.conversationType).toBe('2')
    expect(q.export).toBe(true)
    expect(q.words).toEqual([])
  })

  it('should read keyed filters and the seed assistant_type numbers', () => {
    const q = parseStatsQuery('统计 人员:张三 群:华东销售群 内容:制造业 助手:1 单聊', { now: NOW })
    expect(q).toMatchObject({
      userNick: '张三',
      groupName: '华东销售群',
      consultContent: '制造业',
      intents: ['procurement'],
      conversationType: '1',
    })
  })

  it('should turn bare known names into filters and report unknown words', () => {
    const parsed = parseStatsQuery('统计 李四 北区群 哈哈', { now: NOW })
    const q = resolveNames(parsed, { nicks: new Set(['李四']), groups: new Set(['北区群']) })
    expect(q).toMatchObject({ userNick: '李四', groupName: '北区群', unknown: ['哈哈'] })
  })
})
