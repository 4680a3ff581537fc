import { assistantOf } from '../core/features.js'
import type { Db } from '../db/client.js'
import type { DayIntentCount, UsageReadStore } from '../db/stores/usage-types.js'
import {
  countsByDayIntent,
  type IntentTotals,
  knownNames,
  latencyPercentiles,
  percentilesOf,
  type TopEntry,
  topGroups,
  topUsers,
  totalsByIntent,
  type UsageStatsFilter,
  type ZeroResultQuestion,
  zeroResultQuestions,
} from '../db/usage-stats.js'
import { distinctUserLabels } from './people.js'
import { ALL_TIME_FROM, daysOf } from './period.js'
import { parseStatsQuery, resolveNames, type StatsQuery } from './query.js'

/** Who the numbers cover: one rep's own usage, or everyone's (admins, the CLI, the digest). */
export type StatsScope = { kind: 'self'; userId: string; nick: string } | { kind: 'all' }

export interface UsageStats {
  query: StatsQuery
  scope: StatsScope
  total: number
  failed: number
  rejected: number
  /** 内容缺口: searches that found nothing and questions Andy could not answer. */
  zeroResults: number
  tokens: number
  costRmb: number
  byIntent: Array<IntentTotals & { name: string }>
  /** Messages per day and intent, days with data only. */
  byDayIntent: Array<{ use_date: string; intent: string; n: number }>
  /** Every day of the period, days without use as 0 (全部: from the first record on). */
  perDay: Array<{ date: string; n: number }>
  topUsers: TopEntry[]
  topGroups: TopEntry[]
  /** Median and p95 reply latency (ms); `approximate` when sampled (very wide ranges). */
  latency: { n: number; p50?: number; p95?: number; approximate: boolean }
  zeroQuestions: ZeroResultQuestion[]
}

export const TOP_USERS = 10
export const TOP_GROUPS = 5
export const TOP_ZERO = 10

export function assistantName(intent: string): string {
  return assistantOf(intent).name
}

export function filterOf(q: StatsQuery, scope: StatsScope): UsageStatsFilter {
  return {
    from: q.period.from,
    to: q.period.to,
    userId: scope.kind === 'self' ? scope.userId : undefined,
    intents: q.intents.length ? q.intents : undefined,
    userNick: q.userNick,
    consultContent: q.consultContent,
    conversationType: q.conversationType,
    groupName: q.groupName,
  }
}

/** Parses a `统计 …` text and resolves bare words against the nicknames and group names of the period. */
export function readStatsQuery(db: Db, text: string, now: number): StatsQuery {
  const parsed = parseStatsQuery(text, { now })
  return resolveNames(parsed, knownNames(db, parsed.words, parsed.period.from, parsed.period.to))
}

/** The same through the store (either dialect). */
export async function readStatsQueryFrom(store: UsageReadStore, text: string, now: number): Promise<StatsQuery> {
  const parsed = parseStatsQuery(text, { now })
  return resolveNames(parsed, await store.knownNames(parsed.words, parsed.period.from, parsed.period.to))
}

/**
 * All the numbers of one `统计` reply, as SQL aggregates over the period (see src/db/usage-queries.ts),
 * synchronously on SQLite (tests, benches). Handlers, the digest and the CLI use computeUsageStatsAsync
 * over the store, which also serves PostgreSQL.
 */
export function computeUsageStats(db: Db, query: StatsQuery, scope: StatsScope): UsageStats {
  const f = filterOf(query, scope)
  const byDayIntent = countsByDayIntent(db, f)
  return assemble(query, scope, {
    byDayIntent,
    totals: totalsByIntent(db, f, [...new Set(byDayIntent.map((c) => c.intent))]),
    users: scope.kind === 'all' ? topUsers(db, f, TOP_USERS) : [],
    groups: topGroups(db, f, TOP_GROUPS),
    latency: latencyPercentiles(db, f),
    zeroQuestions: zeroResultQuestions(db, f, TOP_ZERO),
  })
}

/** The same through the store: SQLite (one query per event-loop turn) or PostgreSQL. */
export async function computeUsageStatsAsync(
  store: UsageReadStore,
  query: StatsQuery,
  scope: StatsScope,
): Promise<UsageStats> {
  const f = filterOf(query, scope)
  const byDayIntent = await store.countsByDayIntent(f)
  return assemble(query, scope, {
    byDayIntent,
    totals: await store.totalsByIntent(f, [...new Set(byDayIntent.map((c) => c.intent))]),
    users: scope.kind === 'all' ? await store.topUsers(f, TOP_USERS) : [],
    groups: await store.topGroups(f, TOP_GROUPS),
    latency: percentilesOf(await store.latencyHistogram(f)),
    zeroQuestions: await store.zeroResultQuestions(f, TOP_ZERO),
  })
}

interface Parts {
  byDayIntent: DayIntentCount[]
  totals: IntentTotals[]
  users: TopEntry[]
  groups: TopEntry[]
  latency: UsageStats['latency']
  zeroQuestions: ZeroResultQuestion[]
}

function assemble(query: StatsQuery, scope: StatsScope, p: Parts): UsageStats {
  const { byDayIntent, totals } = p
  const sum = (k: keyof Omit<IntentTotals, 'intent'>) => totals.reduce((s, t) => s + (t[k] ?? 0), 0)
  const perDay = new Map<string, number>()
  for (const c of byDayIntent) perDay.set(c.use_date, (perDay.get(c.use_date) ?? 0) + c.n)
  const first = [...perDay.keys()].reduce<string | undefined>((a, d) => (a === undefined || d < a ? d : a), undefined)
  const from = query.period.from === ALL_TIME_FROM ? first : query.period.from
  const days = from ? daysOf({ from, to: query.period.to }) : []
  return {
    query,
    scope,
    total: sum('n'),
    failed: sum('failed'),
    rejected: sum('rejected'),
    zeroResults: sum('zero'),
    tokens: sum('tokens'),
    costRmb: Math.round(sum('cost') * 1_000_000) / 1_000_000,
    byIntent: totals.map((t) => ({ ...t, name: assistantName(t.intent) })),
    byDayIntent,
    perDay: days.map((date) => ({ date, n: perDay.get(date) ?? 0 })),
    topUsers: distinctUserLabels(p.users),
    topGroups: p.groups,
    latency: p.latency,
    zeroQuestions: p.zeroQuestions,
  }
}
