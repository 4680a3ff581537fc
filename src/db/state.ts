import type { Db } from './client.js'
import { stmt } from './stmt.js'

/** The last search of a user in a conversation (for 更多 / 导出) and an active workflow, as JSON. */
export interface ConversationStateRow {
  last_search: string | null
  workflow: string | null
}

export function getState(db: Db, conversationId: string, userId: string): ConversationStateRow | undefined {
  return stmt(db, 'SELECT last_search, workflow FROM conversation_state WHERE conversation_id = ? AND user_id = ?').get(
    conversationId,
    userId,
  ) as ConversationStateRow | undefined
}

export function setLastSearch(db: Db, conversationId: string, userId: string, json: string | null, now: number): void {
  stmt(
    db,
    `INSERT INTO conversation_state (conversation_id, user_id, last_search, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (conversation_id, user_id) DO UPDATE SET last_search = excluded.last_search, updated_at = excluded.updated_at`,
  ).run(conversationId, userId, json, now)
}

export function setWorkflow(db: Db, conversationId: string, userId: string, json: string | null, now: number): void {
  stmt(
    db,
    `INSERT INTO conversation_state (conversation_id, user_id, workflow, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (conversation_id, user_id) DO UPDATE SET workflow = excluded.workflow, updated_at = excluded.updated_at`,
  ).run(conversationId, userId, json, now)
}
