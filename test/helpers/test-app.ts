import { type App, createApp } from '../../src/app.js'
import { type AppConfig, parseConfig } from '../../src/config.js'
import type { Clock } from '../../src/core/clock.js'
import type { Replier } from '../../src/core/delivery.js'
import type { InboxSource } from '../../src/core/message.js'
import { createCaseInserter, transaction } from '../../src/db/case-write.js'
import { type Db, openDb } from '../../src/db/client.js'
import { bumpCasesVersion } from '../../src/db/meta.js'
import { createLogger, type Logger } from '../../src/logger.js'
import { createDictionaryProvider } from '../../src/search/dictionary-provider.js'
import { type TableKey, tableByKey } from '../../src/tables/index.js'
import { prepareRow } from '../../src/tables/rows.js'
import { LocalReplier, type LocalUser, localEnvelope } from '../../src/transport/local.js'

export const silentLogger: Logger = createLogger({ level: 'silent' })

/** A fixed clock: 2026-11-28 10:00 China time unless told otherwise. */
export function fixedClock(
  iso = '2026-11-28T02:00:00Z',
): Clock & { set(iso: string): void; advance(ms: number): void } {
  let t = Date.parse(iso)
  return { now: () => t, set: (s) => (t = Date.parse(s)), advance: (ms) => (t += ms) }
}

/** Inserts records (values as in a spreadsheet, keyed by column name) the way import does. */
export function insertCases(db: Db, key: TableKey, records: Array<Record<string, unknown>>): number[] {
  const spec = tableByKey(key)!
  const insert = createCaseInserter(db, spec)
  const ids = transaction(db, () =>
    records.map((r) => {
      const { row, problems } = prepareRow(spec, r)
      if (problems.length) throw new Error(`bad fixture row: ${JSON.stringify(problems)}`)
      return insert(row)
    }),
  )
  bumpCasesVersion(db)
  return ids
}

export interface TestApp {
  app: App
  db: Db
  config: AppConfig
  clock: ReturnType<typeof fixedClock>
  local: LocalReplier
  ask(text: string, user?: Partial<LocalUser>): ReturnType<App['handleNow']>
}

export function createTestApp(
  opts: {
    db?: Db
    env?: Record<string, string>
    repliers?: Partial<Record<InboxSource, Replier>>
    clock?: ReturnType<typeof fixedClock>
  } = {},
): TestApp {
  const db = opts.db ?? openDb(':memory:')
  const config = parseConfig({ LOG_LEVEL: 'silent', ...opts.env })
  const clock = opts.clock ?? fixedClock()
  const local = new LocalReplier()
  const app = createApp({
    config,
    db,
    logger: silentLogger,
    clock,
    dictionary: createDictionaryProvider(db),
    repliers: { local, ...opts.repliers },
  })
  return {
    app,
    db,
    config,
    clock,
    local,
    ask: (text, user = {}) =>
      app.handleNow(
        localEnvelope(text, { nick: user.nick ?? '张三', staffId: user.staffId, group: user.group }, clock.now()),
      ),
  }
}
