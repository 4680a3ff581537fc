import type { BotContext } from '../bot/context.js'
import { answerMarkdown, CardAnswer, cardsUsable } from './card-stream.js'

export { answerMarkdown }

/**
 * How a pipeline shows its work. Handlers never talk to DingTalk directly: they ask progressFor(ctx)
 * for a reporter. With AI cards usable (DINGTALK_CARD_TEMPLATE_ID set, the DingTalk API available, a
 * DingTalk conversation), each answer streams into a card (card-stream.ts); otherwise a short
 * "正在生成 (3/13)…" status goes out for long pipelines and the answers are sent as markdown, coalesced
 * into as few messages as fit (bulk replies, see ReplyOptions.bulk; split into parts by the outbox).
 */

export interface AnswerStream {
  /** The full answer so far (called on every delta; sinks throttle). */
  update(text: string): void
  /** The final answer: the card is finalized, or the markdown is sent. */
  finish(text: string): Promise<void>
  /** Generation failed: the card is marked failed (markdown mode: nothing, the error reply follows). */
  fail(reason: string): Promise<void>
}

export interface ProgressReporter {
  /** 'card' when answers stream into AI cards. */
  readonly mode: 'card' | 'markdown'
  /** A short status line for long pipelines (markdown mode only; a card shows its own progress). */
  status(text: string): Promise<void>
  /** Starts one answer titled `title`. */
  begin(title: string): AnswerStream
  /**
   * An answer already produced for this message before a restart: markdown mode re-sends it through
   * the outbox (which skips parts already delivered); card mode does nothing (its card was delivered).
   */
  replay(title: string, text: string): Promise<void>
}

export function markdownReporter(ctx: BotContext): ProgressReporter {
  return {
    mode: 'markdown',
    status: (text) => ctx.reply(text),
    begin(title) {
      return {
        update() {},
        // Step answers are bulk: sent together, as few messages as fit (the group's send budget).
        finish: (text) => ctx.reply(answerMarkdown(title, text), { title, bulk: true }),
        async fail() {},
      }
    },
    replay: (title, text) => ctx.reply(answerMarkdown(title, text), { title, bulk: true }),
  }
}

/** Answers stream into AI cards; after a card failure the rest of the message uses markdown. */
export function cardReporter(ctx: BotContext): ProgressReporter {
  const cards = ctx.cards!
  let degraded = false
  const markdown = markdownReporter(ctx)
  return {
    get mode() {
      return degraded ? 'markdown' : 'card'
    },
    status: (text) => (degraded ? markdown.status(text) : Promise.resolve()),
    begin(title) {
      if (degraded) return markdown.begin(title)
      return new CardAnswer(ctx, cards, title, {
        onDegrade: () => (degraded = true),
      })
    },
    async replay() {},
  }
}

/** The reporter for this message (one per message): AI cards when usable here, markdown otherwise. */
export function progressFor(ctx: BotContext): ProgressReporter {
  const existing = ctx.state.progress as ProgressReporter | undefined
  if (existing) return existing
  const reporter = cardsUsable(ctx) ? cardReporter(ctx) : markdownReporter(ctx)
  ctx.state.progress = reporter
  return reporter
}
