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

/** Sends reply parts to DingTalk (sessionWebhook, OpenAPI) or to a local console. */
export interface Replier {
  deliver(target: DeliveryTarget, part: OutboundPart): Promise<DeliveryResult>
}
