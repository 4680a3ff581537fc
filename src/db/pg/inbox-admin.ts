import type { InboxIdentities, InboxListRow } from '../inbox.js'
import type { Query } from './tx.js'

/**
 * `andy inbox list` and `andy inbox ids` with DATABASE_URL: the shared inbox in PostgreSQL (every
 * instance's messages), with the same columns as the SQLite statements in src/db/inbox.ts.
 */

export async function pgListInbound(db: Query, opts: { status?: string; limit: number }): Promise<InboxListRow[]> {
  const res = await db.query<InboxListRow>(
    `SELECT m.id, m.received_at, m.status, m.intent, m.source, m.sender_nick, m.sender_staff_id, m.conversation_id, m.conversation_type,
            m.conversation_title, m.msgtype, m.text, m.attempts, m.last_error,
            count(*) FILTER (WHERE p.status = 'sent')::int AS parts_sent,
            count(*) FILTER (WHERE p.status = 'failed')::int AS parts_failed,
            count(*) FILTER (WHERE p.status = 'pending')::int AS parts_pending,
            string_agg(DISTINCT p.channel, ',') AS channels,
            max(p.error) AS part_error
       FROM inbound_messages m LEFT JOIN outbound_parts p ON p.inbound_id = m.id
      WHERE ($1::text IS NULL OR m.status = $1)
      GROUP BY m.id ORDER BY m.id DESC LIMIT $2`,
    [opts.status ?? null, opts.limit],
  )
  return res.rows
}

export async function pgInboxIdentities(db: Query, limit = 50): Promise<InboxIdentities> {
  const [senders, groups] = await Promise.all([
    db.query<InboxIdentities['senders'][number]>(
      `SELECT max(sender_nick) AS sender_nick, sender_staff_id, count(*)::int AS messages, max(received_at) AS last_at
         FROM inbound_messages WHERE sender_staff_id IS NOT NULL AND sender_staff_id <> '' AND source <> 'local'
        GROUP BY sender_staff_id ORDER BY last_at DESC LIMIT $1`,
      [limit],
    ),
    db.query<InboxIdentities['groups'][number]>(
      `SELECT max(conversation_title) AS conversation_title, conversation_id, count(*)::int AS messages, max(received_at) AS last_at
         FROM inbound_messages WHERE conversation_type = '2' AND conversation_id IS NOT NULL AND conversation_id <> '' AND source <> 'local'
        GROUP BY conversation_id ORDER BY last_at DESC LIMIT $1`,
      [limit],
    ),
  ])
  return { senders: senders.rows, groups: groups.rows }
}
