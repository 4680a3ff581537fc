import type { Db } from './client.js'

/**
 * The text of this sender's latest 报告解读 request (intent 'report'; none when a file came after it) in this
 * conversation since `sinceMs`, before inbox row `beforeId`: DingTalk delivers a file and the words
 * about it as separate messages (dingtalk.md §2.2), so "人才盘点报告解读" typed before the file names
 * the interpretation for the file that follows.
 */
/** Inbox rows looked back through (far more than a team sends in the waiting window). */
export const LOOKBACK = 5000

export interface ReportRequestQuery {
  conversationId: string
  senderStaffId: string
  sinceMs: number
  beforeId: number
}

/** The latest report request (SQLite and PostgreSQL alike, `?` placeholders); `beforeId - LOOKBACK` is the fifth value. */
export const REPORT_REQUEST_SQL = `SELECT text, msgtype FROM inbound_messages
       WHERE conversation_id = ? AND sender_staff_id = ? AND intent = 'report'
         AND received_at >= ? AND id < ? AND id > ?
       ORDER BY id DESC LIMIT 1`

export const reportRequestValues = (q: ReportRequestQuery) => [
  q.conversationId,
  q.senderStaffId,
  q.sinceMs,
  q.beforeId,
  // Ids grow with time: looking back LOOKBACK rows bounds the scan (no index on conversation_id).
  q.beforeId - LOOKBACK,
]

/** A file sent since then already used the announcement. */
export function announcedText(row: { text: string | null; msgtype: string | null } | undefined): string | undefined {
  return row && row.msgtype !== 'file' ? (row.text ?? undefined) : undefined
}

export function recentReportRequestText(db: Db, q: ReportRequestQuery): string | undefined {
  return announcedText(
    db.sqlite.prepare(REPORT_REQUEST_SQL).get(...reportRequestValues(q)) as
      | { text: string | null; msgtype: string | null }
      | undefined,
  )
}
