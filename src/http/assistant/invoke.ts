import { randomUUID } from 'node:crypto'
import { FORBIDDEN_TEXT, rateLimitedText } from '../../bot/admission.js'
import { APOLOGY } from '../../bot/router.js'
import { type InboundEnvelope, parseRobotMessage } from '../../core/message.js'
import { storesOf } from '../../db/stores/index.js'
import { loadLastSearch } from '../../handlers/search.js'
import { tableByIntent } from '../../tables/index.js'
import type { EndpointCall } from '../endpoint.js'
import { ApiError } from '../envelope.js'

/**
 * An AI 助理 action as a chat message: the caller (userId/corpId from x-dingtalk-context) "says" a text
 * to Andy in its own conversation `ai-assistant`, and the same dispatcher, handlers, admission rules
 * (ANDY_ALLOWED_CORP_IDS, rate, admins) and usage records as chat messages apply — the record's channel
 * is `assistant`. The stored reply parts are the answer: their markdown, plus the structured result.
 */

/** Every caller's AI 助理 conversation (last search, paging, workflows are per user within it). */
export const ASSISTANT_CONVERSATION = 'ai-assistant'

export interface Caller {
  readonly userId: string
  readonly corpId?: string
}

export interface ActionAnswer {
  /** The reply markdown, exactly as chat shows it (parts joined). */
  content: string
  intent: string
  status: 'ok' | 'rejected'
  /** Files sent to the caller through the robot OpenAPI (导出). */
  files: Array<{ file_name: string; sent: boolean }>
  total: number | null
  rows: Array<Record<string, unknown>>
  filters: Record<string, unknown>
  relaxed: Array<{ key: string; label: string; value: unknown }>
  page: number | null
  perpage: number | null
  has_more: boolean
}

/** userId is required (x-dingtalk-context currentUser/userId); corpId is checked by the admission rules. */
export function callerOf(values: Record<string, unknown>): Caller {
  const userId = typeof values.userId === 'string' ? values.userId.trim() : ''
  if (!userId)
    throw new ApiError(
      400,
      '缺少调用者身份 userId：请在能力描述中用 x-dingtalk-context（currentUser / userId）自动填写，不要让模型提取',
    )
  const corpId = typeof values.corpId === 'string' && values.corpId.trim() ? values.corpId.trim() : undefined
  return { userId: userId.slice(0, 100), corpId: corpId?.slice(0, 100) }
}

/** Says `text` to Andy as the caller and returns what Andy answered. */
export async function askAsAssistant(
  call: EndpointCall,
  caller: Caller,
  text: string,
  opts: { customType?: string; once?: boolean } = {},
): Promise<ActionAnswer> {
  const { deps } = call
  let res: Awaited<ReturnType<typeof deps.app.handleNow>>
  try {
    res = await deps.app.handleNow(envelopeOf(call, caller, text, opts))
  } catch (err) {
    if (/shutting down/.test((err as Error).message)) throw new ApiError(503, 'Andy 正在重启，请稍后再问一次')
    throw err
  }
  if (res.intent === 'forbidden') throw new ApiError(403, FORBIDDEN_TEXT)
  if (res.intent === 'rate_limited') throw new ApiError(429, rateLimitedText(deps.config.userRatePerMin))
  const stores = storesOf(deps.app.deps)
  const inbound = await stores.inbox.get(res.inboxId)
  if (
    res.duplicate &&
    inbound &&
    inbound.status !== 'replied' &&
    inbound.status !== 'failed' &&
    inbound.status !== 'skipped'
  ) {
    throw new ApiError(409, '同一请求正在处理中，请稍后再试')
  }
  const parts = await stores.outbox.partsOf(res.inboxId)
  let content = parts
    .filter((p) => p.kind === 'markdown' && p.status === 'sent')
    .map((p) => p.body)
    .join('\n\n')
  const failed = res.duplicate ? inbound?.status === 'failed' : res.status === 'failed'
  // The handler itself failed (the reply is the apology): a server fault, logged with the msgId by the app.
  if (failed && (!content || content.endsWith(APOLOGY))) throw new ApiError(500, APOLOGY)
  const files = parts
    .filter((p) => p.kind === 'file')
    .map((p) => ({ file_name: p.title ?? '', sent: p.status === 'sent' }))
  if (files.some((f) => !f.sent))
    content += '\n\n> 文件没能发出（钉钉暂时拒绝了发送），请稍后再试一次；多次失败请联系管理员。'
  const last = loadLastSearch((await stores.state.get(ASSISTANT_CONVERSATION, caller.userId))?.last_search)
  const paged = (res.intent === 'more' || isSearch(res.intent)) && last && res.hits !== undefined
  return {
    content,
    intent: res.duplicate ? (inbound?.intent ?? 'unknown') : res.intent,
    status: res.status === 'rejected' ? 'rejected' : 'ok',
    files,
    total: res.total ?? null,
    rows: res.hits ?? [],
    filters: res.filters ?? {},
    relaxed: res.relaxed ?? [],
    page: paged ? last.page : null,
    perpage: paged ? last.perpage : null,
    has_more: paged ? last.page * last.perpage < last.total : false,
  }
}

/** The caller's question as a robot message from the 钉钉 AI 助理 conversation. */
function envelopeOf(
  call: EndpointCall,
  caller: Caller,
  text: string,
  opts: { customType?: string; once?: boolean },
): InboundEnvelope {
  const { deps } = call
  const robotCode = deps.config.dingtalk.robotCode || deps.config.dingtalk.clientId || 'andy-assistant'
  // Actions that change something (paging, export): the request's Idempotency-Key (over the stream, the
  // frame's messageId) makes a repeat the same message. Reads are simply run again.
  const key = opts.once ? call.request?.idempotencyKey : undefined
  const msgId = `assistant:${key ?? call.request?.id ?? randomUUID()}`
  const raw = {
    msgId,
    msgtype: 'text',
    text: { content: text },
    robotCode,
    conversationId: ASSISTANT_CONVERSATION,
    conversationType: '1',
    conversationTitle: '钉钉 AI 助理',
    senderStaffId: caller.userId,
    senderNick: caller.userId,
    ...(caller.corpId ? { senderCorpId: caller.corpId } : {}),
    ...(opts.customType ? { customType: opts.customType } : {}),
    createAt: deps.now(),
  }
  const parsed = parseRobotMessage(raw)
  if (!parsed.ok) throw new ApiError(400, `请求无法转成消息：${parsed.error}`)
  return { source: 'assistant', robotCode, message: parsed.message, raw: JSON.stringify(raw) }
}

export const isSearch = (intent: string): boolean => tableByIntent(intent) !== undefined
