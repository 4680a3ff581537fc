import type OpenAI from 'openai'
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import { type ChatResult, callDeadline, costOf, estimateTokens, type LlmPrices, loadOpenAi, toLlmError } from './llm.js'

/**
 * Picture questions for a vision-capable model (LLM_VISION_MODEL: qwen-vl, glm-4v, gpt-4o…) on the same
 * OpenAI-compatible provider as the text model. Kept apart from llm.ts (whose messages are text only):
 * the image goes as an `image_url` content part holding a data URL (base64), which every
 * OpenAI-compatible vision API accepts and which needs no public URL for the picture.
 * Same conventions as llm.ts: one deadline for the whole call, SDK retries, LlmError kinds, usage from
 * the API (estimated when missing), cost from LLM_PRICE_*.
 */

export interface VisionImage {
  /** image/png, image/jpeg, image/gif, image/webp, image/bmp */
  readonly mime: string
  readonly data: Uint8Array
}

export interface VisionRequest {
  readonly image: VisionImage
  readonly question: string
  readonly system?: string
  readonly maxTokens?: number
  readonly temperature?: number
  readonly timeoutMs?: number
  /** Streams the answer (AI cards). */
  readonly onDelta?: (delta: string, text: string) => void
  /** Cancels the call (the message's deadline). */
  readonly signal?: AbortSignal
}

export interface VisionClient {
  readonly model: string
  describe(req: VisionRequest): Promise<ChatResult>
}

export interface VisionClientOptions {
  apiKey: string
  baseUrl?: string
  model: string
  prices: LlmPrices
  timeoutMs: number
  maxRetries: number
  /** Only for environments whose global fetch cannot reach the provider. */
  fetch?: typeof fetch
}

/** Providers bill a picture as roughly this many input tokens (used only when usage is missing). */
export const IMAGE_TOKEN_ESTIMATE = 1000

export function imageDataUrl(img: VisionImage): string {
  return `data:${img.mime};base64,${Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength).toString('base64')}`
}

export function createVisionClient(opts: VisionClientOptions): VisionClient {
  let client: OpenAI | undefined
  const sdk = async (): Promise<OpenAI> => {
    const { default: OpenAIClient } = await loadOpenAi()
    client ??= new OpenAIClient({
      apiKey: opts.apiKey,
      baseURL: opts.baseUrl,
      timeout: opts.timeoutMs,
      maxRetries: opts.maxRetries,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    })
    return client
  }

  async function describe(req: VisionRequest): Promise<ChatResult> {
    const started = Date.now()
    const timeoutMs = req.timeoutMs ?? opts.timeoutMs
    const deadline = callDeadline(timeoutMs, req.signal)
    const reqOpts = { signal: deadline.signal, timeout: timeoutMs, maxRetries: opts.maxRetries }
    let got: Received
    try {
      got = await ask(await sdk(), visionBody(opts.model, req), req, reqOpts)
    } catch (err) {
      throw toLlmError(err, deadline.timedOut(), Date.now() - started, 'the vision model')
    } finally {
      deadline.dispose()
    }
    const { text, finishReason, usage } = got
    const estimated = usage?.prompt_tokens === undefined || usage?.completion_tokens === undefined
    const tokensIn =
      usage?.prompt_tokens ?? IMAGE_TOKEN_ESTIMATE + estimateTokens(`${req.system ?? ''}${req.question}`) + 12
    const tokensOut = usage?.completion_tokens ?? estimateTokens(text)
    return {
      text,
      model: opts.model,
      usage: { tokensIn, tokensOut, estimated },
      costRmb: costOf(opts.prices, tokensIn, tokensOut),
      latencyMs: Date.now() - started,
      finishReason,
    }
  }

  return { model: opts.model, describe }
}

interface Received {
  text: string
  finishReason?: string
  usage?: { prompt_tokens?: number; completion_tokens?: number }
}

/** The request: the system prompt, then the picture (a data URL) and the question. */
function visionBody(model: string, req: VisionRequest) {
  const messages: ChatCompletionMessageParam[] = [
    ...(req.system ? [{ role: 'system' as const, content: req.system }] : []),
    {
      role: 'user',
      content: [
        { type: 'image_url', image_url: { url: imageDataUrl(req.image) } },
        { type: 'text', text: req.question },
      ],
    },
  ]
  return {
    model,
    messages,
    ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
  }
}

/** One call, streamed into `req.onDelta` when given. */
async function ask(
  api: OpenAI,
  body: ReturnType<typeof visionBody>,
  req: VisionRequest,
  reqOpts: { signal: AbortSignal; timeout: number; maxRetries: number },
): Promise<Received> {
  if (!req.onDelta) {
    const res = await api.chat.completions.create({ ...body, stream: false }, reqOpts)
    return {
      text: res.choices[0]?.message?.content ?? '',
      finishReason: res.choices[0]?.finish_reason ?? undefined,
      usage: res.usage ?? undefined,
    }
  }
  const got: Received = { text: '' }
  const stream = await api.chat.completions.create(
    { ...body, stream: true, stream_options: { include_usage: true } },
    reqOpts,
  )
  for await (const chunk of stream) {
    if (chunk.usage) got.usage = chunk.usage
    const choice = chunk.choices?.[0]
    if (choice?.finish_reason) got.finishReason = choice.finish_reason
    if (choice?.delta?.content) {
      got.text += choice.delta.content
      req.onDelta(choice.delta.content, got.text)
    }
  }
  // The SDK ends a stream quietly when its signal aborts: a cut-short answer must not pass as whole.
  if (reqOpts.signal.aborted) throw new (await loadOpenAi()).APIUserAbortError()
  return got
}

/** The vision client for this configuration, or undefined without OPENAI_API_KEY + LLM_VISION_MODEL. */
export function visionFromConfig(llm: {
  apiKey?: string
  baseUrl?: string
  visionModel?: string
  priceInputPerMTok: number
  priceOutputPerMTok: number
  timeoutMs: number
  maxRetries: number
}): VisionClient | undefined {
  if (!llm.apiKey || !llm.visionModel) return undefined
  return createVisionClient({
    apiKey: llm.apiKey,
    baseUrl: llm.baseUrl,
    model: llm.visionModel,
    prices: { inputPerMTok: llm.priceInputPerMTok, outputPerMTok: llm.priceOutputPerMTok },
    timeoutMs: llm.timeoutMs,
    maxRetries: llm.maxRetries,
  })
}
