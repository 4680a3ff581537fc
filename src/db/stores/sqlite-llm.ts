import { listPromptStepRows, listReportPromptRows, llmTotals } from '../api-queries.js'
import type { Db } from '../client.js'
import { insertLlmCall, llmCalls, spentOn } from '../llm-calls.js'
import {
  countPromptSteps,
  countReportPrompts,
  listPromptSteps,
  listReportPrompts,
  promptVersions,
  replacePromptVersions,
  replaceReportPrompts,
} from '../prompts.js'
import { llmCostByDay } from '../usage-stats.js'
import type { LlmStores } from './llm-types.js'

/** The LLM call ledger and the prompt tables on SQLite: the synchronous statements behind the async interfaces. */
export function createSqliteLlmStores(db: Db): LlmStores {
  const run = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn())
    } catch (err) {
      return Promise.reject(err as Error)
    }
  }
  return {
    calls: {
      record: (r) => run(() => insertLlmCall(db, r)),
      spentOn: (userId, useDate) => run(() => spentOn(db, userId, useDate)),
      list: (filter) => run(() => llmCalls(db, filter)),
      totals: () => run(() => llmTotals(db)),
      costByDay: (f) => run(() => llmCostByDay(db, f)),
    },
    prompts: {
      versions: (stepTypes) => run(() => promptVersions(db, stepTypes)),
      steps: (f) => run(() => listPromptSteps(db, f)),
      pageSteps: (f, p) => run(() => listPromptStepRows(db, f, p)),
      countSteps: () => run(() => countPromptSteps(db)),
      replaceVersions: (rows) => run(() => replacePromptVersions(db, rows)),
      reports: (f) => run(() => listReportPrompts(db, f)),
      pageReports: (f, p) => run(() => listReportPromptRows(db, f, p)),
      countReports: () => run(() => countReportPrompts(db)),
      replaceReports: (rows) => run(() => replaceReportPrompts(db, rows)),
    },
  }
}
