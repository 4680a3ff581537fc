import type { InboundEnvelope } from '../transport/types.js'
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
export function insertInbound(db: Db, env: InboundEnvelope, now: number): { id: number; duplicate: boolean } {
  const m = env.message
  const text = m.text?.content ?? null
  const res = stmt(
    db,
    `INSERT INTO inbound_messages (robot_code, msg_id, source, conversation_id, conversation_type, conversation_title,
        sender_staff_id, sender_nick, sender_corp_id, msgtype, text, custom_type, model_type, session_webhook,
        session_webhook_expired_time, create_at, raw, status, received_at, updated_at)
       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?, 'received', ?, ?)
       ON CONFLICT (robot_code, msg_id) DO NOTHING`,
  ).run(
      env.robotCode, m.msgId, env.source, m.conversationId ?? null, m.conversationType ?? null, m.conversationTitle ?? null,
      m.senderStaffId ?? null, m.senderNick ?? null, m.senderCorpId ?? null, m.msgtype ?? null, text,
      m.customType ?? null, m.modelType ?? null, m.sessionWebhook ?? null, m.sessionWebhookExpiredTime ?? null,
      m.createAt ?? null, env.raw, now, now,
    )
  if (res.changes === 1) return { id: Number(res.lastInsertRowid), duplicate: false }
  const row = stmt(db, 'SELECT id FROM inbound_messages WHERE robot_code = ? AND msg_id = ?').get(env.robotCode, m.msgId) as { id: number }
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

export function markFinished(db: Db, id: number, status: 'replied' | 'failed' | 'skipped', now: number, details: { intent?: string; error?: string } = {}): void {
  stmt(db, 'UPDATE inbound_messages SET status = ?, intent = coalesce(?, intent), last_error = ?, updated_at = ?, finished_at = ? WHERE id = ?')
    .run(status, details.intent ?? null, details.error ?? null, now, now, id)
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
  return (stmt(db, `SELECT count(*) AS n FROM inbound_messages WHERE status IN ('received', 'processing')`).get() as { n: number }).n
}
