import type pg from 'pg'
import type { PartRow } from '../outbox.js'
import type { OutboxStore } from '../stores/types.js'

/** Reply parts: the stored part wins over a regenerated one; its idempotency key is unique across instances. */
export function pgOutboxStore(pool: pg.Pool): OutboxStore {
  return {
    async upsertPart(inboundId, part) {
      const r = await pool.query<PartRow>(
        `INSERT INTO outbound_parts (inbound_id, part_no, idempotency_key, kind, title, body, status)
           VALUES ($1, $2, $3, $4, $5, $6, 'pending') ON CONFLICT (inbound_id, part_no) DO NOTHING RETURNING *`,
        [inboundId, part.no, part.key, part.kind, part.title, part.body],
      )
      if (r.rows[0]) return r.rows[0]
      return (
        await pool.query<PartRow>('SELECT * FROM outbound_parts WHERE inbound_id = $1 AND part_no = $2', [
          inboundId,
          part.no,
        ])
      ).rows[0]!
    },
    async markSent(id, channel, now) {
      await pool.query(
        `UPDATE outbound_parts SET status = 'sent', channel = $2, attempts = attempts + 1, sent_at = $3, error = NULL WHERE id = $1`,
        [id, channel, now],
      )
    },
    async markFailed(id, error, permanent) {
      await pool.query(
        `UPDATE outbound_parts SET status = CASE WHEN $3 THEN 'failed' ELSE status END, attempts = attempts + 1, error = $2 WHERE id = $1`,
        [id, error, permanent],
      )
    },
    async partsOf(inboundId) {
      return (
        await pool.query<PartRow>('SELECT * FROM outbound_parts WHERE inbound_id = $1 ORDER BY part_no', [inboundId])
      ).rows
    },
  }
}
