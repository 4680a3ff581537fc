import { listUsageRecords } from '../api-queries.js'
import type { Db } from '../client.js'
import { latestUsage, pagesOf } from '../usage-detail.js'
import {
  countsByDayIntent,
  knownNames,
  latencyHistogram,
  llmCostByDay,
  topGroups,
  topUsers,
  totalsByDay,
  totalsByIntent,
  zeroResultQuestions,
} from '../usage-stats.js'
import type { UsageReadStore } from './usage-types.js'

/** 统计's reads on SQLite: the synchronous functions of usage-stats.ts / usage-detail.ts behind promises. */
export function sqliteUsageReadStore(db: Db): UsageReadStore {
  // Each read runs on its own event-loop turn, so other messages are served between a 统计's queries.
  const run = <T>(fn: () => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      setImmediate(() => {
        try {
          resolve(fn())
        } catch (err) {
          reject(err as Error)
        }
      })
    })
  return {
    countsByDayIntent: (f) => run(() => countsByDayIntent(db, f)),
    totalsByIntent: (f, intents) => run(() => totalsByIntent(db, f, intents)),
    totalsByDay: (f) => run(() => totalsByDay(db, f)),
    topUsers: (f, limit) => run(() => topUsers(db, f, limit)),
    topGroups: (f, limit) => run(() => topGroups(db, f, limit)),
    latencyHistogram: (f) => run(() => latencyHistogram(db, f)),
    zeroResultQuestions: (f, limit) => run(() => zeroResultQuestions(db, f, limit)),
    knownNames: (words, from, to) => run(() => knownNames(db, words, from, to)),
    llmCostByDay: (f) => run(() => llmCostByDay(db, f)),
    latestUsage: (f, limit) => run(() => latestUsage(db, f, limit)),
    async *pages(f, pageSize) {
      yield* pagesOf(db, f, pageSize)
    },
    list: (f, p) => run(() => listUsageRecords(db, f, p)),
  }
}
