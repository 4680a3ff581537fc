import { basename } from 'node:path'
import { type Clock, systemClock } from '../core/clock.js'
import {
  DeliveryError,
  type DeliveryResult,
  type DeliveryTarget,
  type OutboundPart,
  type Replier,
} from '../core/delivery.js'
import type { Logger } from '../logger.js'
import { DingtalkCards } from './cards.js'
import { type DingtalkApi, type RobotMsg, sampleFile, sampleImageMsg, sampleMarkdown } from './dingtalk-api.js'
import { DingtalkApiError, retryDelay } from './dingtalk-api-error.js'
import { fileTypeOf } from './dingtalk-media.js'
import { SlidingWindowLimiter } from './rate-limiter.js'
import type { Limiter } from './shared-limiter.js'
import { markdownBody, postWebhook, SESSION_EXPIRED, type WebhookOptions } from './webhook.js'

export interface DeliveryRouterOptions {
  /** Absent when no DingTalk credentials are configured: then only the sessionWebhook is used. */
  readonly api?: DingtalkApi
  readonly logger: Logger
  /** Judges sessionWebhookExpiredTime. */
  readonly clock?: Clock
  readonly webhook?: WebhookOptions
  /** Stop using the sessionWebhook this long before it expires (default 5 min). */
  readonly safetyMarginMs?: number
  /** Messages per conversation per `conversationWindowMs` (default 20 per 60 000 ms); extra ones wait. */
  readonly perConversationLimit?: number
  readonly conversationWindowMs?: number
  /**
   * Of each window's messages, this many are kept for short answers (default 5): bulk pipeline output
   * (parts marked `bulk`) waits once it used the rest, and short answers go before waiting bulk parts.
   */
  readonly shortAnswerReserve?: number
  /** The per-conversation limiter itself (tests pass one on a fake clock). */
  readonly conversationLimiter?: Limiter
  /** Idle conversations are forgotten once more than this many are tracked (default 1000). */
  readonly maxTrackedConversations?: number
  /** sessionWebhook attempts on transient failures before falling back to the OpenAPI (default 2). */
  readonly webhookAttempts?: number
  /** Back-off between webhook attempts (default 500 ms, cap 4000 ms). OpenAPI retries live in DingtalkApi. */
  readonly retryBaseMs?: number
  readonly retryMaxMs?: number
  readonly random?: () => number
}

/** The JSON body of a file/image part. */
interface MediaPartBody {
  path?: string
  mediaId?: string
  fileName?: string
  fileType?: string
}

/**
 * Sends reply parts: markdown through the message's sessionWebhook while it is valid (with a safety margin),
 * otherwise — or when it answers 300001 or keeps failing — through the robot OpenAPI (group send with the
 * conversationId, 1:1 batchSend with the sender's staff id). Files and images always go through the OpenAPI.
 * OpenAPI sends cannot @-mention; the text (with its `@userId`) is kept as it is. dingtalk.md §3, §4.4.
 */
export class DeliveryRouter implements Replier {
  private readonly log: Logger
  private readonly clock: Clock
  private readonly conversations: Limiter
  private readonly marginMs: number
  /** AI cards over the same OpenAPI client (absent without credentials). */
  readonly cards: DingtalkCards | undefined

  constructor(private readonly opts: DeliveryRouterOptions) {
    this.cards = opts.api ? new DingtalkCards(opts.api) : undefined
    this.log = opts.logger
    this.clock = opts.clock ?? systemClock
    this.marginMs = opts.safetyMarginMs ?? 5 * 60_000
    const limit = opts.perConversationLimit ?? 20
    this.conversations =
      opts.conversationLimiter ??
      new SlidingWindowLimiter({
        limit,
        windowMs: opts.conversationWindowMs ?? 60_000,
        reserveHigh: Math.min(limit - 1, opts.shortAnswerReserve ?? 5),
        sweepAbove: opts.maxTrackedConversations,
      })
  }

  async deliver(target: DeliveryTarget, part: OutboundPart): Promise<DeliveryResult> {
    const waited = await this.conversations.acquire(
      target.conversationId || target.senderStaffId || target.msgId,
      part.bulk ? 'low' : 'high',
    )
    if (waited > 1000)
      this.log.info(
        { msgId: target.msgId, part: part.no, bulk: !!part.bulk, waitedMs: waited },
        'conversation send limit: part waited',
      )
    if (part.kind === 'markdown') return this.deliverMarkdown(target, part)
    return this.deliverMedia(target, part)
  }

  /** Conversations currently tracked by the per-conversation limiter (bounded: idle ones are dropped). */
  trackedConversations(): number {
    return this.conversations.size
  }

  /** Whether the sessionWebhook may still be used now. */
  webhookUsable(target: DeliveryTarget): boolean {
    if (!target.sessionWebhook) return false
    const exp = target.sessionWebhookExpiredTime
    return exp === undefined || this.clock.now() < exp - this.marginMs
  }

  private async deliverMarkdown(target: DeliveryTarget, part: OutboundPart): Promise<DeliveryResult> {
    // The seed's modelType=openapi: the caller wants robot OpenAPI sends, not the sessionWebhook.
    if (target.preferOpenApi && this.opts.api) return this.viaApi(target, sampleMarkdown(part.title, part.body))
    if (this.webhookUsable(target)) {
      try {
        await this.postWithRetry(target, part)
        return { channel: 'webhook' }
      } catch (err) {
        const e = toDeliveryError(err)
        const expired = e.code === String(SESSION_EXPIRED)
        if (!this.opts.api) {
          if (expired)
            throw new DeliveryError(
              'the sessionWebhook has expired (300001) and no DingTalk OpenAPI credentials are configured',
              true,
              'session_expired',
            )
          throw e
        }
        this.log.warn(
          { msgId: target.msgId, part: part.no, code: e.code, err: e },
          'sessionWebhook failed, sending through the OpenAPI',
        )
      }
    } else if (!this.opts.api) {
      const why = target.sessionWebhook ? 'the sessionWebhook has expired' : 'the message has no sessionWebhook'
      throw new DeliveryError(`${why} and no DingTalk OpenAPI credentials are configured`, true, 'no_channel')
    } else if (target.sessionWebhook) {
      this.log.info(
        { msgId: target.msgId, part: part.no },
        'sessionWebhook (nearly) expired, sending through the OpenAPI',
      )
    }
    return this.viaApi(target, sampleMarkdown(part.title, part.body))
  }

  private async deliverMedia(target: DeliveryTarget, part: OutboundPart): Promise<DeliveryResult> {
    let d: MediaPartBody
    try {
      d = JSON.parse(part.body) as MediaPartBody
    } catch {
      throw new DeliveryError(`${part.kind} part ${part.key} is not JSON`, true, 'bad_part')
    }
    if (!d || (!d.mediaId && !d.path))
      throw new DeliveryError(`${part.kind} part ${part.key} has neither mediaId nor path`, true, 'bad_part')
    const api = this.opts.api
    if (!api)
      throw new DeliveryError(
        `sending a ${part.kind} needs DingTalk OpenAPI credentials (DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET)`,
        true,
        'no_openapi',
      )
    const fileName = d.fileName ?? basename(d.path ?? 'file')
    let mediaId = d.mediaId
    if (!mediaId) {
      try {
        mediaId = await api.uploadMedia(d.path!, fileName, part.kind === 'image' ? 'image' : 'file')
      } catch (err) {
        throw toDeliveryError(err)
      }
    }
    const msg =
      part.kind === 'image'
        ? sampleImageMsg(mediaId)
        : sampleFile(mediaId, fileName, d.fileType ?? fileTypeOf(fileName))
    return this.viaApi(target, msg)
  }

  private async viaApi(target: DeliveryTarget, msg: RobotMsg): Promise<DeliveryResult> {
    const api = this.opts.api!
    const robotCode = target.robotCode || api.robotCode
    try {
      // https://open.dingtalk.com/document/development/the-robot-sends-a-group-message
      if (target.conversationType === '2')
        await api.sendGroup(target.conversationId, msg.msgKey, msg.msgParam, robotCode)
      else {
        if (!target.senderStaffId)
          throw new DeliveryError(
            'a 1:1 reply through the OpenAPI needs the sender staff id (external users have none)',
            true,
            'no_staff_id',
          )
        await api.sendToUser(target.senderStaffId, msg.msgKey, msg.msgParam, robotCode)
      }
    } catch (err) {
      throw toDeliveryError(err)
    }
    return { channel: 'openapi' }
  }

  private async postWithRetry(target: DeliveryTarget, part: OutboundPart): Promise<void> {
    const attempts = Math.max(1, this.opts.webhookAttempts ?? 2)
    for (let attempt = 0; ; attempt++) {
      try {
        await postWebhook(target.sessionWebhook!, markdownBody(part), this.opts.webhook)
        return
      } catch (err) {
        const e = toDeliveryError(err)
        if (e.permanent || attempt + 1 >= attempts) throw e
        const delayMs = retryDelay(
          attempt,
          this.opts.retryBaseMs ?? 500,
          this.opts.retryMaxMs ?? 4000,
          this.opts.random,
        )
        this.log.warn(
          { msgId: target.msgId, part: part.no, code: e.code, attempt: attempt + 1, delayMs },
          'sessionWebhook failed, retrying',
        )
        await new Promise((resolve) => setTimeout(resolve, delayMs))
      }
    }
  }
}

/** DingtalkApiError → DeliveryError (permanent = not transient); anything else counts as transient. */
export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err
  if (err instanceof DingtalkApiError) return new DeliveryError(err.message, !err.transient, err.code)
  return new DeliveryError(err instanceof Error ? err.message : String(err), false, 'internal')
}
