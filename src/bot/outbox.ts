import { basename, extname } from 'node:path'
import { DeliveryError, type DeliveryTarget, type OutboundPart, partKey, type Replier } from '../core/delivery.js'
import { errorMessage } from '../core/errors.js'
import { PART_LIMIT, splitMarkdown, titleOf } from '../core/markdown.js'
import type { OutboxStore } from '../db/stores/types.js'
import type { Logger } from '../logger.js'

export interface OutboxOptions {
  store: OutboxStore
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
/** Between coalesced bulk answers. */
const BULK_SEPARATOR = '\n\n'

export class Outbox {
  private next = 1
  private sealed = false
  /** Bulk replies not sent yet (see ReplyOptions.bulk), with the title of the first. */
  private pendingBulk: { texts: string[]; length: number; title?: string } | undefined
  readonly sent: string[] = []
  failures = 0
  lastError: string | undefined

  constructor(private readonly o: OutboxOptions) {}

  async reply(markdown: string, opts: { title?: string; mention?: boolean; bulk?: boolean } = {}): Promise<void> {
    if (this.sealed) {
      // The handler ran past its deadline and the user already got an apology: later output is dropped.
      this.o.logger.warn('reply after the handler deadline dropped')
      return
    }
    if (opts.bulk) return this.addBulk(markdown, opts.title)
    await this.flush()
    await this.send(markdown, opts)
  }

  /**
   * Bulk replies are coalesced: one message holds as many consecutive answers as fit in a part. The
   * boundaries depend only on the texts, so a run replayed after a restart produces the same parts.
   */
  private async addBulk(markdown: string, title?: string): Promise<void> {
    const p = this.pendingBulk
    if (p && p.length + BULK_SEPARATOR.length + markdown.length > PART_LIMIT) await this.flush()
    const q = this.pendingBulk
    if (q) {
      q.texts.push(markdown)
      q.length += BULK_SEPARATOR.length + markdown.length
    } else {
      this.pendingBulk = { texts: [markdown], length: markdown.length, title }
    }
  }

  /** Sends the pending bulk replies (before any other reply, a file, the end of the message). */
  async flush(): Promise<void> {
    const p = this.pendingBulk
    if (!p) return
    this.pendingBulk = undefined
    await this.send(p.texts.join(BULK_SEPARATOR), { title: p.title, bulk: true })
  }

  /**
   * Ends the reply: later `reply()` calls are dropped. `lastWords` (an apology) is sent as the next part,
   * numbered after every part already handed out, including one still in flight.
   */
  async seal(lastWords?: string): Promise<void> {
    // What was produced before the deadline still goes out, then the apology.
    const pending = this.pendingBulk
    this.pendingBulk = undefined
    this.sealed = true
    if (pending) await this.send(pending.texts.join(BULK_SEPARATOR), { title: pending.title, bulk: true }, true)
    if (lastWords) await this.send(lastWords, {}, true)
  }

  /** Numbers new parts after those stored by earlier attempts (for a final notice that must not reuse their keys). */
  async appendAfterStored(): Promise<void> {
    const last = (await this.o.store.partsOf(this.o.inboxId)).at(-1)?.part_no ?? 0
    this.next = Math.max(this.next, last + 1)
  }

  private async send(
    markdown: string,
    opts: { title?: string; mention?: boolean; bulk?: boolean },
    final = false,
  ): Promise<void> {
    const chunks = splitMarkdown(markdown)
    for (let i = 0; i < chunks.length; i++) {
      // Sealed while a long reply was going out: the rest of it is dropped, only the final words go.
      if (this.sealed && !final) return
      // Numbers are taken before awaiting, so concurrent replies (a hung handler and its apology) never share one.
      const no = this.next++
      const mention = (opts.mention ?? no === 1) && this.o.mentionUserId !== undefined
      let body = chunks[i]!
      // DingTalk only @-mentions when the text itself contains @userId (dingtalk.md §3).
      if (mention) body = `@${this.o.mentionUserId} ${body}`
      const title = opts.title ?? titleOf(chunks[0]!)
      await this.deliver({
        no,
        key: partKey(this.o.target, no),
        kind: 'markdown',
        title: chunks.length > 1 ? `${title}（${i + 1}/${chunks.length}）` : title,
        body,
        atUserIds: mention ? [this.o.mentionUserId!] : undefined,
        ...(opts.bulk ? { bulk: true } : {}),
      })
    }
  }

  /** A file or image part: its body is JSON {path, fileName, fileType} (see DeliveryRouter). */
  async file(file: { kind: 'file' | 'image'; path: string; fileName?: string }): Promise<void> {
    if (this.sealed) {
      this.o.logger.warn('file after the handler deadline dropped')
      return
    }
    await this.flush()
    const fileName = file.fileName ?? basename(file.path)
    const no = this.next++
    await this.deliver({
      no,
      key: partKey(this.o.target, no),
      kind: file.kind,
      title: fileName,
      body: JSON.stringify({ path: file.path, fileName, fileType: extname(fileName).slice(1).toLowerCase() }),
    })
  }

  private async deliver(part: OutboundPart): Promise<void> {
    const { store, logger, replier, target, inboxId } = this.o
    const row = await store.upsertPart(inboxId, part)
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
      await store.markSent(row.id, res.channel, this.o.now())
      this.sent.push(stored.body)
    } catch (err) {
      const permanent = err instanceof DeliveryError ? err.permanent : false
      await store.markFailed(row.id, errorMessage(err), permanent)
      this.failures++
      this.lastError = errorMessage(err)
      logger.error({ err, part: part.no, permanent }, 'reply part not delivered')
      if (!permanent) throw err
    }
  }
}
