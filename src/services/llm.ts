import type OpenAI from 'openai'
import type { ChatCompletionCreateParams, ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import { costOf, estimatePromptTokens, estimateTokens } from './llm-tokens.js'

/**
 * The LLM seam: any OpenAI-compatible chat-completions provider (DeepSeek, Qwen/DashScope, Moonshot,
 * OpenAI, a local server) through the `openai` SDK. The client knows nothing about users or budgets;
 * src/pipelines/cost.ts records every call and enforces the daily budget.
 *
 * Token usage comes from the API's `usage` (for streams: `stream_options.include_usage`). When a
 * provider omits it, Andy estimates (estimateTokens): each CJK character ≈ 1 token, other text ≈ 4
 * characters per token, plus 4 tokens per message — close to the BPE tokenizers of DeepSeek/Qwen for
 * Chinese business text, and marked `estimated` in llm_calls.
 */

export { costOf, estimatePromptTokens, estimateTokens, formatRmb } from './llm-tokens.js'

export type ChatRole = 'system' | 'user' | 'assistant'

export interface ChatMessage {
  role: ChatRole
  content: string
}

/** Structured output through a forced tool call; `parameters` is a JSON schema. */
export interface ToolSpec {
  name: string
  description: string
  parameters: Record<string, unknown>
}

export interface ChatRequest {
  messages: ChatMessage[]
  /** Defaults to the client's model. */
  model?: string
  temperature?: number
  maxTokens?: number
  /** The model must call this tool; its parsed arguments come back as `data`. */
  tool?: ToolSpec
  /** Ask for a JSON object answer (response_format json_object); parsed into `data`. */
  json?: boolean
  /** Streams the answer: called with each text delta and the text so far. */
  onDelta?: (delta: string, text: string) => void
  /** Whole-call deadline (all attempts, the whole stream). Default: the client's timeout. */
  timeoutMs?: number
  /** SDK retries of 429/5xx/connection errors. Default: the client's. */
  maxRetries?: number
  signal?: AbortSignal
}

export interface ChatUsage {
  tokensIn: number
  tokensOut: number
  /** true when the provider sent no usage and these are estimates. */
  estimated: boolean
}

export interface ChatResult {
  text: string
  /** Tool arguments or JSON answer, parsed (unvalidated: callers validate with zod). */
  data?: unknown
  model: string
  usage: ChatUsage
  costRmb: number
  latencyMs: number
  finishReason?: string
}

export type LlmErrorKind =
  | 'timeout'
  | 'rate_limit'
  | 'server'
  | 'auth'
  | 'bad_request'
  | 'bad_output'
  | 'network'
  | 'aborted'

/** What a failed call still cost: the provider answered (output unusable) or streamed part of an answer. */
export interface BilledUsage {
  model: string
  usage: ChatUsage
  costRmb: number
}

export class LlmError extends Error {
  /** Set when the provider billed the call although it failed (unusable output, a stream cut short). */
  billed?: BilledUsage

  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly status?: number,
    /** How long the failed call took. */
    readonly latencyMs = 0,
  ) {
    super(message)
    this.name = 'LlmError'
  }
}

export interface LlmPrices {
  /** RMB per million input tokens. */
  inputPerMTok: number
  outputPerMTok: number
}

export interface LlmClient {
  readonly model: string
  readonly visionModel?: string
  readonly prices: LlmPrices
  chat(req: ChatRequest): Promise<ChatResult>
}

export interface OpenAiClientOptions {
  apiKey: string
  baseUrl?: string
  model: string
  visionModel?: string
  prices: LlmPrices
  timeoutMs: number
  maxRetries: number
  /** Only for environments whose global fetch cannot reach the provider. */
  fetch?: typeof fetch
}

function parseJson(text: string): unknown {
  const trimmed = text
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/```\s*$/, '')
  const start = trimmed.search(/[{[]/)
  if (start < 0) throw new LlmError('bad_output', 'the model returned no JSON')
  try {
    return JSON.parse(trimmed.slice(start))
  } catch {
    throw new LlmError('bad_output', 'the model returned malformed JSON')
  }
}

/**
 * One deadline for a whole LLM call (all SDK attempts, the whole stream), also cancelled by the caller's
 * signal (the message deadline). `dispose()` in a finally.
 */
export function callDeadline(
  timeoutMs: number,
  outer?: AbortSignal,
): { signal: AbortSignal; timedOut(): boolean; dispose(): void } {
  const abort = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    abort.abort()
  }, timeoutMs)
  const onOuterAbort = () => abort.abort()
  outer?.addEventListener('abort', onOuterAbort, { once: true })
  return {
    signal: abort.signal,
    timedOut: () => timedOut,
    dispose() {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onOuterAbort)
    },
  }
}

type OpenAiModule = typeof import('openai')
let openAiModule: OpenAiModule | undefined

/** The openai SDK, loaded on the first call to a model — not at import: a process that never calls one starts faster. */
export async function loadOpenAi(): Promise<OpenAiModule> {
  openAiModule ??= await import('openai')
  return openAiModule
}

/** Whether `err` is one of the SDK's `kind` errors (false while the SDK is not loaded: it threw nothing yet). */
export function isSdkError<K extends 'APIError' | 'APIConnectionTimeoutError' | 'APIUserAbortError'>(
  err: unknown,
  kind: K,
): err is InstanceType<OpenAiModule[K]> {
  return openAiModule !== undefined && err instanceof openAiModule[kind]
}

/** Maps an openai SDK error (or a timeout of ours) to an LlmError. `who` names the model in messages. */
export function toLlmError(err: unknown, timedOut: boolean, latencyMs: number, who = 'the model'): LlmError {
  if (err instanceof LlmError) return err
  if (timedOut || isSdkError(err, 'APIConnectionTimeoutError'))
    return new LlmError('timeout', `${who} did not answer in time`, undefined, latencyMs)
  if (isSdkError(err, 'APIUserAbortError'))
    return new LlmError('aborted', 'the request was cancelled', undefined, latencyMs)
  if (isSdkError(err, 'APIError')) {
    const s = err.status
    const kind: LlmErrorKind =
      s === 429
        ? 'rate_limit'
        : s === 401 || s === 403
          ? 'auth'
          : s !== undefined && s >= 500
            ? 'server'
            : s === undefined
              ? 'network'
              : 'bad_request'
    return new LlmError(kind, `provider answered ${s ?? 'no status'}: ${err.message.slice(0, 200)}`, s, latencyMs)
  }
  return new LlmError('network', err instanceof Error ? err.message : String(err), undefined, latencyMs)
}

interface Sent {
  text: string
  toolArgs: string
  finishReason?: string
  usage?: { prompt_tokens?: number; completion_tokens?: number }
  /** The provider answered (a response or at least one stream chunk): the call is billed. */
  answered?: boolean
}

/**
 * Tokens of a call the provider answered: its `usage` when sent (also on a failed parse), else Andy's
 * estimate of the prompt and of the output received so far (a stream cut short by a timeout or 取消).
 */
function usageOf(out: Sent, req: ChatRequest): ChatUsage {
  const u = out.usage
  const estimated = u?.prompt_tokens === undefined || u?.completion_tokens === undefined
  return {
    tokensIn: u?.prompt_tokens ?? estimatePromptTokens(req.messages, req.tool),
    tokensOut: u?.completion_tokens ?? estimateTokens(out.text + out.toolArgs),
    estimated,
  }
}

/** The chat completion request; without a forced tool_choice the model is asked in words to call the tool. */
function requestBody(req: ChatRequest, model: string, forced: boolean): ChatCompletionCreateParams {
  const messages = (
    req.tool && !forced
      ? [...req.messages, { role: 'system', content: `请调用 ${req.tool.name} 工具给出结果。` }]
      : req.messages
  ) as ChatCompletionMessageParam[]
  return {
    model,
    messages,
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
    ...(req.tool
      ? {
          tools: [
            {
              type: 'function' as const,
              function: { name: req.tool.name, description: req.tool.description, parameters: req.tool.parameters },
            },
          ],
          tool_choice: forced ? { type: 'function' as const, function: { name: req.tool.name } } : ('auto' as const),
        }
      : {}),
    ...(req.json && !req.tool ? { response_format: { type: 'json_object' as const } } : {}),
  }
}

/** A streamed answer, filled into `out` chunk by chunk (so a failure still knows what was received). */
async function streamInto(
  api: OpenAI,
  body: ChatCompletionCreateParams,
  onDelta: NonNullable<ChatRequest['onDelta']>,
  reqOpts: { signal: AbortSignal; timeout: number; maxRetries: number },
  out: Sent,
): Promise<Sent> {
  const stream = await api.chat.completions.create(
    { ...body, stream: true, stream_options: { include_usage: true } },
    reqOpts,
  )
  for await (const chunk of stream) {
    out.answered = true
    if (chunk.usage) out.usage = chunk.usage
    const choice = chunk.choices?.[0]
    if (!choice) continue
    if (choice.finish_reason) out.finishReason = choice.finish_reason
    for (const tc of choice.delta?.tool_calls ?? []) out.toolArgs += tc.function?.arguments ?? ''
    if (choice.delta?.content) {
      out.text += choice.delta.content
      onDelta(choice.delta.content, out.text)
    }
  }
  // The SDK ends a stream quietly when its signal aborts: a cut-short answer must not pass as whole.
  if (reqOpts.signal.aborted) throw new (await loadOpenAi()).APIUserAbortError()
  return out
}

type RequestOptions = { signal: AbortSignal; timeout: number; maxRetries: number }

export function createOpenAiLlmClient(opts: OpenAiClientOptions): LlmClient {
  const client = new OpenAiChat(opts)
  return { model: opts.model, visionModel: opts.visionModel, prices: opts.prices, chat: (req) => client.chat(req) }
}

/** The openai SDK client (loaded on first use) and the chat calls made through it. */
class OpenAiChat {
  private client: OpenAI | undefined
  /** false once the provider refused a forced tool_choice. */
  private forceTool = true

  constructor(private readonly opts: OpenAiClientOptions) {}

  private async sdk(): Promise<OpenAI> {
    const { default: OpenAIClient } = await loadOpenAi()
    this.client ??= new OpenAIClient({
      apiKey: this.opts.apiKey,
      baseURL: this.opts.baseUrl,
      timeout: this.opts.timeoutMs,
      maxRetries: this.opts.maxRetries,
      ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
    })
    return this.client
  }

  private async send(req: ChatRequest, model: string, reqOpts: RequestOptions, forced: boolean, out: Sent) {
    const body = requestBody(req, model, forced)
    const api = await this.sdk()
    if (req.onDelta) return streamInto(api, body, req.onDelta, reqOpts, out)
    const res = await api.chat.completions.create({ ...body, stream: false }, reqOpts)
    out.answered = true
    const choice = res.choices[0]
    out.text = choice?.message?.content ?? ''
    out.finishReason = choice?.finish_reason ?? undefined
    for (const tc of choice?.message?.tool_calls ?? [])
      if (tc.type === 'function') out.toolArgs += tc.function.arguments
    out.usage = res.usage ?? undefined
    return out
  }

  /**
   * Some OpenAI-compatible providers refuse a forced tool_choice: ask once more with "auto" and
   * remember it for this client. `box.out` holds what the last attempt received (also on failure).
   */
  private async sendWithToolFallback(req: ChatRequest, model: string, reqOpts: RequestOptions, box: { out: Sent }) {
    try {
      await this.send(req, model, reqOpts, this.forceTool, box.out)
    } catch (err) {
      if (
        !req.tool ||
        !this.forceTool ||
        !isSdkError(err, 'APIError') ||
        (err.status !== 400 && err.status !== 422) ||
        box.out.answered
      )
        throw err
      this.forceTool = false
      box.out = { text: '', toolArgs: '' }
      await this.send(req, model, reqOpts, false, box.out)
    }
  }

  async chat(req: ChatRequest): Promise<ChatResult> {
    const { opts } = this
    const model = req.model ?? opts.model
    const started = Date.now()
    const timeoutMs = req.timeoutMs ?? opts.timeoutMs
    const deadline = callDeadline(timeoutMs, req.signal)
    const reqOpts = { signal: deadline.signal, timeout: timeoutMs, maxRetries: req.maxRetries ?? opts.maxRetries }
    // send() fills `box.out` as the answer arrives, so a failure still knows what was received.
    const box: { out: Sent } = { out: { text: '', toolArgs: '' } }
    const billed = (): BilledUsage => {
      const usage = usageOf(box.out, req)
      return { model, usage, costRmb: costOf(opts.prices, usage.tokensIn, usage.tokensOut) }
    }
    try {
      await this.sendWithToolFallback(req, model, reqOpts, box)
    } catch (err) {
      const e = toLlmError(err, deadline.timedOut(), Date.now() - started)
      // A stream cut short (timeout, 取消) was billed for what the model produced.
      if (box.out.answered) e.billed = billed()
      throw e
    } finally {
      deadline.dispose()
    }
    const { text, toolArgs, finishReason } = box.out
    const { usage, costRmb } = billed()
    const result: ChatResult = { text, model, usage, costRmb, latencyMs: Date.now() - started, finishReason }
    try {
      if (req.tool) result.data = parseJson(toolArgs || text)
      else if (req.json) result.data = parseJson(text)
    } catch (err) {
      // Unusable output is billed all the same: the caller records the provider's usage.
      if (err instanceof LlmError) err.billed = { model, usage, costRmb }
      throw err
    }
    return result
  }
}

/** The configured client, or undefined when OPENAI_API_KEY / LLM_MODEL are not both set. */
export function llmFromConfig(llm: {
  apiKey?: string
  baseUrl?: string
  model?: string
  visionModel?: string
  priceInputPerMTok: number
  priceOutputPerMTok: number
  timeoutMs: number
  maxRetries: number
}): LlmClient | undefined {
  if (!llm.apiKey || !llm.model) return undefined
  return createOpenAiLlmClient({
    apiKey: llm.apiKey,
    baseUrl: llm.baseUrl,
    model: llm.model,
    visionModel: llm.visionModel,
    prices: { inputPerMTok: llm.priceInputPerMTok, outputPerMTok: llm.priceOutputPerMTok },
    timeoutMs: llm.timeoutMs,
    maxRetries: llm.maxRetries,
  })
}
