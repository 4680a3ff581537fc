import type { Db } from './client.js'

/**
 * Whether this sender asked for an operations report (text "运营报告", handled as intent 'ops-report')
 * in this conversation since `sinceMs`, before inbox row `beforeId`: then the file they send next is
 * the report's input. DingTalk delivers text and file as separate messages (dingtalk.md §2.2).
 */
/** Inbox rows looked back through (far more than any team sends in the waiting window). */
const LOOKBACK = 5000

export function pendingOpsReportRequest(
  db: Db,
  q: { conversationId: string; senderStaffId: string; sinceMs: number; beforeId: number },
): boolean {
  const row = db.sqlite
    .prepare(
      `SELECT id FROM inbound_messages
       WHERE conversation_id = ? AND sender_staff_id = ? AND intent = 'ops-report' AND msgtype <> 'file'
         AND received_at >= ? AND id < ? AND id > ?
       ORDER BY id DESC LIMIT 1`,
    )
    // Ids grow with time: looking back LOOKBACK rows bounds the scan (no index on conversation_id).
    .get(q.conversationId, q.senderStaffId, q.sinceMs, q.beforeId, q.beforeId - LOOKBACK)
  return row !== undefined
}
