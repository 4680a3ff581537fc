import type { UsageReadStore } from '../stores/usage-types.js'
import { detailPageQuery, latestQuery, type UsageDetailRow, usageListQueries } from '../usage-detail.js'
import {
  countsByDayIntentReads,
  knownNamesReads,
  latencyHistogramReads,
  llmCostByDayReads,
  POSTGRES,
  type Q,
  type Reads,
  topGroupsReads,
  topUsersReads,
  totalsByDayReads,
  totalsByIntentReads,
  zeroResultQuestionsReads,
} from '../usage-queries.js'
import { loadPg, numberTypes } from './driver.js'
import { dollarParams, type Query } from './tx.js'

/**
 * 统计's reads on PostgreSQL: the statements and post-processing of usage-queries.ts / usage-detail.ts
 * (shared with SQLite, PostgreSQL's dialect where they differ), run on the pool. Sums of bigint columns
 * are numeric in PostgreSQL: read back as numbers, like counts (well inside 2^53).
 */
let NUMBERS: ReturnType<typeof numberTypes> | undefined

async function rows<T>(db: Query, q: Q): Promise<T[]> {
  NUMBERS ??= numberTypes(await loadPg(), true)
  const res = await db.query({
    text: dollarParams(q.sql),
    values: q.params,
    types: NUMBERS,
    ...(q.arrays ? { rowMode: 'array' as const } : {}),
  })
  return res.rows as T[]
}

/** Runs a read's statements one after the other on the pool. */
export async function runPg<T>(db: Query, reads: Reads<T>): Promise<T> {
  let r = reads.next()
  while (!r.done) r = reads.next(await rows(db, r.value))
  return r.value
}

export function pgUsageReadStore(db: Query): UsageReadStore {
  const P = POSTGRES
  return {
    countsByDayIntent: (f) => runPg(db, countsByDayIntentReads(P, f)),
    totalsByIntent: (f, intents) => runPg(db, totalsByIntentReads(P, f, intents)),
    totalsByDay: (f) => runPg(db, totalsByDayReads(P, f)),
    topUsers: (f, limit) => runPg(db, topUsersReads(P, f, limit)),
    topGroups: (f, limit) => runPg(db, topGroupsReads(P, f, limit)),
    latencyHistogram: (f) => runPg(db, latencyHistogramReads(P, f)),
    zeroResultQuestions: (f, limit) => runPg(db, zeroResultQuestionsReads(P, f, limit)),
    knownNames: (words, from, to) => runPg(db, knownNamesReads(words, from, to)),
    llmCostByDay: (f) => runPg(db, llmCostByDayReads(P, f)),
    latestUsage: async (f, limit) => (await rows<UsageDetailRow>(db, latestQuery(P, f, limit))).reverse(),
    async *pages(f, pageSize = 5000) {
      let after: [string, number] = ['', 0]
      for (;;) {
        const page = await rows<UsageDetailRow>(db, detailPageQuery(P, f, after, pageSize))
        if (page.length) yield page
        if (page.length < pageSize) return
        const last = page[page.length - 1]!
        after = [last.use_date, last.id]
      }
    },
    async list(f, p) {
      const q = usageListQueries(P, f, p)
      const [items, total] = await Promise.all([
        rows<Record<string, unknown>>(db, q.rows),
        rows<{ n: number }>(db, q.total),
      ])
      return { items, total: total[0]?.n ?? 0 }
    },
  }
}
