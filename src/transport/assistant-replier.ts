import {
  DeliveryError,
  type DeliveryResult,
  type DeliveryTarget,
  type OutboundPart,
  type Replier,
} from '../core/delivery.js'

/**
 * Replies to AI 助理 ability calls (inbox source `assistant`). The markdown parts ARE the answer: they are
 * stored by the outbox like any reply and returned in the action's response (src/http/assistant), so
 * nothing is sent. Files (导出) cannot travel in a response the assistant shows: they go to the user
 * through the robot OpenAPI (a 1:1 message from Andy's robot, `files`). Pictures (the usage chart) only
 * illustrate the text and are left out rather than pushed into another chat.
 */
export class AssistantReplier implements Replier {
  constructor(private readonly files?: Replier) {}

  async deliver(target: DeliveryTarget, part: OutboundPart): Promise<DeliveryResult> {
    if (part.kind === 'markdown') return { channel: 'assistant' }
    if (part.kind === 'image') return { channel: 'assistant-omitted' }
    if (!this.files)
      throw new DeliveryError(
        'sending a file to an AI 助理 user needs the robot OpenAPI (DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET)',
        true,
        'no_openapi',
      )
    // Never the sessionWebhook (there is none): always the OpenAPI, 1:1 to the caller's staff id.
    return this.files.deliver(
      { ...target, sessionWebhook: undefined, sessionWebhookExpiredTime: undefined, preferOpenApi: true },
      part,
    )
  }
}
