import type { InboundEnvelope } from '../core/message.js'
import type { Db } from './client.js'
import { stmt } from './stmt.js'

export type InboxStatus = 'received' | 'processing' | 'replied' | 'failed' | 'skipped'

export interface InboxRow {
  id: number
  robot_code: string
  msg_id: string
  source: string
  raw: string
  status: InboxStatus
  attempts: number
  last_error: string | null
  received_at: number
  intent: string | null
}

/**
 * Stores an inbound message unless (robotCode, msgId) is already there. Synchronous and durable on
 * return (WAL commit), so the transport may ack right after.
 */
/** The stored fields of an inbound message, in the column order of both dialects' INSERT (times excluded). */
export function inboundValues(env: InboundEnvelope): unknown[] {
  const m = env.message
  return [
    env.robotCode,
    m.msgId,
    env.source,
    m.conversationId ?? null,
    m.conversationType ?? null,
    m.conversationTitle ?? null,
    m.senderStaffId ?? null,
    m.senderNick ?? null,
    m.senderCorpId ?? null,
    m.msgtype ?? null,
    m.text?.content ?? null,
    m.customType ?? null,
    m.modelType ?? null,
    m.sessionWebhook ?? null,
    m.sessionWebhookExpiredTime ?? null,
    m.createAt ?? null,
    env.raw,
  ]
}

export function insertInbound(db: Db, env: InboundEnvelope, now: number): { id: number; duplicate: boolean } {
  const m = env.message
  const res = stmt(
    db,
    `INSERT INTO inbound_messages (robot_code, msg_id, source, conversation_id, conversation_type, conversation_title,
        sender_staff_id, sender_nick, sender_corp_id, msgtype, text, custom_type, model_type, session_webhook,
        session_webhook_expired_time, create_at, raw, status, received_at, updated_at)
       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?, 'received', ?, ?)
       ON CONFLICT (robot_code, msg_id) DO NOTHING`,
  ).run(...inboundValues(env), now, now)
  if (res.changes === 1) return { id: Number(res.lastInsertRowid), duplicate: false }
  const row = stmt(db, 'SELECT id FROM inbound_messages WHERE robot_code = ? AND msg_id = ?').get(
    env.robotCode,
    m.msgId,
  ) as { id: number }
  return { id: row.id, duplicate: true }
}

export function getInbound(db: Db, id: number): InboxRow | undefined {
  return stmt(db, 'SELECT * FROM inbound_messages WHERE id = ?').get(id) as InboxRow | undefined
}

/** Moves a message to processing (attempts + 1). Returns false if it is already finished. */
export function markProcessing(db: Db, id: number, now: number): boolean {
  return (
    stmt(
      db,
      `UPDATE inbound_messages SET status = 'processing', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status IN ('received', 'processing')`,
    ).run(now, id).changes === 1
  )
}

export function markFinished(
  db: Db,
  id: number,
  status: 'replied' | 'failed' | 'skipped',
  now: number,
  details: { intent?: string; error?: string } = {},
): void {
  stmt(
    db,
    'UPDATE inbound_messages SET status = ?, intent = coalesce(?, intent), last_error = ?, updated_at = ?, finished_at = ? WHERE id = ?',
  ).run(status, details.intent ?? null, details.error ?? null, now, now, id)
}

export function recordInboundError(db: Db, id: number, error: string, now: number): void {
  stmt(db, 'UPDATE inbound_messages SET last_error = ?, updated_at = ? WHERE id = ?').run(error, now, id)
}

/** Messages stored but not finished (a crash or shutdown interrupted them), oldest first, after id `afterId`. */
export function unfinishedInbound(db: Db, limit = 1000, afterId = 0): InboxRow[] {
  return stmt(
    db,
    `SELECT * FROM inbound_messages WHERE status IN ('received', 'processing') AND id > ? ORDER BY id LIMIT ?`,
  ).all(afterId, limit) as InboxRow[]
}

export function inboxBacklog(db: Db): number {
  return (
    stmt(db, `SELECT count(*) AS n FROM inbound_messages WHERE status IN ('received', 'processing')`).get() as {
      n: number
    }
  ).n
}

/** One line of `andy inbox`: a message with how its reply parts went out. */
export interface InboxListRow {
  id: number
  received_at: number
  status: InboxStatus
  intent: string | null
  source: string
  sender_nick: string | null
  sender_staff_id: string | null
  conversation_id: string | null
  conversation_type: string | null
  conversation_title: string | null
  msgtype: string | null
  text: string | null
  attempts: number
  last_error: string | null
  parts_sent: number
  parts_failed: number
  parts_pending: number
  /** Channels the sent parts used (webhook, openapi, local), comma-separated. */
  channels: string | null
  part_error: string | null
}

export function listInbound(db: Db, opts: { status?: string; limit: number }): InboxListRow[] {
  return db.sqlite
    .prepare(
      `SELECT m.id, m.received_at, m.status, m.intent, m.source, m.sender_nick, m.sender_staff_id, m.conversation_id, m.conversation_type,
              m.conversation_title, m.msgtype, m.text,
              m.attempts, m.last_error,
              count(CASE WHEN p.status = 'sent' THEN 1 END) AS parts_sent,
              count(CASE WHEN p.status = 'failed' THEN 1 END) AS parts_failed,
              count(CASE WHEN p.status = 'pending' THEN 1 END) AS parts_pending,
              group_concat(DISTINCT p.channel) AS channels,
              max(p.error) AS part_error
         FROM inbound_messages m LEFT JOIN outbound_parts p ON p.inbound_id = m.id
        WHERE (? IS NULL OR m.status = ?)
        GROUP BY m.id ORDER BY m.id DESC LIMIT ?`,
    )
    .all(opts.status ?? null, opts.status ?? null, opts.limit) as InboxListRow[]
}

/**
 * Makes a finished message runnable again (`andy inbox retry`): parts that failed to send go back to
 * pending (they are re-sent with their stored text), the message to 'received' with a fresh attempt count.
 * Returns how many parts are waiting to be re-sent.
 */
export function resetForRetry(db: Db, id: number, now: number): number {
  return db.sqlite.transaction(() => {
    db.sqlite
      .prepare(`UPDATE outbound_parts SET status = 'pending', error = NULL WHERE inbound_id = ? AND status = 'failed'`)
      .run(id)
    db.sqlite
      .prepare(
        `UPDATE inbound_messages SET status = 'received', attempts = 0, last_error = NULL, updated_at = ?, finished_at = NULL WHERE id = ?`,
      )
      .run(now, id)
    return (
      db.sqlite
        .prepare(`SELECT count(*) AS n FROM outbound_parts WHERE inbound_id = ? AND status = 'pending'`)
        .get(id) as { n: number }
    ).n
  })()
}

/** Who wrote to Andy and from which group: staff ids (ANDY_ADMIN_STAFF_IDS) and openConversationIds (ANDY_DIGEST_CONVERSATION_ID). */
export interface InboxIdentities {
  readonly senders: Array<{ sender_nick: string | null; sender_staff_id: string; messages: number; last_at: number }>
  readonly groups: Array<{
    conversation_title: string | null
    conversation_id: string
    messages: number
    last_at: number
  }>
}

export function inboxIdentities(db: Db, limit = 50): InboxIdentities {
  const senders = db.sqlite
    .prepare(
      `SELECT max(sender_nick) AS sender_nick, sender_staff_id, count(*) AS messages, max(received_at) AS last_at
         FROM inbound_messages WHERE sender_staff_id IS NOT NULL AND sender_staff_id <> '' AND source <> 'local'
        GROUP BY sender_staff_id ORDER BY last_at DESC LIMIT ?`,
    )
    .all(limit) as InboxIdentities['senders']
  const groups = db.sqlite
    .prepare(
      `SELECT max(conversation_title) AS conversation_title, conversation_id, count(*) AS messages, max(received_at) AS last_at
         FROM inbound_messages WHERE conversation_type = '2' AND conversation_id IS NOT NULL AND conversation_id <> '' AND source <> 'local'
        GROUP BY conversation_id ORDER BY last_at DESC LIMIT ?`,
    )
    .all(limit) as InboxIdentities['groups']
  return { senders, groups }
}
