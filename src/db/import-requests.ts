import type { Db } from './client.js'

/**
 * The text of this sender's last 「导入 …」 in this conversation since `sinceMs` (before inbox row
 * `beforeId`), or undefined: the spreadsheet they send next is to be imported (DingTalk delivers the
 * text and the file as separate messages, dingtalk.md §2.2).
 */
export function recentImportRequest(
  db: Db,
  q: { conversationId: string; senderStaffId: string; intent: string; sinceMs: number; beforeId: number },
): string | undefined {
  const row = db.sqlite
    .prepare(
      `SELECT text FROM inbound_messages
       WHERE conversation_id = ? AND sender_staff_id = ? AND intent = ? AND msgtype <> 'file'
         AND received_at >= ? AND id < ? AND id > ?
       ORDER BY id DESC LIMIT 1`,
    )
    // Ids grow with time: looking back 5000 rows bounds the scan (no index on conversation_id).
    .get(q.conversationId, q.senderStaffId, q.intent, q.sinceMs, q.beforeId, q.beforeId - 5000) as
    | { text: string | null }
    | undefined
  return row ? (row.text ?? '') : undefined
}
