import http from 'node:http'
import https from 'node:https'
import {
  DeliveryError,
  type DeliveryResult,
  type DeliveryTarget,
  type OutboundPart,
  type Replier,
} from '../core/delivery.js'

/**
 * Sends markdown through the message's sessionWebhook (valid ~90 min; dingtalk.md §3).
 * HTTP 200 can still carry an error: the answer's errcode is checked.
 * Ref: https://open.dingtalk.com/document/development/robot-message-type
 */

export interface WebhookOptions {
  timeoutMs?: number
  /** Send with this fetch instead of node:http(s) (tests). */
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
  let res: { status: number; text: string }
  try {
    res = opts.fetch
      ? await viaFetch(opts.fetch, url, JSON.stringify(body), opts.timeoutMs ?? 10_000)
      : await post(url, JSON.stringify(body), opts.timeoutMs ?? 10_000)
  } catch (err) {
    throw new DeliveryError(`webhook request failed: ${(err as Error).message}`, false, 'network')
  }
  const { text } = res
  if (res.status < 200 || res.status > 299)
    throw new DeliveryError(`webhook HTTP ${res.status}`, res.status < 500 && res.status !== 429, `http_${res.status}`)
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

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' }

async function viaFetch(
  f: typeof fetch,
  url: string,
  payload: string,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const res = await f(url, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: payload,
    signal: AbortSignal.timeout(timeoutMs),
  })
  return { status: res.status, text: await res.text().catch(() => '') }
}

let agents: { http: http.Agent; https: https.Agent } | undefined

/**
 * POST over node:http(s) with keep-alive agents. Same contract as fetch with a timeout (the whole
 * exchange, body included, must finish within `timeoutMs`), at a fraction of fetch's CPU cost per
 * request: the webhook is on the hot path of every reply (bench/delivery.ts).
 */
function post(url: string, payload: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url)
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      return reject(new Error(`unsupported protocol ${u.protocol}`))
    agents ??= {
      http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
    }
    let settled = false
    const settle = (err: Error | undefined, value?: { status: number; text: string }): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (err) reject(err)
      else resolve(value!)
    }
    const options = { method: 'POST', headers: { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(payload) } }
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        settle(undefined, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      )
      res.on('error', (err) => settle(err))
      res.on('aborted', () => settle(new Error('response aborted')))
    }
    const req =
      u.protocol === 'https:'
        ? https.request(u, { ...options, agent: agents.https }, onResponse)
        : http.request(u, { ...options, agent: agents.http }, onResponse)
    const timer = setTimeout(() => {
      settle(new Error(`timed out after ${timeoutMs} ms`))
      req.destroy()
    }, timeoutMs)
    req.on('error', (err) => settle(err))
    req.end(payload)
  })
}

/** Replier that only uses the sessionWebhook (the OpenAPI fallback lives in the delivery router). */
export function createWebhookReplier(opts: WebhookOptions = {}): Replier {
  return {
    async deliver(target: DeliveryTarget, part: OutboundPart): Promise<DeliveryResult> {
      if (!target.sessionWebhook) throw new DeliveryError('message has no sessionWebhook', true, 'no_webhook')
      if (part.kind !== 'markdown')
        throw new DeliveryError(`sessionWebhook cannot send ${part.kind}`, true, 'unsupported')
      await postWebhook(target.sessionWebhook, markdownBody(part), opts)
      return { channel: 'webhook' }
    },
  }
}
