import * as z from 'zod'
import type { BotContext } from '../bot/context.js'
import { budgetState, chatFor } from '../bot/model-call.js'
import type { Decision } from '../bot/router.js'
import { features } from '../core/features.js'

/**
 * Router stage 'llm': a sentence the keyword rules could not place is classified by the LLM (when one
 * is configured). Below the confidence bar, on timeout (LLM_PARSE_TIMEOUT_MS), over budget or on any
 * error, the resolver passes and the fallback (help) answers — silently, with a log line.
 */

/** The classifier's choices: every feature with an LLM line (core/features.ts), and 'other'. */
function choices(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of features()) if (f.llm) out[f.intent] = f.llm
  out.other = '其他：闲聊、问候、与以上都无关'
  return out
}

export const MIN_CONFIDENCE = 0.6

/** The intent list the LLM is offered, as the tool's enum. */
export function llmIntents(): string[] {
  return Object.keys(choices())
}

function classifier() {
  const all = choices()
  const keys = Object.keys(all) as [string, ...string[]]
  const answer = z.object({
    intent: z.enum(keys),
    confidence: z.coerce.number().min(0).max(1).catch(0),
  })
  const tool = {
    name: 'classify_intent',
    description: '判断销售同事这句话想用哪个功能',
    parameters: {
      type: 'object',
      properties: {
        intent: {
          type: 'string',
          enum: keys,
          description: Object.entries(all)
            .map(([k, v]) => `${k}=${v}`)
            .join('；'),
        },
        confidence: { type: 'number', description: '把握程度 0–1' },
      },
      required: ['intent', 'confidence'],
      additionalProperties: false,
    },
  }
  return { answer, tool }
}

export async function llmIntentResolver(ctx: BotContext): Promise<Decision | undefined> {
  if (!ctx.deps.llm) return undefined
  // The first ~500 characters decide what a message is about; a pasted document must not cost its full length.
  const text = [...ctx.text.trim()].slice(0, 500).join('')
  if ([...text].length < 2) return undefined
  if ((await budgetState(ctx)).exhausted) return undefined
  const started = Date.now()
  const { answer, tool } = classifier()
  try {
    const res = await chatFor(
      ctx,
      {
        messages: [
          {
            role: 'system',
            content:
              '你是企业培训公司销售助手 Andy 的意图分类器。根据同事的一句话选择最合适的功能，调用 classify_intent 返回；拿不准时给低把握度。',
          },
          { role: 'user', content: text },
        ],
        tool,
        temperature: 0,
        maxTokens: 60,
        timeoutMs: ctx.deps.config.llm.parseTimeoutMs,
        maxRetries: 0,
      },
      { purpose: 'classify', skipBudget: true },
    )
    const parsed = answer.safeParse(res.data)
    if (!parsed.success) {
      ctx.logger.warn('llm intent answer invalid; falling back')
      return undefined
    }
    const { intent, confidence } = parsed.data
    ctx.logger.info({ intent, confidence, elapsedMs: Date.now() - started }, 'llm intent')
    if (intent === 'other' || confidence < MIN_CONFIDENCE) return undefined
    return { intent }
  } catch (err) {
    ctx.logger.warn(
      { err: err instanceof Error ? err.message : String(err), elapsedMs: Date.now() - started },
      'llm intent failed; falling back',
    )
    return undefined
  }
}
