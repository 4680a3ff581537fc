import type { OutboundPart } from '../core/delivery.js'
import type { Db } from './client.js'
import { stmt } from './stmt.js'

export interface PartRow {
  id: number
  inbound_id: number
  part_no: number
  idempotency_key: string
  kind: OutboundPart['kind']
  title: string | null
  body: string
  status: 'pending' | 'sent' | 'failed'
  channel: string | null
  attempts: number
}

/**
 * Records a reply part before it is sent. If the part already exists (the message is being resumed
 * after a crash) the stored part wins: it is returned unchanged, so a regenerated reply never replaces
 * what may already have been delivered.
 */
export function upsertPart(db: Db, inboundId: number, part: OutboundPart): PartRow {
  const inserted = stmt(
    db,
    `INSERT INTO outbound_parts (inbound_id, part_no, idempotency_key, kind, title, body, status)
       VALUES (?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (inbound_id, part_no) DO NOTHING RETURNING *`,
  ).get(inboundId, part.no, part.key, part.kind, part.title, part.body) as PartRow | undefined
  return (
    inserted ??
    (stmt(db, 'SELECT * FROM outbound_parts WHERE inbound_id = ? AND part_no = ?').get(inboundId, part.no) as PartRow)
  )
}

export function markPartSent(db: Db, id: number, channel: string, now: number): void {
  stmt(
    db,
    `UPDATE outbound_parts SET status = 'sent', channel = ?, attempts = attempts + 1, sent_at = ?, error = NULL WHERE id = ?`,
  ).run(channel, now, id)
}

export function markPartFailed(db: Db, id: number, error: string, permanent: boolean): void {
  stmt(
    db,
    `UPDATE outbound_parts SET status = CASE WHEN ? THEN 'failed' ELSE status END, attempts = attempts + 1, error = ? WHERE id = ?`,
  ).run(permanent ? 1 : 0, error, id)
}

export function partsOf(db: Db, inboundId: number): PartRow[] {
  return stmt(db, 'SELECT * FROM outbound_parts WHERE inbound_id = ? ORDER BY part_no').all(inboundId) as PartRow[]
}
