import type { Db } from './client.js'

/**
 * scheduled_runs: one row per (job, period), unique — the claim that makes a scheduled job run once per
 * period across restarts and processes. status: claimed → sent | failed; detail is JSON owned by the job.
 */

export interface ScheduledRun {
  id: number
  job: string
  period: string
  status: string
  detail: string | null
  created_at: number
}

/** Inserts the claim; false when a row for (job, period) exists already. */
export function claimRun(db: Db, job: string, period: string, detail: string): boolean {
  return (
    db.sqlite
      .prepare(
        `INSERT INTO scheduled_runs (job, period, status, detail) VALUES (?, ?, 'claimed', ?) ON CONFLICT (job, period) DO NOTHING`,
      )
      .run(job, period, detail).changes === 1
  )
}

/**
 * Takes over a run that failed, or whose claim is older than `staleBefore` (its process died): atomic,
 * so of two processes only one gets it. `claimedAtOf` reads the claim time stored in detail.
 */
export function takeOverRun(db: Db, job: string, period: string, detail: string, staleBefore: number): boolean {
  return (
    db.sqlite
      .prepare(
        `UPDATE scheduled_runs SET status = 'claimed', detail = ?
         WHERE job = ? AND period = ? AND (status = 'failed' OR (status = 'claimed' AND coalesce(json_extract(detail, '$.claimedAt'), 0) < ?))`,
      )
      .run(detail, job, period, staleBefore).changes === 1
  )
}

export function getRun(db: Db, job: string, period: string): ScheduledRun | undefined {
  return db.sqlite.prepare('SELECT * FROM scheduled_runs WHERE job = ? AND period = ?').get(job, period) as
    | ScheduledRun
    | undefined
}

export function updateRun(db: Db, job: string, period: string, status: string, detail: string): void {
  db.sqlite
    .prepare('UPDATE scheduled_runs SET status = ?, detail = ? WHERE job = ? AND period = ?')
    .run(status, detail, job, period)
}

export function listRuns(db: Db, job: string): ScheduledRun[] {
  return db.sqlite.prepare('SELECT * FROM scheduled_runs WHERE job = ? ORDER BY id').all(job) as ScheduledRun[]
}
