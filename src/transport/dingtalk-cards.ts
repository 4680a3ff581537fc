import { randomUUID } from 'node:crypto'
import { DingtalkApiError } from './dingtalk-api-error.js'

/**
 * Request bodies and answer checks for AI cards (dingtalk.md §5). The HTTP calls themselves go through
 * DingtalkApi (token, limiter, retries).
 * Ref: https://open.dingtalk.com/document/development/api-streamingupdate
 */

export const CARD_CREATE_AND_DELIVER_PATH = '/v1.0/card/instances/createAndDeliver'
export const CARD_STREAMING_PATH = '/v1.0/card/streaming'
export const CARD_INSTANCES_PATH = '/v1.0/card/instances'

export interface CardDeliveryInput {
  /** Unique per card: a new card needs a new id (dingtalk.md §5.2). */
  readonly outTrackId: string
  /** e.g. `8aebdfb9-….schema` (DINGTALK_CARD_TEMPLATE_ID). */
  readonly templateId: string
  readonly cardParamMap: Readonly<Record<string, unknown>>
  /** '2' = group (IM_GROUP), anything else = 1:1 with the robot (IM_ROBOT). */
  readonly conversationType: string
  readonly conversationId: string
  /** The user's staff id; required for 1:1 cards. */
  readonly staffId?: string
  /** Users to @ in a group card: ids, or id → nick. */
  readonly atUserIds?: readonly string[] | Readonly<Record<string, string>>
  /** The robot that delivers it (default: the client's robotCode). */
  readonly robotCode?: string
}

export interface CardStreamInput {
  readonly outTrackId: string
  /** The template variable bound to the streaming markdown component. */
  readonly key: string
  /** The full markdown so far (isFull=true overwrites; markdown-bound variables require it). */
  readonly content: string
  readonly isFull?: boolean
  readonly isFinalize?: boolean
  readonly isError?: boolean
}

export interface CardUpdateInput {
  readonly outTrackId: string
  readonly cardParamMap: Readonly<Record<string, unknown>>
}

/** All cardParamMap values must be strings (dingtalk.md §5.2); other values are JSON-encoded. */
export function stringParams(map: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(map)) out[k] = typeof v === 'string' ? v : JSON.stringify(v ?? '')
  return out
}

// https://open.dingtalk.com/document/development/create-and-deliver-cards
export function createAndDeliverBody(input: CardDeliveryInput, robotCode: string): Record<string, unknown> {
  const common = {
    cardTemplateId: input.templateId,
    outTrackId: input.outTrackId,
    cardData: { cardParamMap: stringParams(input.cardParamMap) },
    callbackType: 'STREAM',
    userIdType: 1,
  }
  if (input.conversationType === '2') {
    const at = input.atUserIds
    const atUserIds = Array.isArray(at)
      ? Object.fromEntries(at.map((id) => [id, id]))
      : (at as Readonly<Record<string, string>> | undefined)
    return {
      ...common,
      openSpaceId: `dtv1.card//IM_GROUP.${input.conversationId}`,
      imGroupOpenSpaceModel: { supportForward: true },
      imGroupOpenDeliverModel: {
        robotCode,
        ...(atUserIds && Object.keys(atUserIds).length > 0 ? { atUserIds: { ...atUserIds } } : {}),
      },
    }
  }
  if (!input.staffId)
    throw new DingtalkApiError('a 1:1 card needs the user staff id', 'no_staff_id', 0, false, {
      path: CARD_CREATE_AND_DELIVER_PATH,
    })
  return {
    ...common,
    openSpaceId: `dtv1.card//IM_ROBOT.${input.staffId}`,
    imRobotOpenSpaceModel: { supportForward: true },
    imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode },
  }
}

interface DeliverAnswer {
  success?: boolean
  result?: { outTrackId?: string; deliverResults?: { success?: boolean; errorMsg?: string; spaceId?: string }[] }
}

/** HTTP 200 can still carry a failed delivery (dingtalk.md §5.2). */
export function checkDeliverAnswer(json: unknown): DingtalkApiError | undefined {
  const a = (json ?? {}) as DeliverAnswer
  const failed = (a.result?.deliverResults ?? []).filter((r) => r.success === false)
  if (a.success === false || failed.length > 0) {
    const why = failed.map((r) => r.errorMsg ?? 'unknown').join('; ') || 'success=false'
    return new DingtalkApiError(`DingTalk card delivery failed: ${why}`, 'card_deliver_failed', 200, false, {
      path: CARD_CREATE_AND_DELIVER_PATH,
    })
  }
  return undefined
}

/** A new guid on every request (the server deduplicates by guid; isFull=true makes a resend harmless). */
export function streamingBody(input: CardStreamInput): Record<string, unknown> {
  return {
    outTrackId: input.outTrackId,
    guid: randomUUID(),
    key: input.key,
    content: input.content,
    isFull: input.isFull ?? true,
    isFinalize: input.isFinalize ?? false,
    isError: input.isError ?? false,
  }
}

export function updateCardBody(input: CardUpdateInput): Record<string, unknown> {
  return {
    outTrackId: input.outTrackId,
    cardData: { cardParamMap: stringParams(input.cardParamMap) },
    cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: false },
    userIdType: 1,
  }
}

/** `{"success": false}` on streaming/update answers. */
export function checkSuccessAnswer(path: string) {
  return (json: unknown): DingtalkApiError | undefined =>
    (json as { success?: unknown } | undefined)?.success === false
      ? new DingtalkApiError(`DingTalk ${path}: success=false`, 'card_update_failed', 200, false, { path })
      : undefined
}
