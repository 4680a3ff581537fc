import type pg from 'pg'
import { type InboxRow, inboundValues } from '../inbox.js'
import { announcedText, REPORT_REQUEST_SQL, reportRequestValues } from '../report-requests.js'
import type { InboxStore } from '../stores/types.js'
import { dollarParams, inTransaction } from './tx.js'
import { insertUsagePg } from './usage-store.js'

export { pgOutboxStore } from './outbox-store.js'

/** Announced when a message finishes: another instance may now take the same user's next message. */
export const INBOX_CHANNEL = 'andy_inbox'

const UNFINISHED = `status IN ('received', 'processing')`

/**
 * The inbox on PostgreSQL, shared by every instance. The insert is the claim ((robot_code, msg_id)
 * unique); a running message holds a lease (owner, until) renewed while it runs; a message whose lease
 * expired (its instance died) is free for another instance. A message is only taken when no earlier
 * message of the same sender in the same conversation is unfinished: per-user order across instances.
 */
export function pgInboxStore(pool: pg.Pool): InboxStore {
  return { ...intake(pool), ...leases(pool), ...completion(pool) }
}

/** Insert (the claim), read, and the lists of unfinished messages. */
function intake(
  pool: pg.Pool,
): Pick<InboxStore, 'insert' | 'get' | 'unfinished' | 'backlog' | 'recordError' | 'reportRequestText'> {
  return {
    async insert(env, now) {
      const r = await pool.query<{ id: number }>(
        `INSERT INTO inbound_messages (robot_code, msg_id, source, conversation_id, conversation_type, conversation_title,
            sender_staff_id, sender_nick, sender_corp_id, msgtype, text, custom_type, model_type, session_webhook,
            session_webhook_expired_time, create_at, raw, status, received_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,'received',$18,$18)
         ON CONFLICT (robot_code, msg_id) DO NOTHING RETURNING id`,
        [...inboundValues(env), now],
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
    async unfinished(limit = 1000, afterId = 0, now) {
      const r = await pool.query<InboxRow>(
        `SELECT * FROM inbound_messages WHERE ${UNFINISHED} AND id > $1
            AND ($3::bigint IS NULL OR lease_until IS NULL OR lease_until < $3) ORDER BY id LIMIT $2`,
        [afterId, limit, now ?? null],
      )
      return r.rows
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
function leases(pool: pg.Pool): Pick<InboxStore, 'markProcessing' | 'renewLease'> {
  return {
    async markProcessing(id, now, lease) {
      const r = await pool.query(
        `UPDATE inbound_messages m SET status = 'processing', attempts = attempts + 1, updated_at = $2, lease_owner = $3, lease_until = $4
          WHERE id = $1 AND ${UNFINISHED}
            AND (lease_owner IS NULL OR lease_owner = $3 OR lease_until < $2)
            AND NOT EXISTS (
              SELECT 1 FROM inbound_messages p
               WHERE p.id < m.id AND p.${UNFINISHED} AND p.robot_code = m.robot_code
                 AND p.conversation_id IS NOT DISTINCT FROM m.conversation_id
                 AND coalesce(p.sender_staff_id, p.sender_nick) IS NOT DISTINCT FROM coalesce(m.sender_staff_id, m.sender_nick))`,
        [id, now, lease?.owner ?? null, lease?.until ?? null],
      )
      return r.rowCount === 1
    },
    async renewLease(id, lease) {
      const r = await pool.query(
        `UPDATE inbound_messages SET lease_until = $3 WHERE id = $1 AND lease_owner = $2 AND status = 'processing'`,
        [id, lease.owner, lease.until],
      )
      return r.rowCount === 1
    },
  }
}

/** The final status (with the usage record and its rollup in the same transaction), and `andy inbox retry`. */
function completion(pool: pg.Pool): Pick<InboxStore, 'finish' | 'resetForRetry'> {
  return {
    finish: (id, status, now, details = {}, usage) =>
      inTransaction(pool, async (client) => {
        if (usage) {
          await client.query('SAVEPOINT usage')
          try {
            await insertUsagePg(client, usage.record)
            await client.query('RELEASE SAVEPOINT usage')
          } catch (err) {
            await client.query('ROLLBACK TO SAVEPOINT usage')
            usage.onError(err)
          }
        }
        await client.query(
          `UPDATE inbound_messages SET status = $2, intent = coalesce($3, intent), last_error = $4, updated_at = $5, finished_at = $5,
                  lease_owner = NULL, lease_until = NULL WHERE id = $1`,
          [id, status, details.intent ?? null, details.error ?? null, now],
        )
        await client.query('SELECT pg_notify($1, $2)', [INBOX_CHANNEL, String(id)])
      }),
    resetForRetry: (id, now) =>
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
      }),
  }
}
