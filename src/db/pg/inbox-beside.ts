import type pg from 'pg'
import type { InboxStore, RunningRow } from '../stores/types.js'
import { SAME_USER } from './inbox-finish.js'

/**
 * 查看进度 and 取消 on an instance other than the one running the user's generation: which message runs
 * there (the processing row under another instance's live lease), and 取消 announced to every instance
 * (payload: that message's msg_id) so the one running it aborts its generation at once.
 */
export const CANCEL_CHANNEL = 'andy_cancel'

export function pgBeside(pool: pg.Pool): Pick<InboxStore, 'runningElsewhere' | 'cancelElsewhere'> {
  return {
    async runningElsewhere(id, now, owner) {
      const r = await pool.query<RunningRow>(
        `SELECT p.* FROM inbound_messages p, inbound_messages m
          WHERE m.id = $1 AND p.id <> m.id AND p.status = 'processing' AND ${SAME_USER('p', 'm')}
            AND p.lease_owner IS NOT NULL AND p.lease_owner <> $3 AND p.lease_until >= $2
          ORDER BY p.id LIMIT 1`,
        [id, now, owner],
      )
      return r.rows[0]
    },
    async cancelElsewhere(msgId) {
      await pool.query('SELECT pg_notify($1, $2)', [CANCEL_CHANNEL, msgId])
    },
  }
}
