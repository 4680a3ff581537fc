import type pg from 'pg'
import type { InboxStore } from '../stores/types.js'
import { inTransaction } from './tx.js'
import { usageCtes } from './usage-store.js'

/** Announced (payload: its id) when a finished message's user has a next message no live instance holds. */
export const INBOX_CHANNEL = 'andy_inbox'

/** The same conversation+sender as `f` (the index inbound_messages_unfinished_user_idx serves it). */
export const SAME_USER = (n: string, f: string) =>
  `${n}.robot_code = ${f}.robot_code AND coalesce(${n}.conversation_id, '') = coalesce(${f}.conversation_id, '')
   AND coalesce(${n}.sender_staff_id, ${n}.sender_nick, '') = coalesce(${f}.sender_staff_id, ${f}.sender_nick, '')`

/**
 * The final status with the usage record and its rollup, in ONE statement (one round trip, committed at
 * once: the rollup's hot rows are not held while this process is busy elsewhere). When the user's next
 * message was put back (its instance found this one unfinished) it is announced, so an instance takes it
 * now rather than at the next poll. A usage write that fails is reported and the status written alone.
 */
export function pgFinish(pool: pg.Pool): InboxStore['finish'] {
  return async (id, status, now, details = {}, usage) => {
    const base = [id, status, details.intent ?? null, details.error ?? null, now, INBOX_CHANNEL]
    const finish = (ctes: string[], values: unknown[]) =>
      pool.query(
        `WITH ${[
          ...ctes,
          `f AS (UPDATE inbound_messages SET status = $2, intent = coalesce($3, intent), last_error = $4,
                updated_at = $5, finished_at = $5, lease_owner = NULL, lease_until = NULL WHERE id = $1 RETURNING *)`,
        ].join(',\n')},
         nx AS (SELECT n.id FROM inbound_messages n, f WHERE n.status IN ('received', 'processing') AND n.id > f.id
                AND ${SAME_USER('n', 'f')} AND (n.lease_until IS NULL OR n.lease_until < $5) ORDER BY n.id LIMIT 1)
         SELECT pg_notify($6, nx.id::text) FROM nx`,
        [...base, ...values],
      )
    if (!usage) {
      await finish([], [])
      return
    }
    const u = usageCtes(usage.record, base.length + 1)
    try {
      await finish(u.ctes, u.values)
    } catch (err) {
      usage.onError(err)
      await finish([], [])
    }
  }
}

/** `andy inbox retry`: failed parts pending again, the message received again; the pending parts counted. */
export function pgResetForRetry(pool: pg.Pool): InboxStore['resetForRetry'] {
  return (id, now) =>
    inTransaction(pool, async (client) => {
      await client.query(
        `UPDATE outbound_parts SET status = 'pending', error = NULL WHERE inbound_id = $1 AND status = 'failed'`,
        [id],
      )
      await client.query(
        `UPDATE inbound_messages SET status = 'received', attempts = 0, last_error = NULL, updated_at = $2, finished_at = NULL,
                lease_owner = NULL, lease_until = NULL WHERE id = $1`,
        [id, now],
      )
      const n = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM outbound_parts WHERE inbound_id = $1 AND status = 'pending'`,
        [id],
      )
      return Number(n.rows[0]!.n)
    })
}
