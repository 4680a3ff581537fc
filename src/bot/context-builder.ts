import { type CardReplier, type DeliveryTarget, partKey } from '../core/delivery.js'
import type { InboundEnvelope, RobotMessage } from '../core/message.js'
import { isGroup, messageText, senderId } from '../core/message.js'
import type { Stores } from '../db/stores/types.js'
import { isDingtalkWebhook } from '../transport/dingtalk-hosts.js'
import type { Verdict } from './admission.js'
import type { AppDeps, BotContext, MessageCards } from './context.js'
import type { ConversationSessions } from './conversation.js'
import { Outbox } from './outbox.js'

/** One message on its way through the middleware chain (bot/message-chain.ts). */
export interface Turn {
  readonly ctx: BotContext
  readonly outbox: Outbox
  readonly abort: AbortController
  /** Admission's decision, taken in arrival order when the message was queued. */
  readonly verdict: Verdict
  /** When handling started (the usage record's latency). */
  readonly started: number
  /** Told the intent as soon as the router decided it (the deadline middleware lengthens the deadline). */
  onDecided?: (intent: string) => void
}

export interface BuiltContext {
  readonly ctx: BotContext
  readonly outbox: Outbox
  readonly abort: AbortController
  /** Frees this sender's conversation state for the next message (call when done). */
  release(): void
}

/**
 * Builds a message's BotContext: a child logger that carries the msgId, the outbox over the source's
 * Replier, the abort signal, and the sender's conversation state (held until `release`).
 */
export async function buildContext(
  deps: AppDeps,
  stores: Stores,
  sessions: ConversationSessions,
  at: { inboxId: number; robotCode: string; source: InboundEnvelope['source']; msg: RobotMessage },
): Promise<BuiltContext> {
  const { inboxId, robotCode, source, msg } = at
  const group = isGroup(msg)
  const userId = senderId(msg)
  const logger = deps.logger.child({ msgId: msg.msgId, inboxId, conversationId: msg.conversationId })
  const replier = deps.repliers[source]
  if (!replier) throw new Error(`no replier for source ${source}`)
  // Replies are POSTed to the sessionWebhook: whatever the source (stream frame, stored message), only on DingTalk's hosts.
  let sessionWebhook = msg.sessionWebhook
  if (sessionWebhook && !isDingtalkWebhook(sessionWebhook, deps.config.dingtalk)) {
    logger.warn({ source }, 'sessionWebhook is not on a DingTalk host: not used (replies go through the OpenAPI)')
    sessionWebhook = undefined
  }
  const target: DeliveryTarget = {
    msgId: msg.msgId,
    robotCode,
    conversationId: msg.conversationId ?? '',
    conversationType: msg.conversationType ?? '1',
    senderStaffId: msg.senderStaffId,
    senderNick: msg.senderNick,
    sessionWebhook,
    sessionWebhookExpiredTime: msg.sessionWebhookExpiredTime,
    preferOpenApi: msg.modelType === 'openapi',
  }
  const outbox = new Outbox({
    store: stores.outbox,
    logger,
    replier,
    inboxId,
    now: deps.clock.now,
    mentionUserId: group && msg.senderStaffId ? msg.senderStaffId : undefined,
    target,
  })
  const rawText = messageText(msg)
  const abort = new AbortController()
  const { session: conversation, release } = await sessions.acquire(msg.conversationId ?? '', userId)
  const ctx: BotContext = {
    deps,
    logger,
    msg,
    inboxId,
    source,
    robotCode,
    userId,
    userNick: msg.senderNick ?? userId,
    conversationId: msg.conversationId ?? '',
    conversationTitle: msg.conversationTitle,
    isGroup: group,
    isAdmin: !!msg.senderStaffId && deps.config.adminStaffIds.includes(msg.senderStaffId),
    rawText,
    text: rawText,
    intent: 'unknown',
    notes: [],
    state: {},
    conversation,
    result: { intent: 'unknown', status: 'ok', replies: [] },
    reply: (markdown, opts) => outbox.reply(markdown, opts),
    replyFile: (file) => outbox.file(file),
    flush: () => outbox.flush(),
    cards: cardsOf(replier.cards, target, deps.config.dingtalk),
    now: deps.clock.now,
    signal: abort.signal,
  }
  return { ctx, outbox, abort, release }
}

/** The message's AI cards: the Replier's card channel bound to its conversation (with a card template). */
function cardsOf(
  cards: CardReplier | undefined,
  target: DeliveryTarget,
  config: { cardTemplateId?: string; cardContentKey: string },
): MessageCards | undefined {
  const templateId = config.cardTemplateId
  if (!cards || !templateId) return undefined
  let n = 0
  return {
    nextKey: () => partKey(target, `card${++n}`),
    create: (key) => cards.createCard(target, key, { templateId, contentKey: config.cardContentKey }),
    stream: (key, update) => cards.streamCard(key, config.cardContentKey, update),
  }
}
