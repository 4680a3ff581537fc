import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/**
 * A loopback OpenAI-compatible chat-completions server for tests and benches. The test scripts the
 * answers with a handler that receives the request body; knobs simulate a provider's bad days
 * (429 then success, 500, a hang past the client's timeout, usage omitted).
 */

export interface ChatBody {
  model: string
  messages: Array<{ role: string; content: string }>
  stream?: boolean
  stream_options?: { include_usage?: boolean }
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>
  tool_choice?: unknown
  response_format?: { type: string }
  max_tokens?: number
  temperature?: number
  [k: string]: unknown
}

export interface FakeReply {
  /** Assistant text. */
  content?: string
  /** A tool call (forced tool / structured output); arguments as an object or a raw string. */
  toolCall?: { name?: string; arguments: unknown }
  /** 'auto' (default): the fake tokenizer's count; 'omit': no usage at all; or explicit numbers. */
  usage?: 'auto' | 'omit' | { prompt_tokens: number; completion_tokens: number }
  /** Answer with this HTTP error status instead. */
  status?: number
  /** Never answer (the socket stays open until the server closes). */
  hang?: boolean
  delayMs?: number
  /** Characters per stream chunk (default 8). */
  chunkSize?: number
  /** Pause between stream chunks (a slow model). */
  chunkDelayMs?: number
}

export type FakeHandler = (body: ChatBody, n: number) => FakeReply | string | Promise<FakeReply | string>

export interface RecordedRequest {
  readonly path: string
  readonly body: ChatBody
  readonly authorization?: string
  readonly at: number
}

export interface FakeOpenAIOptions {
  handler?: FakeHandler
  /** Every answer without usage (a provider that omits it). */
  omitUsage?: boolean
}

const HAN = /\p{Script=Han}/u

/**
 * The fake's tokenizer estimate (independent of Andy's estimate): each Han character 1 token, each
 * Latin word ceil(len/4), each digit run ceil(len/3), any other non-space character 1, plus 4 per message.
 */
export function fakeTokens(text: string): number {
  let n = 0
  for (const m of text.matchAll(/\p{Script=Han}|[A-Za-z]+|\d+|\S/gu)) {
    const t = m[0]
    if (HAN.test(t)) n += 1
    else if (/^[A-Za-z]+$/.test(t)) n += Math.ceil(t.length / 4)
    else if (/^\d+$/.test(t)) n += Math.ceil(t.length / 3)
    else n += 1
  }
  return n
}

export function fakePromptTokens(body: ChatBody): number {
  let n = 3
  for (const m of body.messages)
    n += 4 + fakeTokens(typeof m.content === 'string' ? m.content : JSON.stringify(m.content))
  if (body.tools) n += fakeTokens(JSON.stringify(body.tools))
  return n
}

export class FakeOpenAI {
  readonly requests: RecordedRequest[] = []
  handler: FakeHandler
  omitUsage: boolean
  private readonly queue: FakeReply[] = []
  private readonly sockets = new Set<Socket>()
  private readonly hung = new Set<http.ServerResponse>()
  private readonly server: http.Server
  private port = 0

  private constructor(opts: FakeOpenAIOptions) {
    this.handler = opts.handler ?? (() => ({ content: 'ok' }))
    this.omitUsage = opts.omitUsage ?? false
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => void this.onRequest(req, res, Buffer.concat(chunks).toString('utf8')))
    })
    this.server.on('connection', (s) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
  }

  static async start(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
    const f = new FakeOpenAI(opts)
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve))
    f.port = (f.server.address() as AddressInfo).port
    return f
  }

  /** Base URL for OPENAI_BASE_URL. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`
  }

  /** The next answers, before the handler is asked: e.g. {status: 429} then the handler's success. */
  enqueue(...replies: FakeReply[]): void {
    this.queue.push(...replies)
  }

  /** Bodies of chat requests whose system/user text contains `needle`. */
  requestsMatching(needle: string): RecordedRequest[] {
    return this.requests.filter((r) => r.body.messages.some((m) => String(m.content).includes(needle)))
  }

  /** Cuts the connections of requests that were told to hang (the client sees a network error). */
  dropHung(): void {
    for (const res of this.hung) res.socket?.destroy()
    this.hung.clear()
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!
    if (req.method !== 'POST' || !/^(\/v1)?\/chat\/completions$/.test(path)) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'not found' } }))
      return
    }
    let body: ChatBody
    try {
      body = JSON.parse(raw) as ChatBody
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'bad json' } }))
      return
    }
    const n = this.requests.length + 1
    this.requests.push({ path, body, authorization: req.headers.authorization, at: Date.now() })
    let reply: FakeReply
    try {
      const queued = this.queue.shift()
      const r = queued ?? (await this.handler(body, n))
      reply = typeof r === 'string' ? { content: r } : r
    } catch (err) {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: String(err) } }))
      return
    }
    if (reply.hang) {
      this.hung.add(res)
      return
    }
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs))
    if (res.destroyed) return
    if (reply.status && reply.status >= 400) {
      res.writeHead(reply.status, {
        'content-type': 'application/json',
        'retry-after-ms': '5',
        'x-should-retry': reply.status === 429 || reply.status >= 500 ? 'true' : 'false',
      })
      res.end(
        JSON.stringify({ error: { message: `fake error ${reply.status}`, type: 'fake', code: String(reply.status) } }),
      )
      return
    }
    const content = reply.content ?? ''
    const args = reply.toolCall
      ? typeof reply.toolCall.arguments === 'string'
        ? reply.toolCall.arguments
        : JSON.stringify(reply.toolCall.arguments)
      : undefined
    const toolName = reply.toolCall?.name ?? body.tools?.[0]?.function.name ?? 'tool'
    const mode = this.omitUsage ? 'omit' : (reply.usage ?? 'auto')
    const usage =
      mode === 'omit'
        ? undefined
        : mode === 'auto'
          ? { prompt_tokens: fakePromptTokens(body), completion_tokens: fakeTokens(content + (args ?? '')) }
          : mode
    const withTotal = usage ? { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } : undefined
    const id = `chatcmpl-fake-${n}`
    const created = Math.floor(Date.now() / 1000)
    const finish = args !== undefined ? 'tool_calls' : 'stop'
    if (!body.stream) {
      const message: Record<string, unknown> = { role: 'assistant', content: args !== undefined ? null : content }
      if (args !== undefined)
        message.tool_calls = [{ id: `call_${n}`, type: 'function', function: { name: toolName, arguments: args } }]
      const out: Record<string, unknown> = {
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [{ index: 0, message, finish_reason: finish }],
      }
      if (withTotal) out.usage = withTotal
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out))
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`)
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
      send({
        id,
        object: 'chat.completion.chunk',
        created,
        model: body.model,
        choices: [{ index: 0, delta, finish_reason: finishReason }],
      })
    chunk({ role: 'assistant', content: '' })
    const size = Math.max(1, reply.chunkSize ?? 8)
    const pause = async () => {
      if (reply.chunkDelayMs) await new Promise((r) => setTimeout(r, reply.chunkDelayMs))
    }
    if (args !== undefined) {
      chunk({
        tool_calls: [{ index: 0, id: `call_${n}`, type: 'function', function: { name: toolName, arguments: '' } }],
      })
      for (let i = 0; i < args.length; i += size)
        chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + size) } }] })
    } else {
      const chars = [...content]
      for (let i = 0; i < chars.length; i += size) {
        if (res.destroyed) return
        chunk({ content: chars.slice(i, i + size).join('') })
        await pause()
      }
    }
    chunk({}, finish)
    if (body.stream_options?.include_usage && withTotal)
      send({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage: withTotal })
    res.end('data: [DONE]\n\n')
  }
}
