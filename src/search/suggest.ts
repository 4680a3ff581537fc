import { escapeMd } from '../core/markdown.js'
import type { AppliedFilter } from '../tables/conditions.js'
import type { TableSpec } from '../tables/index.js'
import type { Dictionary } from './dictionary.js'

/**
 * "Did you mean": a word that found nothing (学帮云) next to a stored value one or two keystrokes away
 * (学邦云) — a typo or a homophone of a competitor, product or customer type. Only the table's category
 * values are candidates, so what is suggested is something a search finds.
 */

/** At most this many suggestions per word. */
const MAX_PER_WORD = 3

/** Edit distance (insert, delete, replace, swap of neighbours), stopping early past `max`. */
export function editDistance(a: string, b: string, max: number): number {
  const s = [...a]
  const t = [...b]
  if (Math.abs(s.length - t.length) > max) return max + 1
  let prev2: number[] = []
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j)
  for (let i = 1; i <= s.length; i++) {
    const cur = [i]
    let rowMin = i
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, prev2[j - 2]! + 1)
      cur.push(d)
      rowMin = Math.min(rowMin, d)
    }
    if (rowMin > max) return max + 1
    prev2 = prev
    prev = cur
  }
  return prev[t.length]!
}

/** Typos allowed: one in a word of 3–4 characters, two in a longer one; none in shorter ones (too many near misses). */
const allowed = (word: string): number => {
  const n = [...word].length
  return n < 3 ? 0 : n <= 4 ? 1 : 2
}

/** The reply's note for one word: 没有「学帮云」，是不是「学邦云」？ */
export function suggestionNote(s: { word: string; values: string[] }): string {
  return `没有找到「${escapeMd(s.word)}」，是不是${s.values.map((v) => `「${escapeMd(v)}」`).join('、')}？`
}

/**
 * For each wanted keyword of a search that found nothing, the table's category values within its typo
 * allowance (closest first, then the most common). Words with none are left out.
 */
export function suggestValues(
  dict: Dictionary,
  table: TableSpec,
  filters: readonly AppliedFilter[],
): Array<{ word: string; values: string[] }> {
  const words = filters
    .filter((f) => f.key === 'keywords' && !f.exclude && typeof f.value === 'string')
    .map((f) => f.value as string)
  if (!words.length) return []
  const columns = table.columns.filter((c) => c.dim && dict.isCategory(table.key, c.name)).map((c) => c.name)
  const out: Array<{ word: string; values: string[] }> = []
  for (const word of words) {
    const max = allowed(word)
    if (!max) continue
    const found = new Map<string, number>()
    for (const col of columns)
      for (const value of dict.values(table.key, col)) {
        if (found.has(value) || value === word) continue
        const d = editDistance(word.toLowerCase(), value.toLowerCase(), max)
        if (d <= max) found.set(value, d)
      }
    const values = [...found].sort((a, b) => a[1] - b[1]).map(([v]) => v)
    if (values.length) out.push({ word, values: values.slice(0, MAX_PER_WORD) })
  }
  return out
}
