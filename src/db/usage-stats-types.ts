/** The shapes of 统计's reads (src/db/usage-queries.ts), shared by both dialects and the UsageReadStore. */

export interface UsageStatsFilter {
  /** China-time business days, inclusive: "2026-11-01". */
  from: string
  to: string
  /** A rep's own view: only this user's records. */
  userId?: string
  intents?: readonly string[]
  /** Exact nickname. */
  userNick?: string
  /** Substring of the question. */
  consultContent?: string
  /** '1' 单聊, '2' 群聊. */
  conversationType?: string
  /** Exact group name. */
  groupName?: string
  /** Read the raw records even where the rollup could answer (tests compare both). */
  raw?: boolean
}

export interface IntentTotals {
  intent: string
  n: number
  failed: number
  rejected: number
  /** 内容缺口: searches that found nothing and unanswerable questions. */
  zero: number
  tokens: number
  /** Yuan, summed in micro-yuan (each record rounded to 0.000001) so every path adds up the same. */
  cost: number
}

export interface TopEntry {
  key: string
  label: string
  n: number
  /** How many distinct keys there are in all (same on every row). */
  distinct: number
}

export interface ZeroResultQuestion {
  question: string
  n: number
  intent: string
  last: string
  /** How many different zero-result questions there are in all. */
  distinct: number
}
