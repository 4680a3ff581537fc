import { DeliveryError, type DeliveryResult, type DeliveryTarget, type OutboundPart, type Replier } from './types.js'

/**
 * Sends markdown through the message's sessionWebhook (valid ~90 min; dingtalk.md §3).
 * HTTP 200 can still carry an error: the answer's errcode is checked.
 * Ref: https://open.dingtalk.com/document/development/robot-message-type
 */

export interface WebhookOptions {
  timeoutMs?: number
  fetch?: typeof fetch
}

/** errcode of an expired/unknown session (dingtalk.md §3 "Responses"). */
export const SESSION_EXPIRED = 300001

export function markdownBody(part: OutboundPart): Record<string, unknown> {
  return {
    msgtype: 'markdown',
    markdown: { title: part.title, text: part.body },
    at: { atUserIds: part.atUserIds ? [...part.atUserIds] : [], isAtAll: false },
    // Idempotency key (documented for custom robots; harmless elsewhere).
    msgUuid: part.key,
  }
}

export async function postWebhook(url: string, body: unknown, opts: WebhookOptions = {}): Promise<void> {
  const f = opts.fetch ?? fetch
  let res: Response
  try {
    res = await f(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    })
  } catch (err) {
    throw new DeliveryError(`webhook request failed: ${(err as Error).message}`, false, 'network')
  }
  const text = await res.text().catch(() => '')
  if (!res.ok) throw new DeliveryError(`webhook HTTP ${res.status}`, res.status < 500 && res.status !== 429, `http_${res.status}`)
  let json: { errcode?: number; errmsg?: string } = {}
  try {
    json = text ? (JSON.parse(text) as typeof json) : {}
  } catch {
    throw new DeliveryError('webhook answered with non-JSON', false, 'bad_response')
  }
  if (json.errcode !== undefined && json.errcode !== 0) {
    const code = String(json.errcode)
    // -1 busy and 410100 throttled are worth retrying; an expired session needs the OpenAPI instead.
    const transient = json.errcode === -1 || json.errcode === 410100
    throw new DeliveryError(`webhook errcode ${code}: ${json.errmsg ?? ''}`, !transient, code)
  }
}

/** Replier that only uses the sessionWebhook (the OpenAPI fallback lives in the delivery router). */
export function createWebhookReplier(opts: WebhookOptions = {}): Replier {
  return {
    async deliver(target: DeliveryTarget, part: OutboundPart): Promise<DeliveryResult> {
      if (!target.sessionWebhook) throw new DeliveryError('message has no sessionWebhook', true, 'no_webhook')
      if (part.kind !== 'markdown') throw new DeliveryError(`sessionWebhook cannot send ${part.kind}`, true, 'unsupported')
      await postWebhook(target.sessionWebhook, markdownBody(part), opts)
      return { channel: 'webhook' }
    },
  }
}
