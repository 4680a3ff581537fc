import { type Bounds, cnNumber } from '../core/numbers.js'
import { type Found, find, first, rx } from './phrase-find.js'

/**
 * A period in months (近3个月, 最近半年, 2025年下半年, 上个月, 今年第三季度): the years it touches, since the
 * records are compared by year. `nowMonth` (1–12) places 近3个月; unknown, the previous year is included.
 */
export function findMonthPeriod(s: string, nowYear: number, nowMonth?: number): Found<Bounds> | undefined {
  const back = (months: number) => {
    const start = nowMonth === undefined ? nowYear - 1 : Math.floor((nowYear * 12 + nowMonth - 1 - months) / 12)
    return { min: Math.min(start, nowYear), max: nowYear }
  }
  const named = (w: string | undefined) =>
    !w || w === '今年' || w === '本年' ? nowYear : w === '去年' ? nowYear - 1 : w === '前年' ? nowYear - 2 : Number(w)
  const n = '(\\d+|[一二两三四五六七八九十]+|半)'
  return first(
    find(s, rx`(?:近|最近|过去|这)\\s*${n}\\s*个?\\s*(?:月|季度)`, (m) => {
      const k = m[1] === '半' ? 0.5 : /^\d/.test(m[1]!) ? Number(m[1]) : cnNumber(m[1]!)
      if (!k || k <= 0 || k > 36) return undefined
      return back(Math.ceil(m[0].includes('季度') ? k * 3 : k))
    }),
    find(s, /(?:近|最近|过去)\s*(?:半年|一年半)/, (m) => back(m[0].includes('一年半') ? 18 : 6)),
    find(s, /(?:本月|这个月|当月|本季度|这个季度|这季度|上个?月|上个?季度)/, (m) =>
      m[0].startsWith('上') ? back(m[0].includes('季') ? 3 : 1) : { min: nowYear, max: nowYear },
    ),
    find(
      s,
      /(今年|本年|去年|前年|(?:19|20)\d{2})?\s*年?\s*的?\s*(?:(?:上|下)半年|(?:第?[一二三四1-4]|q[1-4])\s*季度?|(?:1[0-2]|0?[1-9])\s*月份?(?![\d]))/,
      (m) => {
        // 6月 alone: the last June — this year's, unless this year has not reached it yet.
        const month = !m[1] && /^\d/.test(m[0]) ? Number(/^\d+/.exec(m[0])![0]) : undefined
        const y = month !== undefined && nowMonth !== undefined && month > nowMonth ? nowYear - 1 : named(m[1])
        return y >= 1950 && y <= nowYear + 1 ? { min: y, max: y } : undefined
      },
    ),
  )
}
