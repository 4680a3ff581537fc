import type { SearchIntent } from './tables.js'

/**
 * Which table a sentence asks about, from the words reps use: 3 = names the table (客户案例, 打单材料,
 * 替换案例, 采购记录, 平台客户, 用我们平台的), 2 = clearly about it (打单, 竞品, 换平台, 买过, 帐号),
 * 1 = generic (案例, 方案). The strongest table wins; when two tables are equally strong the sentence is
 * ambiguous and Andy asks — except that switch cases are cases too (竞品切换的客户案例 is a switch).
 */

type Weighted = readonly [intent: SearchIntent, weight: 1 | 2 | 3, words: readonly string[]]

export const INTENT_PHRASES: readonly Weighted[] = [
  ['case', 3, ['客户案例', '成功案例', '标杆案例', '标杆客户', '客户故事', '内容案例', '参考案例', '案例库', '落地案例', '项目案例', '培训案例', '实施案例']],
  ['case', 1, ['案例', '标杆', '样板', '先例']],
  ['pitch', 3, ['打单方案', '打单材料', '打单资料', '打单案例', '投标方案', '投标材料', '解决方案', '销售方案', '项目方案', '方案材料', '建议书', '方案书', '提案材料']],
  ['pitch', 2, ['打单', '投标', '标书', '竞标', '话术', '提案', '方案模板']],
  ['pitch', 1, ['方案', '材料']],
  ['switch', 3, [
    '竞对切换', '竞品切换', '平台切换', '切换案例', '替换案例', '竞品替换', '竞对替换', '竞品案例', '竞对案例', '换平台', '换了平台',
    '替换平台', '切换平台', '迁移案例', '从竞品', '从竞对', '替换掉', '切换过来', '替换过来', '换过来', '切过来', '转过来', '迁过来',
    '原平台', '老平台', '原来的平台', '之前的平台', '以前的平台',
  ]],
  ['switch', 2, ['竞对', '竞品', '切换', '替换', '换掉', '替代', '迁移', '弃用', '对手', '友商', '挖过来', '抢过来']],
  ['procurement', 3, ['采购记录', '采购明细', '购买记录', '成交记录', '售卖记录', '内容售卖', '采购情况', '下单记录', '订单记录']],
  ['procurement', 2, ['采购', '购买', '买过', '买了', '买的', '购买过', '下单', '下过单', '订购', '成交', '售卖', '卖了', '卖过', '卖给', '订单']],
  ['software', 3, [
    '软件客户', '平台客户', '平台合作客户', '用我们平台', '用我们的平台', '在用我们平台', '用过我们平台', '用我们系统', '用我们的系统',
    '平台用户', '系统客户', '平台签约', '软件签约', '签约客户', '学习平台客户', '我们平台的客户', '上了我们平台',
  ]],
  ['software', 2, ['软件', '平台合作', '帐号数', '账号数', '帐号', '账号', '开通帐号', '开通账号', 'saas', '学习平台', '上线平台']],
  ['software', 1, ['平台']],
]

/** Every intent phrase, longest first (for scanning and for removing them from the sentence). */
export const ALL_INTENT_WORDS: readonly string[] = [...new Set(INTENT_PHRASES.flatMap(([, , ws]) => ws))].sort((a, b) => b.length - a.length)

export interface IntentSpan {
  intent: SearchIntent
  weight: number
  start: number
  end: number
  word: string
}

/**
 * Intent phrases in the text, longest first and without overlaps, skipping positions masked out
 * (inside a stored value: a product called "…方案" is not a pitch question).
 */
export function findIntentWords(text: string, masked: (start: number, end: number) => boolean = () => false): IntentSpan[] {
  const taken = new Uint8Array(text.length)
  const out: IntentSpan[] = []
  for (const word of ALL_INTENT_WORDS) {
    let from = 0
    for (;;) {
      const at = text.indexOf(word, from)
      if (at < 0) break
      from = at + 1
      const end = at + word.length
      if (masked(at, end)) continue
      let free = true
      for (let i = at; i < end; i++) if (taken[i]) free = false
      if (!free) continue
      for (let i = at; i < end; i++) taken[i] = 1
      const best = INTENT_PHRASES.filter(([, , ws]) => ws.includes(word)).sort((a, b) => b[1] - a[1])
      for (const [intent, weight] of best) out.push({ intent, weight, start: at, end, word })
    }
  }
  return out.sort((a, b) => a.start - b.start)
}

/** Scores → the chosen intent, or the tied intents when the sentence fits several equally. */
export function decide(scores: ReadonlyMap<SearchIntent, number>, opts: { switchIsCase?: boolean } = {}): { intent?: SearchIntent; tied: SearchIntent[] } {
  let top = 0
  for (const v of scores.values()) top = Math.max(top, v)
  if (top <= 0) return { tied: [] }
  let tied = [...scores].filter(([, v]) => v === top).map(([k]) => k)
  // A competitor-switch case is a case: "竞品切换的客户案例" asks for switches.
  if (opts.switchIsCase && tied.includes('switch') && tied.includes('case')) tied = tied.filter((t) => t !== 'case')
  return tied.length === 1 ? { intent: tied[0], tied } : { tied: ORDER.filter((i) => tied.includes(i)) }
}

/** Presentation order of the tables in a question. */
export const ORDER: readonly SearchIntent[] = ['case', 'pitch', 'switch', 'procurement', 'software']

/** Short names of the tables, as a rep says them. */
export const SHORT_NAMES: Record<SearchIntent, string> = {
  case: '客户案例', pitch: '打单方案', switch: '竞对切换案例', procurement: '采购记录', software: '软件客户',
}
