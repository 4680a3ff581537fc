import type { Db } from './client.js'
import { stmt } from './stmt.js'

/**
 * Idempotent API requests (Idempotency-Key): the first request with a key runs and its answer is kept;
 * a repeat gets the kept answer instead of running again. Keys are scoped by action. A run that never
 * finished (the process died) may be taken over once it is older than `staleMs`.
 */

export type Claim =
  | { readonly state: 'new' }
  | { readonly state: 'running' }
  | { readonly state: 'done'; readonly status: number; readonly contentType: string; readonly body: string }

interface Row {
  status: string
  http_status: number | null
  content_type: string | null
  body: string | null
  started_at: number
}

/** Answers are kept this long (one day), then pruned. */
export const KEEP_MS = 86_400_000
const lastPrune = new WeakMap<Db, number>()

export function claimRequest(db: Db, scope: string, now: number, staleMs: number): Claim {
  prune(db, now)
  return db.sqlite
    .transaction((): Claim => {
      const row = stmt(
        db,
        'SELECT status, http_status, content_type, body, started_at FROM idempotent_requests WHERE scope = ?',
      ).get(scope) as Row | undefined
      if (!row) {
        stmt(db, "INSERT INTO idempotent_requests (scope, status, started_at) VALUES (?, 'running', ?)").run(scope, now)
        return { state: 'new' }
      }
      if (row.status === 'done')
        return {
          state: 'done',
          status: row.http_status ?? 200,
          contentType: row.content_type ?? 'application/json; charset=utf-8',
          body: row.body ?? '',
        }
      if (now - row.started_at < staleMs) return { state: 'running' }
      stmt(db, 'UPDATE idempotent_requests SET started_at = ? WHERE scope = ?').run(now, scope)
      return { state: 'new' }
    })
    .immediate()
}

export function finishRequest(
  db: Db,
  scope: string,
  status: number,
  contentType: string,
  body: string,
  now: number,
): void {
  stmt(
    db,
    "UPDATE idempotent_requests SET status = 'done', http_status = ?, content_type = ?, body = ?, finished_at = ? WHERE scope = ?",
  ).run(status, contentType, body, now, scope)
}

/** Forgets a claim whose run failed on the server side, so a retry runs again. */
export function releaseRequest(db: Db, scope: string): void {
  stmt(db, 'DELETE FROM idempotent_requests WHERE scope = ?').run(scope)
}

function prune(db: Db, now: number): void {
  const last = lastPrune.get(db) ?? 0
  if (now - last < 3_600_000) return
  lastPrune.set(db, now)
  stmt(db, 'DELETE FROM idempotent_requests WHERE started_at < ?').run(now - KEEP_MS)
}
