/** Reply delivery: what the bot hands a transport's Replier, and what comes back. */

/** Where a reply goes: taken from the inbound message. */
export interface DeliveryTarget {
  readonly msgId: string
  readonly robotCode: string
  readonly conversationId: string
  readonly conversationType: string
  readonly senderStaffId?: string
  readonly senderNick?: string
  readonly sessionWebhook?: string
  readonly sessionWebhookExpiredTime?: number
  /** Send through the robot OpenAPI even while the sessionWebhook is valid (seed modelType=openapi). */
  readonly preferOpenApi?: boolean
}

/** One reply message. `key` (robotCode/msgId:part) is the idempotency key, stable across retries and restarts. */
export interface OutboundPart {
  readonly no: number
  readonly key: string
  readonly kind: 'markdown' | 'file' | 'image'
  readonly title: string
  /** Markdown text; for files/images a JSON description ({path, fileName} / {mediaId}). */
  readonly body: string
  /** Staff ids to @-mention (groups). */
  readonly atUserIds?: readonly string[]
  /** Bulk output of a long pipeline: sent after short answers when a conversation's send budget is tight. */
  readonly bulk?: boolean
}

export interface DeliveryResult {
  readonly channel: string
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    /** true when retrying cannot help (bad robot, group dissolved…). */
    readonly permanent: boolean,
    readonly code?: string,
  ) {
    super(message)
    this.name = 'DeliveryError'
  }
}

/**
 * The idempotency key of a message's reply part (`robotCode/msgId:part`): outbox parts, AI cards
 * (`card<n>`) and digest parts use the same scheme, so a replay after a restart reuses the same keys.
 */
export function partKey(target: Pick<DeliveryTarget, 'robotCode' | 'msgId'>, part: number | string): string {
  return `${target.robotCode}/${target.msgId}:${part}`
}

/** One update of an AI card: the full markdown so far, finalized when the card is done. */
export interface CardUpdate {
  readonly content: string
  readonly isFinalize: boolean
  readonly isError: boolean
}

/** AI cards (DingTalk's interactive cards): a channel that can show them offers this on its Replier. */
export interface CardReplier {
  /** Creates and delivers an empty card (处理中) keyed `key` (partKey) into the target's conversation. */
  createCard(target: DeliveryTarget, key: string, card: { templateId: string; contentKey: string }): Promise<void>
  /** Replaces the card's content (`contentKey` is the template's streaming markdown variable). */
  streamCard(key: string, contentKey: string, update: CardUpdate): Promise<void>
}

/** Sends reply parts to DingTalk (sessionWebhook, OpenAPI) or to a local console. */
export interface Replier {
  deliver(target: DeliveryTarget, part: OutboundPart): Promise<DeliveryResult>
  /** AI cards, when this channel can show them (the DingTalk robot OpenAPI); absent otherwise. */
  readonly cards?: CardReplier
}
