import type { LlmTotals, Page } from '../api-queries.js'
import type { LlmCallRecord, LlmCallRow } from '../llm-calls.js'
import type { PromptStepInput, PromptStepRow, ReportPromptInput, ReportPromptRow } from '../prompts.js'
import type { LlmCostRow } from '../usage-stats.js'

/**
 * The LLM features' stores: the ledger of model calls (cost accounting and the per-user daily budget)
 * and the prompt tables. SQLite: src/db/stores/sqlite-llm.ts; PostgreSQL: src/db/pg/llm-store.ts.
 */

/** One row per model call (llm_calls): what it cost, and what a user spent on a day. */
export interface LlmCallStore {
  /** Records one call (ok or not) with its usage and cost; returns its id. */
  record(r: LlmCallRecord): Promise<number>
  /** What a user spent on model calls on one China-time day, in RMB (the daily budget's spend). */
  spentOn(userId: string, useDate: string): Promise<number>
  /** The calls of one message or one user (or all), oldest first. */
  list(filter?: { msgId?: string; userId?: string }): Promise<LlmCallRow[]>
  /** Sums per model and status (/metrics). */
  totals(): Promise<LlmTotals[]>
  /** Calls, failures, tokens and cost per day and model (统计 导出's LLM成本 sheet). */
  costByDay(f: { from: string; to: string; userId?: string }): Promise<LlmCostRow[]>
  /**
   * The daily budget's reservations shared by every instance (PostgreSQL). Absent on SQLite: one process
   * owns the file and reserves in memory (src/bot/model-call.ts).
   */
  readonly reservations?: BudgetReservations
}

/** What a call reserves against a user's daily budget before it is made (its worst-case cost). */
export interface BudgetReservation {
  readonly userId: string
  /** The China-time day of the budget. */
  readonly useDate: string
  readonly rmb: number
  readonly msgId?: string
}

/** Reservations of calls in flight on any instance: each is counted until released or expired. */
export interface BudgetReservations {
  /** What unexpired reservations hold of this user-day, in RMB. */
  reservedOn(userId: string, useDate: string, now: number): Promise<number>
  /**
   * One atomic check-and-reserve (serialised per user-day across instances): when the day's recorded
   * spend + unexpired reservations + `r.rmb` stays within `budget`, the reservation is stored until
   * `expiresAt` and its id returned; otherwise nothing is stored and that spend is returned.
   */
  reserve(
    r: BudgetReservation,
    budget: number,
    now: number,
    expiresAt: number,
  ): Promise<{ readonly id: number } | { readonly spent: number }>
  /** Drops a reservation (its call's llm_calls row is written, or the call was never made). */
  release(id: number): Promise<void>
}

/** prompt_steps (the pipelines' prompts, by version and step type) and report_prompts (报告解读's apps). */
export interface PromptStore {
  /** Versions present (of these step types), newest first. */
  versions(stepTypes?: readonly string[]): Promise<string[]>
  /** Rows in table order; without a version, newest version first. */
  steps(f?: { version?: string; stepTypes?: readonly string[] }): Promise<PromptStepRow[]>
  /** One page of a version's steps (of one step type), by id, with their number (ALieBiaoAndypromptsteps). */
  pageSteps(f: { version: string; stepType?: string }, p: Page): Promise<PromptPage<PromptStepRow>>
  countSteps(): Promise<number>
  /** One transaction: the versions present in `rows` are replaced (a re-import is an update). */
  replaceVersions(rows: readonly PromptStepInput[]): Promise<{ inserted: number; deleted: number }>
  /** Rows by order_index, then id. */
  reports(f?: { appCatalog?: string; appName?: string; appId?: string }): Promise<ReportPromptRow[]>
  /**
   * One page of the report prompts by order_index, then id, with their number (ALieBiaoAndyReportPromts):
   * catalog and app id exact, `appNameContains` anywhere in the app name (case-insensitive).
   */
  pageReports(
    f: { appCatalog?: string; appNameContains?: string; appId?: string },
    p: Page,
  ): Promise<PromptPage<ReportPromptRow>>
  countReports(): Promise<number>
  /** One transaction: every report prompt is replaced (the sheet is the whole list). */
  replaceReports(rows: readonly ReportPromptInput[]): Promise<{ inserted: number; deleted: number }>
}

/** One page of a prompt table and the number of rows matching (all pages). */
export interface PromptPage<T> {
  readonly rows: T[]
  readonly total: number
}

export interface LlmStores {
  readonly calls: LlmCallStore
  readonly prompts: PromptStore
}
