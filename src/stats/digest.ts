import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Cron } from 'croner'
import type { Clock } from '../core/clock.js'
import { type DeliveryTarget, type OutboundPart, partKey, type Replier } from '../core/delivery.js'
import type { Db } from '../db/client.js'
import { type Stores, storesOf } from '../db/stores/index.js'
import type { Logger } from '../logger.js'
import { exportDir } from './files.js'
import { formatStatsReply } from './format.js'
import { previousWeek } from './period.js'
import { renderStatsImage } from './usage-chart.js'
import { computeUsageStatsAsync } from './usage-stats.js'
import { statsFileName, writeStatsWorkbook } from './workbook.js'

/**
 * Weekly digest (ANDY_DIGEST_CRON + ANDY_DIGEST_CONVERSATION_ID): last week's summary, the chart and the
 * workbook posted to an admin group through the transport's Replier — the same seam as every reply (the
 * delivery router: robot OpenAPI groupMessages/send, media/upload for the picture and the file —
 * dingtalk.md §4.3–4.4), with the same idempotency keys (robotCode/digest-<week>:<part>).
 *
 * Once per period: the run for week key "2026-W47" is claimed in scheduled_runs (unique job+period)
 * BEFORE anything is sent; each part sent (markdown, image, file) is recorded in the run's detail. A
 * run that fails is retried (RETRY_MS later, up to MAX_ATTEMPTS) from the first unsent part. A run whose
 * process died (claim older than STALE_MS, still 'claimed') is taken over on the next start and resumed
 * the same way — so a crash between the claim and the first send loses nothing; a crash in the few
 * milliseconds between DingTalk accepting a part and the progress write may post that one part twice.
 * The takeover is an atomic UPDATE, so two processes never both send.
 */

export const DIGEST_JOB = 'weekly-digest'
export const DIGEST_TZ = 'Asia/Shanghai'
const STALE_MS = 10 * 60_000
const RETRY_MS = 15 * 60_000
const MAX_ATTEMPTS = 4
/** setTimeout's ceiling (~24.8 days); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1

type Part = 'markdown' | 'image' | 'file'
const PARTS: readonly Part[] = ['markdown', 'image', 'file']

interface RunDetail {
  claimedAt: number
  attempts: number
  sent: Part[]
  error?: string
}

export interface DigestOptions {
  db: Db
  /** The shared-state stores (PostgreSQL); absent: the SQLite stores over `db`. */
  stores?: Stores
  logger: Logger
  clock: Clock
  /** The reply channel (the delivery router over the robot OpenAPI). */
  replier: Replier
  /** The robot that posts (default: the OpenAPI client's). */
  robotCode?: string
  cron: string
  conversationId: string
  /** Where the workbook and picture are written (default: next to the database). */
  dbPath: string
  /** Records in the workbook's 明细 (ANDY_STATS_EXPORT_DETAIL_ROWS; default DEFAULT_DETAIL_ROWS). */
  detailRows?: number
  /** Timers (tests pass fakes). */
  timers?: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout }
}

export interface DigestRunResult {
  period: string
  outcome: 'sent' | 'skipped' | 'failed'
  sent: Part[]
  error?: string
}

/** Throws when the cron expression is invalid (config validation uses it). */
export function digestCron(expr: string): Cron {
  return new Cron(expr, { timezone: DIGEST_TZ, paused: true })
}

/**
 * Runs the digest for the week before `periodAt` (default now) unless it ran already; a failed or stale
 * run is taken over and resumed.
 */
export async function runDigest(
  o: Omit<DigestOptions, 'cron' | 'timers'>,
  periodAt?: number,
): Promise<DigestRunResult> {
  const now = o.clock.now()
  const week = previousWeek(periodAt ?? now)
  const fresh: RunDetail = { claimedAt: now, attempts: 1, sent: [] }
  let detail: RunDetail
  const runs = storesOf(o).scheduledRuns
  if (await runs.claim(DIGEST_JOB, week.key, JSON.stringify(fresh))) {
    detail = fresh
  } else {
    const prev = parseDetail((await runs.get(DIGEST_JOB, week.key))?.detail)
    if (prev.attempts >= MAX_ATTEMPTS) return { period: week.key, outcome: 'skipped', sent: prev.sent }
    detail = { ...prev, claimedAt: now, attempts: prev.attempts + 1 }
    if (!(await runs.takeOver(DIGEST_JOB, week.key, JSON.stringify(detail), now - STALE_MS)))
      return { period: week.key, outcome: 'skipped', sent: prev.sent }
    o.logger.warn(
      { period: week.key, sent: detail.sent, attempt: detail.attempts },
      'weekly digest: resuming an unfinished run',
    )
  }
  try {
    const stats = await computeUsageStatsAsync(
      storesOf(o).usage,
      { period: week, intents: [], export: false, unknown: [] },
      { kind: 'all' },
    )
    const text = formatStatsReply(stats).replace(/\n回复 \*\*统计 导出\*\*[^\n]*$/, '')
    const dir = exportDir({ dbPath: o.dbPath })
    const target: DeliveryTarget = {
      msgId: `digest-${week.key}`,
      robotCode: o.robotCode ?? '',
      conversationId: o.conversationId,
      conversationType: '2',
    }
    for (const part of PARTS) {
      if (detail.sent.includes(part)) continue
      if (part !== 'markdown' && stats.total === 0) continue
      await o.replier.deliver(target, await digestPart(o, target, part, week.key, stats, text, dir))
      detail.sent.push(part)
      await runs.update(DIGEST_JOB, week.key, 'claimed', JSON.stringify(detail))
    }
    await runs.update(DIGEST_JOB, week.key, 'sent', JSON.stringify(detail))
    o.logger.info({ period: week.key, total: stats.total, sent: detail.sent }, 'weekly digest sent')
    return { period: week.key, outcome: 'sent', sent: detail.sent }
  } catch (err) {
    detail.error = err instanceof Error ? err.message : String(err)
    await runs.update(DIGEST_JOB, week.key, 'failed', JSON.stringify(detail))
    o.logger.error({ err, period: week.key, sent: detail.sent, attempt: detail.attempts }, 'weekly digest failed')
    return { period: week.key, outcome: 'failed', sent: detail.sent, error: detail.error }
  }
}

/** One part of the digest as an outbound part (files are written first; the replier uploads them). */
async function digestPart(
  o: Omit<DigestOptions, 'cron' | 'timers'>,
  target: DeliveryTarget,
  part: Part,
  week: string,
  stats: Awaited<ReturnType<typeof computeUsageStatsAsync>>,
  text: string,
  dir: string,
): Promise<OutboundPart> {
  const no = PARTS.indexOf(part) + 1
  const key = partKey(target, no)
  if (part === 'markdown')
    return { no, key, kind: 'markdown', title: `Andy 周报 ${week}`, body: `**Andy 使用周报**\n\n${text}` }
  if (part === 'image') {
    const fileName = `Andy周报-${week}.png`
    const path = join(dir, `digest-${week}-${fileName}`)
    writeFileSync(path, renderStatsImage(stats))
    return { no, key, kind: 'image', title: fileName, body: JSON.stringify({ path, fileName }) }
  }
  const fileName = statsFileName(stats)
  const path = join(dir, `digest-${week}-${fileName}`)
  await writeStatsWorkbook(storesOf(o).usage, stats, path, o.detailRows)
  return { no, key, kind: 'file', title: fileName, body: JSON.stringify({ path, fileName, fileType: 'xlsx' }) }
}

function parseDetail(s: string | null | undefined): RunDetail {
  try {
    const d = JSON.parse(s ?? '{}') as Partial<RunDetail>
    return { claimedAt: d.claimedAt ?? 0, attempts: d.attempts ?? 1, sent: Array.isArray(d.sent) ? d.sent : [] }
  } catch {
    return { claimedAt: 0, attempts: 1, sent: [] }
  }
}

export interface DigestHandle {
  stop(): void
  /** Resolves when the run in progress (if any) is done (tests, shutdown). */
  idle(): Promise<void>
  /** When the next scheduled run fires (ms), if any. */
  nextAt(): number | undefined
}

/**
 * Schedules the digest. On start, a run that is due for the current week (the cron fired since Monday
 * 00:00 while Andy was down, or a failed/stale run) is done at once.
 */
export function startDigest(o: DigestOptions): DigestHandle {
  const cron = digestCron(o.cron)
  const timers = o.timers ?? { setTimeout, clearTimeout }
  let timer: ReturnType<typeof setTimeout> | undefined
  let next: number | undefined
  let running: Promise<unknown> = Promise.resolve()
  let stopped = false

  const run = (at: number) => {
    running = running.then(async () => {
      if (stopped) return
      const res = await runDigest(o, at)
      if (res.outcome === 'failed' && !stopped) arm(o.clock.now() + RETRY_MS, true)
    })
    return running
  }
  const arm = (at: number, retry = false) => {
    if (timer) timers.clearTimeout(timer)
    next = at
    timer = timers.setTimeout(
      () => {
        timer = undefined
        if (o.clock.now() + 1000 < at) return arm(at, retry) // woke early from a capped timer
        void run(retry ? (previousFire(at) ?? at) : at).then(() => schedule())
      },
      Math.min(MAX_TIMER_MS, Math.max(0, at - o.clock.now())),
    )
  }
  const previousFire = (at: number) => cron.previousRuns(1, new Date(at))[0]?.getTime()
  const schedule = () => {
    if (stopped) return
    const n = cron.nextRun(new Date(o.clock.now()))
    if (n) arm(n.getTime())
  }

  const now = o.clock.now()
  const last = previousFire(now)
  const thisMonday = Date.parse(`${previousWeek(now).to}T16:00:00Z`) // Sunday 24:00 China time = Monday 00:00
  if (last !== undefined && last >= thisMonday) void run(last).then(() => schedule())
  else schedule()
  o.logger.info(
    { cron: o.cron, conversationId: o.conversationId, next: next ? new Date(next).toISOString() : undefined },
    'weekly digest scheduled',
  )
  return {
    stop() {
      stopped = true
      if (timer) timers.clearTimeout(timer)
    },
    idle: () => running.then(() => undefined),
    nextAt: () => next,
  }
}
