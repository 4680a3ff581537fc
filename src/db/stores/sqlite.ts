import type { Db } from '../client.js'
import { claimRequest, finishRequest, releaseRequest } from '../idempotency.js'
import { recentImportRequest } from '../import-requests.js'
import {
  getInbound,
  inboxBacklog,
  insertInbound,
  markFinished,
  markProcessing,
  recordInboundError,
  resetForRetry,
  unfinishedInbound,
} from '../inbox.js'
import { bumpCasesVersion, casesVersion, getMeta, setMeta } from '../meta.js'
import { markPartFailed, markPartSent, partsOf, upsertPart } from '../outbox.js'
import { recentReportRequestText } from '../report-requests.js'
import { claimRun, getRun, listRuns, takeOverRun, updateRun } from '../scheduled-runs.js'
import { getState, setLastSearch, setWorkflow } from '../state.js'
import { insertUsage } from '../usage.js'
import { createSqliteLlmStores } from './sqlite-llm.js'
import { sqlitePipelineRunStore, sqliteProcessDataStore } from './sqlite-process.js'
import type { Stores } from './types.js'
import { sqliteUsageReadStore } from './usage-sqlite.js'

/**
 * The SQLite stores: today's synchronous statements behind the async interfaces. One process owns the
 * file, so leases are not needed (a message is "held" by the only process there is) and are ignored.
 */
export function createSqliteStores(db: Db): Stores {
  const run = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn())
    } catch (err) {
      return Promise.reject(err as Error)
    }
  }
  return {
    dialect: 'sqlite',
    cases: { change: async (_db, change) => (await change()).result },
    inbox: {
      insert: (env, now) => run(() => insertInbound(db, env, now)),
      get: (id) => run(() => getInbound(db, id)),
      markProcessing: (id, now) => run(() => markProcessing(db, id, now)),
      runningElsewhere: () => Promise.resolve(undefined),
      cancelElsewhere: () => Promise.resolve(),
      renewLease: () => Promise.resolve(true),
      renewLeases: () => Promise.resolve([]),
      releaseLeases: () => Promise.resolve(),
      finish: (id, status, now, details, usage) =>
        run(() =>
          db.sqlite.transaction(() => {
            if (usage) {
              try {
                insertUsage(db, usage.record)
              } catch (err) {
                usage.onError(err)
              }
            }
            markFinished(db, id, status, now, details)
          })(),
        ),
      recordError: (id, error, now) => run(() => recordInboundError(db, id, error, now)),
      recentRequest: (q) => run(() => recentImportRequest(db, q)),
      unfinished: (limit, afterId) => run(() => unfinishedInbound(db, limit, afterId)),
      backlog: () => run(() => inboxBacklog(db)),
      resetForRetry: (id, now) => run(() => resetForRetry(db, id, now)),
      reportRequestText: (q) => run(() => recentReportRequestText(db, q)),
    },
    outbox: {
      upsertPart: (inboundId, part) => run(() => upsertPart(db, inboundId, part)),
      markSent: (id, channel, now) => run(() => markPartSent(db, id, channel, now)),
      markFailed: (id, error, permanent) => run(() => markPartFailed(db, id, error, permanent)),
      partsOf: (inboundId) => run(() => partsOf(db, inboundId)),
    },
    state: {
      get: (c, u) => run(() => getState(db, c, u)),
      setLastSearch: (c, u, json, now) => run(() => setLastSearch(db, c, u, json, now)),
      setWorkflow: (c, u, json, now) => run(() => setWorkflow(db, c, u, json, now)),
    },
    scheduledRuns: {
      claim: (job, period, detail) => run(() => claimRun(db, job, period, detail)),
      takeOver: (job, period, detail, staleBefore) => run(() => takeOverRun(db, job, period, detail, staleBefore)),
      get: (job, period) => run(() => getRun(db, job, period)),
      update: (job, period, status, detail) => run(() => updateRun(db, job, period, status, detail)),
      list: (job) => run(() => listRuns(db, job)),
    },
    idempotency: {
      claim: (scope, now, staleMs) => run(() => claimRequest(db, scope, now, staleMs)),
      finish: (scope, status, contentType, body, now) =>
        run(() => finishRequest(db, scope, status, contentType, body, now)),
      release: (scope) => run(() => releaseRequest(db, scope)),
    },
    meta: {
      get: (key) => run(() => getMeta(db, key)),
      set: (key, value) => run(() => setMeta(db, key, value)),
      bumpCasesVersion: () => run(() => bumpCasesVersion(db)),
      casesVersion: () => run(() => casesVersion(db)),
    },
    usage: sqliteUsageReadStore(db),
    workflows: { processData: sqliteProcessDataStore(db), pipelineRuns: sqlitePipelineRunStore(db) },
    llm: createSqliteLlmStores(db),
    close: () => run(() => db.close()),
  }
}
