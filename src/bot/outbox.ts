import { markPartFailed, markPartSent, upsertPart } from '../db/outbox.js'
import type { Db } from '../db/client.js'
import type { Logger } from '../logger.js'
import { DeliveryError, type DeliveryTarget, type OutboundPart, type Replier } from '../transport/types.js'
import { errorMessage } from './errors.js'
import { splitMarkdown, titleOf } from './markdown.js'

export interface OutboxOptions {
  db: Db
  logger: Logger
  replier: Replier
  target: DeliveryTarget
  inboxId: number
  now: () => number
  /** Mention the sender in the first part (group chats). */
  mentionUserId?: string
}

/**
 * Delivers the reply parts of one inbound message exactly once: each part is recorded (with its
 * idempotency key msgId:partNo) before it is sent and marked sent after; when the message is handled
 * again after a restart, parts already sent are skipped and pending ones are sent with their stored text.
 */
export class Outbox {
  private next = 1
  readonly sent: string[] = []
  failures = 0
  lastError: string | undefined

  constructor(private readonly o: OutboxOptions) {}

  async reply(markdown: string, opts: { title?: string; mention?: boolean } = {}): Promise<void> {
    const chunks = splitMarkdown(markdown)
    for (let i = 0; i < chunks.length; i++) {
      const mention = (opts.mention ?? this.next === 1) && this.o.mentionUserId !== undefined
      let body = chunks[i]!
      // DingTalk only @-mentions when the text itself contains @userId (dingtalk.md §3).
      if (mention) body = `@${this.o.mentionUserId} ${body}`
      const title = opts.title ?? titleOf(chunks[0]!)
      await this.deliver({
        no: this.next,
        key: `${this.o.target.robotCode}/${this.o.target.msgId}:${this.next}`,
        kind: 'markdown',
        title: chunks.length > 1 ? `${title}（${i + 1}/${chunks.length}）` : title,
        body,
        atUserIds: mention ? [this.o.mentionUserId!] : undefined,
      })
      this.next++
    }
  }

  private async deliver(part: OutboundPart): Promise<void> {
    const { db, logger, replier, target, inboxId } = this.o
    const row = upsertPart(db, inboxId, part)
    if (row.status === 'sent') {
      this.sent.push(row.body)
      return
    }
    if (row.status === 'failed') {
      this.failures++
      return
    }
    const stored: OutboundPart = { ...part, title: row.title ?? part.title, body: row.body }
    try {
      const res = await replier.deliver(target, stored)
      markPartSent(db, row.id, res.channel, this.o.now())
      this.sent.push(stored.body)
    } catch (err) {
      const permanent = err instanceof DeliveryError ? err.permanent : false
      markPartFailed(db, row.id, errorMessage(err), permanent)
      this.failures++
      this.lastError = errorMessage(err)
      logger.error({ err, msgId: target.msgId, part: part.no, permanent }, 'reply part not delivered')
      if (!permanent) throw err
    }
  }
}
