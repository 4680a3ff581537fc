import type { Page, UsageFilter } from '../api-queries.js'
import type { UsageDetailRow } from '../usage-detail.js'
import type { DayIntentCount, DayTotals, LatencyHistogram, LlmCostRow } from '../usage-queries.js'
import type { IntentTotals, TopEntry, UsageStatsFilter, ZeroResultQuestion } from '../usage-stats-types.js'

export type { UsageDetailRow } from '../usage-detail.js'
export type { DayIntentCount, DayTotals, LatencyHistogram, LlmCostRow } from '../usage-queries.js'
export type { IntentTotals, TopEntry, UsageStatsFilter, ZeroResultQuestion } from '../usage-stats-types.js'

/**
 * Everything 统计 reads (the reply, 统计 导出, the weekly digest, `andy stats`, the HTTP usage list):
 * SQLite (stores/usage-sqlite.ts, over usage-stats.ts) or PostgreSQL (pg/usage-read.ts), the same
 * statements and post-processing (usage-queries.ts) on both, so both give the same answers for the
 * same records. Whole days come from the daily rollup where the filters allow, else the raw records.
 */
export interface UsageReadStore {
  /** Messages per day and intent, ordered by intent and day. */
  countsByDayIntent(f: UsageStatsFilter): Promise<DayIntentCount[]>
  /** Per-intent totals, most used first (`intents`: those present, from countsByDayIntent). */
  totalsByIntent(f: UsageStatsFilter, intents: readonly string[]): Promise<IntentTotals[]>
  /** Everything per day, with the number of distinct users (the export's 按日). */
  totalsByDay(f: UsageStatsFilter): Promise<DayTotals[]>
  topUsers(f: UsageStatsFilter, limit: number): Promise<TopEntry[]>
  topGroups(f: UsageStatsFilter, limit: number): Promise<TopEntry[]>
  /** Reply latencies per bucket of LATENCY_BUCKETS, their number and the slowest. */
  latencyHistogram(f: UsageStatsFilter): Promise<LatencyHistogram>
  /** 内容缺口: zero-result searches and unanswerable questions, grouped by text, most frequent first. */
  zeroResultQuestions(f: UsageStatsFilter, limit: number): Promise<ZeroResultQuestion[]>
  /** Nicknames and group names of the period equal to one of `words` ("统计 张三"). */
  knownNames(words: readonly string[], from: string, to: string): Promise<{ nicks: Set<string>; groups: Set<string> }>
  /** LLM calls per day and model (the LLM成本 sheet). */
  llmCostByDay(f: { from: string; to: string; userId?: string }): Promise<LlmCostRow[]>
  /** The newest `limit` records, oldest first (the capped 明细). */
  latestUsage(f: UsageStatsFilter, limit: number): Promise<UsageDetailRow[]>
  /**
   * Every record of the filter by day then id, a page at a time (明细 CSV/xlsx of any length); no
   * statement stays open between pages.
   */
  pages(f: UsageStatsFilter, pageSize?: number): AsyncIterable<UsageDetailRow[]>
  /** The HTTP list (AAndyUseRecordStatistics): newest first, one page, and the total. */
  list(f: UsageFilter, p: Page): Promise<{ items: Array<Record<string, unknown>>; total: number }>
}
