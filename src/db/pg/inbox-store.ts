import type pg from 'pg'
import { type InboxRow, inboundValues } from '../inbox.js'
import { announcedText, REPORT_REQUEST_SQL, reportRequestValues } from '../report-requests.js'
import type { InboxStore } from '../stores/types.js'
import { pgBeside } from './inbox-beside.js'
import { pgFinish, pgResetForRetry, SAME_USER } from './inbox-finish.js'
import { dollarParams } from './tx.js'

export { CANCEL_CHANNEL } from './inbox-beside.js'
export { INBOX_CHANNEL } from './inbox-finish.js'
export { pgOutboxStore } from './outbox-store.js'

const UNFINISHED = `status IN ('received', 'processing')`

/**
 * The inbox on PostgreSQL, shared by every instance. The insert is the claim ((robot_code, msg_id)
 * unique) and takes the lease (owner, until) of the instance that received the message: the other
 * instances leave it alone while that instance lives (it renews the leases of every message it has in
 * hand) and resume it after the lease expired (its instance died). A message is only taken when no
 * earlier message of the same sender in the same conversation is unfinished: per-user order across
 * instances; one put back for that reason loses its lease, and is announced when the earlier one finishes.
 */
export function pgInboxStore(pool: pg.Pool): InboxStore {
  return {
    ...intake(pool),
    ...leases(pool),
    ...pgBeside(pool),
    finish: pgFinish(pool),
    resetForRetry: pgResetForRetry(pool),
  }
}

/** Insert (the claim), read, and the lists of unfinished messages. */
function intake(
  pool: pg.Pool,
): Pick<
  InboxStore,
  'insert' | 'get' | 'unfinished' | 'backlog' | 'recordError' | 'recentRequest' | 'reportRequestText'
> {
  return {
    async insert(env, now, lease) {
      const r = await pool.query<{ id: number }>(
        `INSERT INTO inbound_messages (robot_code, msg_id, source, conversation_id, conversation_type, conversation_title,
            sender_staff_id, sender_nick, sender_corp_id, msgtype, text, custom_type, model_type, session_webhook,
            session_webhook_expired_time, create_at, raw, status, received_at, updated_at, lease_owner, lease_until)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,'received',$18,$18,$19,$20)
         ON CONFLICT (robot_code, msg_id) DO NOTHING RETURNING id`,
        [...inboundValues(env), now, lease?.owner ?? null, lease?.until ?? null],
      )
      if (r.rows[0]) return { id: r.rows[0].id, duplicate: false }
      const e = await pool.query<{ id: number }>(
        'SELECT id FROM inbound_messages WHERE robot_code = $1 AND msg_id = $2',
        [env.robotCode, env.message.msgId],
      )
      return { id: e.rows[0]!.id, duplicate: true }
    },
    async get(id) {
      return (await pool.query<InboxRow>('SELECT * FROM inbound_messages WHERE id = $1', [id])).rows[0]
    },
    async recordError(id, error, now) {
      await pool.query('UPDATE inbound_messages SET last_error = $2, updated_at = $3 WHERE id = $1', [id, error, now])
    },
    async unfinished(limit = 1000, afterId = 0, now, owner) {
      const r = await pool.query<InboxRow>(
        `SELECT * FROM inbound_messages WHERE ${UNFINISHED} AND id > $1
            AND ($3::bigint IS NULL OR lease_until IS NULL OR lease_until < $3 OR lease_owner = $4) ORDER BY id LIMIT $2`,
        [afterId, limit, now ?? null, owner ?? null],
      )
      return r.rows
    },
    async recentRequest(q) {
      // Ids grow with time: looking back 5000 rows bounds the scan (as on SQLite, db/import-requests.ts).
      const r = await pool.query<{ text: string | null }>(
        `SELECT text FROM inbound_messages
          WHERE conversation_id = $1 AND sender_staff_id = $2 AND intent = $3 AND msgtype <> 'file'
            AND received_at >= $4 AND id < $5 AND id > $6
          ORDER BY id DESC LIMIT 1`,
        [q.conversationId, q.senderStaffId, q.intent, q.sinceMs, q.beforeId, q.beforeId - 5000],
      )
      return r.rows[0] ? (r.rows[0].text ?? '') : undefined
    },
    async reportRequestText(q) {
      const r = await pool.query<{ text: string | null; msgtype: string | null }>(
        dollarParams(REPORT_REQUEST_SQL),
        reportRequestValues(q),
      )
      return announcedText(r.rows[0])
    },
    async backlog() {
      return Number(
        (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM inbound_messages WHERE ${UNFINISHED}`)).rows[0]!.n,
      )
    },
  }
}

/** Taking a message (lease, per-user order) and keeping it while it runs. */
function leases(pool: pg.Pool): Pick<InboxStore, 'markProcessing' | 'renewLease' | 'renewLeases' | 'releaseLeases'> {
  return {
    /**
     * One statement: the row is locked when free for `lease.owner`; then either taken (processing) or,
     * when the same user's earlier message is unfinished, put back with no lease (so the instance that
     * finishes the earlier one sees it free and announces it). `beside`: taken all the same.
     */
    async markProcessing(id, now, lease, opts) {
      const r = await pool.query<{ taken: boolean }>(
        `WITH m AS (
           SELECT m.id, NOT $5::boolean AND EXISTS (SELECT 1 FROM inbound_messages p WHERE p.${UNFINISHED} AND p.id < m.id AND ${SAME_USER('p', 'm')}) AS blocked
             FROM inbound_messages m
            WHERE m.id = $1 AND m.${UNFINISHED} AND (m.lease_owner IS NULL OR m.lease_owner = $3 OR m.lease_until < $2)
            FOR UPDATE OF m)
         UPDATE inbound_messages t SET
             status = CASE WHEN m.blocked THEN t.status ELSE 'processing' END,
             attempts = t.attempts + CASE WHEN m.blocked THEN 0 ELSE 1 END,
             updated_at = $2,
             lease_owner = CASE WHEN m.blocked THEN NULL ELSE $3 END,
             lease_until = CASE WHEN m.blocked THEN NULL ELSE $4::bigint END
           FROM m WHERE t.id = m.id RETURNING NOT m.blocked AS taken`,
        [id, now, lease?.owner ?? null, lease?.until ?? null, opts?.beside === true],
      )
      return r.rows[0]?.taken === true
    },
    async renewLease(id, lease) {
      const r = await pool.query(
        `UPDATE inbound_messages SET lease_until = $3 WHERE id = $1 AND lease_owner = $2 AND status = 'processing'`,
        [id, lease.owner, lease.until],
      )
      return r.rowCount === 1
    },
    /** Renews every lease of `ids` this owner holds; returns the ids another instance holds now (lost). */
    async renewLeases(ids, lease) {
      if (!ids.length) return []
      const r = await pool.query<{ id: number }>(
        `WITH renewed AS (UPDATE inbound_messages SET lease_until = $3 WHERE id = ANY($1::bigint[]) AND lease_owner = $2 AND ${UNFINISHED})
         SELECT id FROM inbound_messages WHERE id = ANY($1::bigint[]) AND ${UNFINISHED} AND lease_owner <> $2`,
        [ids, lease.owner, lease.until],
      )
      return r.rows.map((row) => Number(row.id))
    },
    async releaseLeases(ids, owner) {
      if (!ids.length) return
      await pool.query(
        `UPDATE inbound_messages SET lease_owner = NULL, lease_until = NULL
          WHERE id = ANY($1::bigint[]) AND lease_owner = $2 AND status = 'received'`,
        [ids, owner],
      )
    },
  }
}
