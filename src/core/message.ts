import * as z from 'zod'

/**
 * A robot message callback (`/v1.0/im/bot/messages/get`), as DingTalk sends it over the stream, the
 * HTTP callback, or the seed's AReceiveMsg endpoint. Lenient: unknown fields are kept in the raw JSON,
 * booleans and numbers may arrive as strings (the seed API sends everything as strings).
 * Ref: https://open.dingtalk.com/document/development/robot-message-type
 */
const boolish = z.union([z.boolean(), z.string().transform((s) => s === 'true' || s === '1')]).optional()
const numish = z
  .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
  .optional()
  .catch(undefined)
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
  conversationType: z
    .union([z.string(), z.number().transform(String)])
    .optional()
    .default('1'),
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
  atUsers: jsonish(
    z.array(z.looseObject({ dingtalkId: z.string().optional(), staffId: z.string().optional() })).optional(),
  ).catch(undefined),
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
  if (!res.success)
    return { ok: false, error: res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }
  return { ok: true, message: res.data }
}

/** Longest text Andy reads from one message; the rest is ignored with a note. */
export const MAX_TEXT = 500

/**
 * The text of a message: text.content, the text segments of a richText, DingTalk's speech recognition
 * of an audio message. Trimmed (DingTalk leaves a space where the bot's @name was; dingtalk.md §2.3).
 */
export function messageText(msg: RobotMessage): string {
  if (msg.msgtype === 'text' || msg.text?.content) return (msg.text?.content ?? '').trim()
  const content = (msg.content ?? {}) as Record<string, unknown>
  if (msg.msgtype === 'richText' && Array.isArray(content.richText)) {
    return (content.richText as Array<Record<string, unknown>>)
      .map((seg) => (typeof seg.text === 'string' ? seg.text : ''))
      .join('\n')
      .trim()
  }
  if (msg.msgtype === 'audio' && typeof content.recognition === 'string') return content.recognition.trim()
  return ''
}

/** Who sent it: staff id when DingTalk gives one (published bots), else the encrypted sender id. */
export function senderId(msg: RobotMessage): string {
  return msg.senderStaffId || msg.senderId || msg.senderNick || 'unknown'
}

export function isGroup(msg: RobotMessage): boolean {
  return msg.conversationType === '2'
}
