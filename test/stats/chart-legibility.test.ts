import { describe, expect, it } from 'vitest'
import { type Db, openDb } from '../../src/db/client.js'
import { storesOf } from '../../src/db/stores/index.js'
import { insertUsage } from '../../src/db/usage.js'
import { CHAT_STYLE } from '../../src/stats/chart.js'
import { formatStatsReply } from '../../src/stats/format.js'
import { CHART_TOP, dailySeries, renderStatsImage } from '../../src/stats/usage-chart.js'
import { computeUsageStats, readStatsQuery } from '../../src/stats/usage-stats.js'
import { statsSheets } from '../../src/stats/workbook.js'

/** The 统计 picture and reply as a rep sees them on a phone: every day, legible at ~358 px, people told apart. */

const NOW = Date.parse('2026-11-28T04:00:00Z') // Saturday 12:00 China time; 最近7天 = 11-22 … 11-28

function use(db: Db, date: string, userId: string, nick: string, intent = 'case'): void {
  insertUsage(db, {
    assistant_type: '4',
    assistant_name: '内容客户案例',
    user_dd_nick: nick,
    user_id: userId,
    consult_content: '央企 案例',
    conversation_type: '2',
    dd_group_name: '销售群',
    use_time: `${date} 10:00:00`,
    use_date: date,
    intent,
    status: 'ok',
  })
}

function stats(db: Db, text = '统计') {
  return computeUsageStats(db, readStatsQuery(db, text, NOW), { kind: 'all' })
}

describe('every day of the period', () => {
  it('is in the chart and the reply, days without use as 0 (also before the first use)', () => {
    const db = openDb(':memory:')
    use(db, '2026-11-24', 'u1', '李四')
    use(db, '2026-11-24', 'u1', '李四')
    use(db, '2026-11-27', 'u2', '王五')
    const s = stats(db)
    expect(s.perDay).toEqual([
      { date: '2026-11-22', n: 0 },
      { date: '2026-11-23', n: 0 },
      { date: '2026-11-24', n: 2 },
      { date: '2026-11-25', n: 0 },
      { date: '2026-11-26', n: 0 },
      { date: '2026-11-27', n: 1 },
      { date: '2026-11-28', n: 0 },
    ])
    const series = dailySeries(s)
    expect(series.labels).toEqual(['11-22', '11-23', '11-24', '11-25', '11-26', '11-27', '11-28'])
    expect(series.series.map((x) => x.values)).toEqual([[0, 0, 2, 0, 0, 1, 0]])
    const reply = formatStatsReply(s)
    expect(reply).toContain('11-22 周日：0')
    expect(reply).toContain('11-25 周三：0')
    // 全部 starts at the first record, not in the year 2000
    expect(stats(db, '统计 全部').perDay[0]).toEqual({ date: '2026-11-24', n: 2 })
    db.close()
  })
})

describe('the picture at DingTalk size', () => {
  it('is 720 px wide and about square, with text that stays ≥ 11 px when shown 358 px wide', () => {
    const db = openDb(':memory:')
    for (let i = 0; i < 12; i++) use(db, `2026-11-${String(17 + (i % 12)).padStart(2, '0')}`, `u${i}`, `销售${i}号`)
    const png = renderStatsImage(stats(db, '统计 最近30天'))
    const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)]
    expect(w).toBe(CHAT_STYLE.width)
    expect(h / w).toBeLessThan(1.15)
    const scale = 358 / w
    for (const size of [CHAT_STYLE.tick, CHAT_STYLE.legend, CHAT_STYLE.subtitle])
      expect(size * scale).toBeGreaterThanOrEqual(11)
    expect(CHAT_STYLE.title * scale).toBeGreaterThanOrEqual(15)
    // few labels: at most 8 dates on the axis, at most CHART_TOP people
    expect(CHAT_STYLE.maxCategoryTicks).toBeLessThanOrEqual(8)
    expect(CHART_TOP).toBeLessThanOrEqual(5)
    db.close()
  })
})

describe('two people with the same nickname', () => {
  it('are told apart by the end of their user id in the reply, the chart data and the workbook', async () => {
    const db = openDb(':memory:')
    for (let i = 0; i < 3; i++) use(db, '2026-11-26', 'manager4711', '张三')
    for (let i = 0; i < 2; i++) use(db, '2026-11-27', 'rep0815', '张三')
    use(db, '2026-11-27', 'u9', '李四')
    const s = stats(db)
    expect(s.topUsers.map((u) => [u.label, u.n])).toEqual([
      ['张三（…4711）', 3],
      ['张三（…0815）', 2],
      ['李四', 1],
    ])
    const reply = formatStatsReply(s)
    expect(reply).toContain('1. 张三（…4711）：3')
    expect(reply).toContain('2. 张三（…0815）：2')
    const people = (await statsSheets(storesOf({ db }).usage, s)).sheets.find((sh) => sh.name === '按人员')!
    const labels = [...(people.rows as Iterable<Record<string, unknown>>)].map((r) => r.label)
    expect(new Set(labels).size).toBe(labels.length)
    expect(labels).toContain('张三（…0815）')
    db.close()
  })
})
