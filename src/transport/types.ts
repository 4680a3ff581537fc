import { z } from 'zod'

/**
 * A robot message callback (`/v1.0/im/bot/messages/get`), as DingTalk sends it over the stream, the
 * HTTP callback, or the seed's AReceiveMsg endpoint. Lenient: unknown fields are kept in the raw JSON,
 * booleans and numbers may arrive as strings (the seed API sends everything as strings).
 * Ref: https://open.dingtalk.com/document/development/robot-message-type
 */
const boolish = z.union([z.boolean(), z.string().transform((s) => s === 'true' || s === '1')]).optional()
const numish = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).optional().catch(undefined)
const jsonish = <T extends z.ZodType>(inner: T) =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return v
    try {
      return JSON.parse(v)
    } catch {
      return undefined
    }
  }, inner)

export const robotMessageSchema = z.looseObject({
  msgId: z.string().min(1),
  msgtype: z.string().optional().default('text'),
  robotCode: z.string().optional(),
  conversationId: z.string().optional().default(''),
  conversationType: z.union([z.string(), z.number().transform(String)]).optional().default('1'),
  conversationTitle: z.string().optional(),
  senderId: z.string().optional(),
  senderStaffId: z.string().optional(),
  senderUnionId: z.string().optional(),
  senderNick: z.string().optional(),
  senderCorpId: z.string().optional(),
  chatbotCorpId: z.string().optional(),
  chatbotUserId: z.string().optional(),
  isAdmin: boolish,
  isInAtList: boolish,
  atUsers: jsonish(z.array(z.looseObject({ dingtalkId: z.string().optional(), staffId: z.string().optional() })).optional()).catch(undefined),
  sessionWebhook: z.string().optional(),
  sessionWebhookExpiredTime: numish,
  createAt: numish,
  text: jsonish(z.looseObject({ content: z.string().optional().default('') }).optional()).catch(undefined),
  content: jsonish(z.unknown()).optional(),
  errorCode: z.union([z.string(), z.number()]).optional(),
  errorMessage: z.string().optional(),
  /** Seed extras (HTTP API): 1 图片, 2 报告, 3 打单, 4 客户案例, 5 运营活动设计, 6 使用统计, 7 竞对切换, rcfz, hyps */
  customType: z.union([z.string(), z.number().transform(String)]).optional(),
  modelType: z.string().optional(),
})

export type RobotMessage = z.infer<typeof robotMessageSchema>

/** stream / http: robot messages; assistant: AI 助理 abilities (src/http/assistant); local: andy chat / ask. */
export type InboxSource = 'stream' | 'http' | 'assistant' | 'local'

/** A message handed to the app by a transport. */
export interface InboundEnvelope {
  readonly source: InboxSource
  /** Dedupe scope: the robot that received it (the same msgId reaches every robot @-ed in a group). */
  readonly robotCode: string
  readonly message: RobotMessage
  /** The payload as received (stored in the inbox). */
  readonly raw: string
}

export type ParseResult = { ok: true; message: RobotMessage } | { ok: false; error: string }

/** Parses a callback payload (object or JSON string). Never throws. */
export function parseRobotMessage(data: unknown): ParseResult {
  let value = data
  if (typeof data === 'string') {
    try {
      value = JSON.parse(data)
    } catch (err) {
      return { ok: false, error: `payload is not JSON: ${(err as Error).message}` }
    }
  }
  const res = robotMessageSchema.safeParse(value)
  if (!res.success) return { ok: false, error: res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }
  return { ok: true, message: res.data }
}

/** What the app says about a message a transport hands it; the transport acks after this returns. */
export interface AcceptResult {
  readonly inboxId: number
  /** true when this (robotCode, msgId) was seen before: no new work, ack again and move on. */
  readonly duplicate: boolean
}

/** The sink every transport feeds: store-then-ack, handle later. */
export interface MessageSink {
  /** Stores the message in the inbox (durable when it resolves) and schedules its handling. */
  accept(envelope: InboundEnvelope): Promise<AcceptResult>
}

/** A long-lived inbound transport (the DingTalk stream). */
export interface Transport {
  start(): Promise<void>
  stop(): Promise<void>
  /** 'connected' | 'connecting' | 'stopped' … for /healthz. */
  state(): string
}

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
