import type { BotContext, MessageCards } from '../bot/context.js'
import { PART_LIMIT, splitMarkdown } from '../core/markdown.js'
import type { AnswerStream } from './progress.js'

/**
 * An answer streamed into DingTalk AI cards (dingtalk.md §5) through the source's Replier (ctx.cards:
 * the delivery router's card channel, keyed like every reply part: robotCode/msgId:card<n>): created when
 * the answer starts (the card shows 处理中), then updated with the full markdown at most every
 * CARD_INTERVAL_MS per card — the OpenAPI client is shared by the process, so its per-path limiter caps
 * card calls for everyone — and a last update with isFinalize (or isError on failure).
 * Content beyond PART_LIMIT (the one split limit of replies) continues in a new card.
 * Any card error (403/QPS after retries, a timeout, a refused delivery) degrades the answer to
 * markdown messages: the full text is sent through the outbox when it is finished.
 */

/** Markdown body of an answer: bold title, blank line, text. */
export function answerMarkdown(title: string, text: string): string {
  return title ? `**${title}**\n\n${text}` : text
}

export const CARD_INTERVAL_MS = 500
/** Characters per card: the one split limit of replies (cards render blank past ~3000 characters). */
export const CARD_CHARS = PART_LIMIT
/** Longest wait for one card call before the answer falls back to markdown. */
export const CARD_CALL_TIMEOUT_MS = 8000

export interface CardStreamOptions {
  intervalMs?: number
  chars?: number
  callTimeoutMs?: number
  /** Called once when this answer gave up on cards (the reporter then uses markdown for the rest). */
  onDegrade?: (err: unknown) => void
}

interface Card {
  outTrackId: string
  created: boolean
  sealed: boolean
  sent: string
}

function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
  })
  return Promise.race([p, t]).finally(() => clearTimeout(timer))
}

export class CardAnswer implements AnswerStream {
  private readonly cards: Card[] = []
  private latest = ''
  /** The text the cards show (after the last sync). */
  private synced = ''
  private chain: Promise<void> = Promise.resolve()
  private timer: NodeJS.Timeout | undefined
  private lastPushAt = 0
  private pushing = false
  private closed = false
  private failure: unknown
  private readonly interval: number
  private readonly chars: number
  private readonly callTimeout: number

  constructor(
    private readonly ctx: BotContext,
    private readonly channel: MessageCards,
    private readonly title: string,
    private readonly o: CardStreamOptions,
  ) {
    this.interval = o.intervalMs ?? CARD_INTERVAL_MS
    this.chars = o.chars ?? CARD_CHARS
    this.callTimeout = o.callTimeoutMs ?? CARD_CALL_TIMEOUT_MS
    // The first card appears at once, in its 处理中 state.
    this.enqueue(async () => {
      await this.ensureCard(0)
    })
  }

  /** Whether the answer fell back to markdown. */
  get degraded(): boolean {
    return this.failure !== undefined
  }

  update(text: string): void {
    if (this.closed || this.failure !== undefined) return
    this.latest = text
    this.schedule()
  }

  async finish(text: string): Promise<void> {
    this.stopTimer()
    this.latest = text
    this.closed = true
    if (this.failure === undefined) {
      this.enqueue(() => this.sync(text, true, false))
      await this.chain
    }
    if (this.failure !== undefined) await this.ctx.reply(answerMarkdown(this.title, text), { title: this.title })
  }

  async fail(reason: string): Promise<void> {
    this.stopTimer()
    this.closed = true
    if (this.failure !== undefined) return
    const text = `${this.latest ? `${this.latest}\n\n` : ''}> 生成失败：${reason.slice(0, 120)}`
    this.enqueue(() => this.sync(text, true, true))
    await this.chain
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule(): void {
    if (this.timer || this.pushing) return
    const wait = Math.max(0, this.lastPushAt + this.interval - Date.now())
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (this.closed) return
      const text = this.latest
      this.pushing = true
      this.enqueue(() => this.sync(text, false, false))
      void this.chain.then(() => {
        this.pushing = false
        if (!this.closed && this.failure === undefined && this.synced !== this.latest) this.schedule()
      })
    }, wait)
  }

  private enqueue(fn: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.failure !== undefined) return
      try {
        await fn()
      } catch (err) {
        this.degrade(err)
      }
    })
  }

  private degrade(err: unknown): void {
    this.failure = err
    this.ctx.logger.warn(
      {
        err: err instanceof Error ? err.message : String(err),
        code: (err as { code?: string }).code,
      },
      'AI card failed; falling back to markdown messages',
    )
    this.o.onDegrade?.(err)
    // Best effort: the open card should not stay in "输入中" forever.
    const open = this.cards.find((c) => c.created && !c.sealed)
    if (open) {
      void deadline(
        this.channel.stream(open.outTrackId, {
          content: `${open.sent || '…'}\n\n> 已改为消息发送`,
          isFinalize: false,
          isError: true,
        }),
        this.callTimeout,
        'card error mark',
      ).catch(() => undefined)
    }
  }

  private async ensureCard(i: number): Promise<Card> {
    let card = this.cards[i]
    if (!card) {
      card = { outTrackId: this.channel.nextKey(), created: false, sealed: false, sent: '' }
      this.cards[i] = card
    }
    if (!card.created) {
      await deadline(this.channel.create(card.outTrackId), this.callTimeout, 'card createAndDeliver')
      card.created = true
    }
    return card
  }

  /** Brings the cards in line with `text`: earlier parts sealed, the last streamed (finalized when `final`). */
  private async sync(text: string, final: boolean, isError: boolean): Promise<void> {
    const parts = text ? splitMarkdown(text, this.chars) : ['']
    for (let i = 0; i < parts.length; i++) {
      const card = await this.ensureCard(i)
      if (card.sealed) continue
      const last = i === parts.length - 1
      const finalize = !last || final
      const content = answerMarkdown(i === 0 ? this.title : `${this.title}（续 ${i + 1}）`, parts[i] || '…')
      if (card.sent === content && !finalize) continue
      await deadline(
        this.channel.stream(card.outTrackId, { content, isFinalize: finalize, isError: last && isError }),
        this.callTimeout,
        'card streaming',
      )
      card.sent = content
      if (finalize) card.sealed = true
    }
    this.synced = text
    this.lastPushAt = Date.now()
  }
}

/** Whether this message can get AI cards: DingTalk conversation, its Replier has cards, template configured. */
export function cardsUsable(ctx: BotContext): boolean {
  return (
    ctx.cards !== undefined &&
    (ctx.source === 'stream' || ctx.source === 'http') &&
    !!ctx.conversationId &&
    (ctx.isGroup || !!ctx.msg.senderStaffId)
  )
}
