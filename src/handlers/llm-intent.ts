import { z } from 'zod'
import type { BotContext } from '../bot/context.js'
import type { Decision } from '../bot/router.js'
import { budgetState, chatFor } from '../bot/model-call.js'
import { tableByIntent } from '../tables/index.js'

/**
 * Router stage 'llm': a sentence the keyword rules could not place is classified by the LLM (when one
 * is configured). Below the confidence bar, on timeout (LLM_PARSE_TIMEOUT_MS), over budget or on any
 * error, the resolver passes and the fallback (help) answers — silently, with a log line.
 */

const CHOICES: Record<string, string> = {
  case: `${tableByIntent('case')!.title}：某类客户用过哪些课程/培训项目的成功案例、标杆客户`,
  pitch: `${tableByIntent('pitch')!.title}：投标方案、销售方案、解决方案、话术`,
  switch: `${tableByIntent('switch')!.title}：从竞品学习平台换到我们平台的客户及原因`,
  procurement: `${tableByIntent('procurement')!.title}：哪些客户采购（买）了哪些课程/内容产品、金额、班型`,
  software: `${tableByIntent('software')!.title}：学习平台（软件）的签约客户、帐号数、地区`,
  activity: '运营活动设计：为客户设计培训/学习运营活动方案',
  talent: '人才发展：人才培养、梯队建设、发展建议',
  meeting: '会议评审：评审会议纪要或会议方案',
  usage: '使用统计：Andy 的使用次数、使用情况',
  other: '其他：闲聊、问候、与以上都无关',
}

export const MIN_CONFIDENCE = 0.6

const answer = z.object({
  intent: z.enum(Object.keys(CHOICES) as [string, ...string[]]),
  confidence: z.coerce.number().min(0).max(1).catch(0),
})

const TOOL = {
  name: 'classify_intent',
  description: '判断销售同事这句话想用哪个功能',
  parameters: {
    type: 'object',
    properties: {
      intent: { type: 'string', enum: Object.keys(CHOICES), description: Object.entries(CHOICES).map(([k, v]) => `${k}=${v}`).join('；') },
      confidence: { type: 'number', description: '把握程度 0–1' },
    },
    required: ['intent', 'confidence'],
    additionalProperties: false,
  },
}

export async function llmIntentResolver(ctx: BotContext): Promise<Decision | undefined> {
  if (!ctx.deps.llm) return undefined
  // The first ~500 characters decide what a message is about; a pasted document must not cost its full length.
  const text = [...ctx.text.trim()].slice(0, 500).join('')
  if ([...text].length < 2) return undefined
  if (budgetState(ctx).exhausted) return undefined
  const started = Date.now()
  try {
    const res = await chatFor(
      ctx,
      {
        messages: [
          { role: 'system', content: '你是企业培训公司销售助手 Andy 的意图分类器。根据同事的一句话选择最合适的功能，调用 classify_intent 返回；拿不准时给低把握度。' },
          { role: 'user', content: text },
        ],
        tool: TOOL,
        temperature: 0,
        maxTokens: 60,
        timeoutMs: ctx.deps.config.llm.parseTimeoutMs,
        maxRetries: 0,
      },
      { purpose: 'classify', skipBudget: true },
    )
    const parsed = answer.safeParse(res.data)
    if (!parsed.success) {
      ctx.logger.warn({ msgId: ctx.msg.msgId }, 'llm intent answer invalid; falling back')
      return undefined
    }
    const { intent, confidence } = parsed.data
    ctx.logger.info({ msgId: ctx.msg.msgId, intent, confidence, elapsedMs: Date.now() - started }, 'llm intent')
    if (intent === 'other' || confidence < MIN_CONFIDENCE) return undefined
    return { intent }
  } catch (err) {
    ctx.logger.warn({ msgId: ctx.msg.msgId, err: err instanceof Error ? err.message : String(err), elapsedMs: Date.now() - started }, 'llm intent failed; falling back')
    return undefined
  }
}
