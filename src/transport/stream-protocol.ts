import os from 'node:os'
import type { RawData } from 'ws'

/** Robot messages. dingtalk.md §1.2, §2. */
export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get'
/** AI 助理 custom abilities (Graph API plugin): HTTP-like requests answered in the ack. dingtalk.md §9. */
export const TOPIC_GRAPH = '/v1.0/graph/api/invoke'
/** Sent as `ua` on connections/open; format `name-sdk-lang/version` per dingtalk.md §1.1. */
export const STREAM_UA = 'andy/0.1 (dingtalk-stream 2.1.5)'

/** A validated downstream frame (dingtalk.md §1.2). `data` is always a string (JSON, parse it again). */
export interface StreamFrame {
  readonly specVersion?: string
  readonly type: string
  readonly headers: Readonly<{ topic: string; messageId: string } & Record<string, unknown>>
  readonly data: string
}

/** Writes the ack for one frame on the socket it came on; false when that socket is no longer open. */
export type AckFn = () => boolean

/** The answer to a Graph API invocation, sent as the ack's `data.response`. dingtalk.md §9. */
export interface GraphResponse {
  readonly statusLine: { readonly code: number; readonly reasonPhrase: string }
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Writes the ack carrying `response` on the socket the invocation came on (once); false when that socket is gone. */
export type GraphRespondFn = (response: GraphResponse) => boolean

export type StreamOpenErrorCode = 'http' | 'network' | 'bad_response' | 'timeout' | 'ws' | 'aborted'

/** Opening a connection failed (connections/open or the WebSocket handshake). Never carries the secret or ticket. */
export class StreamOpenError extends Error {
  constructor(
    message: string,
    readonly code: StreamOpenErrorCode,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'StreamOpenError'
  }

  /** Client errors (bad credentials, app not in stream mode) will not fix themselves by retrying. */
  get permanent(): boolean {
    return (
      this.code === 'http' &&
      this.status !== undefined &&
      this.status >= 400 &&
      this.status < 500 &&
      this.status !== 408 &&
      this.status !== 429
    )
  }
}

const CONTENT_TYPE = 'application/json'

/** An ack (response) frame. dingtalk.md §1.4: `{code, headers:{contentType, messageId}, message, data:<JSON string>}`. */
export function ackFrame(messageId: string, data: string, code = 200, message = 'OK'): object {
  return { code, headers: { contentType: CONTENT_TYPE, messageId }, message, data }
}

/** A ws message as UTF-8 text. */
export function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8')
}

/** Non-internal IPv4 addresses, comma-separated (`localIp` is diagnostic only, dingtalk.md §1.1). */
function localIps(): string {
  const ips = Object.values(os.networkInterfaces()).flatMap((list) => list ?? [])
  return ips
    .filter((i) => i.family === 'IPv4' && !i.internal)
    .map((i) => i.address)
    .join(',')
}

/** Parses a raw frame; undefined when it is not JSON or lacks type/headers.topic/headers.messageId. */
export function parseStreamFrame(text: string): StreamFrame | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  const headers = v['headers'] as Record<string, unknown> | undefined
  if (typeof v['type'] !== 'string' || typeof headers !== 'object' || headers === null) return undefined
  if (typeof headers['topic'] !== 'string' || typeof headers['messageId'] !== 'string') return undefined
  const data = typeof v['data'] === 'string' ? v['data'] : v['data'] === undefined ? '' : JSON.stringify(v['data'])
  return { ...(v as object), type: v['type'], headers: headers as StreamFrame['headers'], data }
}

export interface OpenTicketOptions {
  readonly apiBase: string
  readonly clientId: string
  readonly clientSecret: string
  readonly subscriptions: ReadonlyArray<{ type: string; topic: string }>
  readonly timeoutMs: number
  /** Aborts the request (connection disposed). */
  readonly signal: AbortSignal
}

/**
 * `POST ${apiBase}/v1.0/gateway/connections/open` → `{endpoint, ticket}` (dingtalk.md §1.1). Errors are
 * {@link StreamOpenError}s whose messages name the URL and status but never the secret or the ticket.
 */
export async function openStreamTicket(o: OpenTicketOptions): Promise<{ endpoint: string; ticket: string }> {
  const url = `${o.apiBase}/v1.0/gateway/connections/open`
  const ctl = new AbortController()
  const abort = (): void => ctl.abort(new StreamOpenError('stopped', 'aborted'))
  if (o.signal.aborted) abort()
  o.signal.addEventListener('abort', abort)
  const timer = setTimeout(
    () => ctl.abort(new StreamOpenError(`POST ${url} timed out after ${o.timeoutMs} ms`, 'timeout')),
    o.timeoutMs,
  )
  try {
    let res: Response
    let text: string
    try {
      res = await fetch(url, {
        method: 'POST',
        // dingtalk.md §1.1: without Accept: application/json the gateway answers in XML.
        headers: { 'Content-Type': CONTENT_TYPE, Accept: CONTENT_TYPE },
        body: JSON.stringify({
          clientId: o.clientId,
          clientSecret: o.clientSecret,
          subscriptions: o.subscriptions,
          ua: STREAM_UA,
          localIp: localIps(),
        }),
        signal: ctl.signal,
      })
      text = await res.text()
    } catch (err) {
      if (ctl.signal.reason instanceof StreamOpenError) throw ctl.signal.reason
      const cause = (err as { cause?: { code?: string; message?: string } }).cause
      throw new StreamOpenError(
        `POST ${url} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        'network',
        undefined,
        { cause: err },
      )
    }
    // dingtalk.md §1.1: 400 usually means bad credentials / app not published / not in stream mode.
    if (!res.ok)
      throw new StreamOpenError(`POST ${url} answered HTTP ${res.status}: ${text.slice(0, 200)}`, 'http', res.status)
    let body: { endpoint?: unknown; ticket?: unknown } | null
    try {
      body = JSON.parse(text) as typeof body
    } catch {
      throw new StreamOpenError(`POST ${url} answered non-JSON (HTTP ${res.status})`, 'bad_response', res.status)
    }
    const { endpoint, ticket } = body ?? {}
    if (typeof endpoint !== 'string' || !/^wss?:\/\//.test(endpoint) || typeof ticket !== 'string' || !ticket) {
      throw new StreamOpenError(
        `POST ${url} answered without a ws(s) endpoint and a ticket`,
        'bad_response',
        res.status,
      )
    }
    return { endpoint, ticket }
  } finally {
    clearTimeout(timer)
    o.signal.removeEventListener('abort', abort)
  }
}
