import { localDate } from '../core/clock.js'
import { UserError } from '../core/errors.js'
import type { LlmCallRecord } from '../db/llm-calls.js'
import { storesOf } from '../db/stores/index.js'
import { tableNames } from '../search/format.js'
import { type ChatRequest, type ChatResult, costOf, estimatePromptTokens, LlmError } from '../services/llm.js'
import { answeredCall, failedCall } from '../services/llm-ledger.js'
import type { VisionRequest } from '../services/vision.js'
import type { BotContext } from './context.js'
import { liveRuns } from './live-runs.js'
import { reserve } from './llm-budget.js'

export { assertBudget, type BudgetState, BudgetStop, budgetState, isBudgetStop } from './llm-budget.js'

/**
 * Every LLM call a message makes goes through here: the call's worst-case cost is reserved against the
 * per-user daily budget first (LLM_DAILY_BUDGET_RMB, 0 = unlimited; admins exempt) and the call is not
 * made when it could cross it; the call is recorded in llm_calls with the provider's usage (ok or not),
 * and its tokens and cost are added to the message's result, so the usage record carries them.
 * The budget itself: src/bot/llm-budget.ts.
 */

export function llmConfigured(ctx: BotContext): boolean {
  return ctx.deps.llm !== undefined
}

export const LLM_OFF_MESSAGE = `这个功能需要接入大模型，管理员还没有配置（OPENAI_API_KEY、LLM_MODEL）。${tableNames()}的搜索不受影响，可以直接问我。`

/** The prompt estimate is raised by this much: Andy's tokenizer estimate may be low for a provider's. */
const PROMPT_MARGIN = 1.2

/** The most a call can cost: its prompt (estimated, with a margin) and its whole output allowance. */
export function worstCaseCost(ctx: BotContext, req: ChatRequest): number {
  const llm = ctx.deps.llm
  if (!llm) return 0
  const tokensIn = Math.ceil(estimatePromptTokens(req.messages, req.tool) * PROMPT_MARGIN)
  const tokensOut = req.maxTokens ?? ctx.deps.config.llm.maxOutputTokens
  return costOf(llm.prices, tokensIn, tokensOut)
}

export interface ChatPurpose {
  /** What the call is for (logged): 'parse', 'classify', 'sys_survey_report' … */
  purpose: string
  /**
   * The caller checked the budget itself and falls back silently on any error (search parse, intent
   * classification): kept for clarity; the reservation still applies and throws BudgetStop.
   */
  skipBudget?: boolean
}

/** The signal a call must stop on: the message deadline and a 取消 of the user's running generation. */
function callSignal(ctx: BotContext, own: AbortSignal | undefined): AbortSignal | undefined {
  const signals = [own, ctx.signal, liveRuns(ctx.deps).signalOf(ctx)].filter((s): s is AbortSignal => s !== undefined)
  if (signals.length <= 1) return signals[0]
  return AbortSignal.any(signals)
}

/** Adds a call's tokens and cost to the message's result (its usage record). */
function account(ctx: BotContext, tokens: number, rmb: number): void {
  ctx.result.tokens = (ctx.result.tokens ?? 0) + tokens
  ctx.result.costRmb = Math.round(((ctx.result.costRmb ?? 0) + rmb) * 1_000_000) / 1_000_000
}

/**
 * One LLM call on behalf of the message's user: budget reservation, ledger, result accounting. Every
 * call the provider answered is recorded with its usage — also when its output was unusable or its
 * stream was cut short — so llm_calls matches the provider's bill.
 */
export async function chatFor(ctx: BotContext, req: ChatRequest, p: ChatPurpose): Promise<ChatResult> {
  const llm = ctx.deps.llm
  if (!llm) throw new UserError('llm_off', LLM_OFF_MESSAGE)
  return modelCall(ctx, {
    purpose: p.purpose,
    model: req.model ?? llm.model,
    worstCaseRmb: worstCaseCost(ctx, req),
    // The message's deadline (ANDY_HANDLER_TIMEOUT_MS) and 取消 also stop a running LLM call.
    run: () => llm.chat({ ...req, signal: callSignal(ctx, req.signal) }),
  })
}

export const VISION_OFF =
  '图片解读需要接入能看图的大模型，管理员还没有配置（OPENAI_API_KEY 和 LLM_VISION_MODEL，例如 qwen-vl-max、glm-4v）。文件解读和案例搜索不受影响。'

/** One picture question to the vision model (ctx.deps.vision), recorded and accounted like every LLM call. */
export async function visionFor(ctx: BotContext, req: VisionRequest, p: ChatPurpose): Promise<ChatResult> {
  const vision = ctx.deps.vision
  if (!vision) throw new UserError('vision_off', VISION_OFF)
  return modelCall(ctx, {
    purpose: p.purpose,
    model: vision.model,
    // A picture's cost is not estimated ahead: the budget is checked (assertBudget) before the call.
    worstCaseRmb: 0,
    run: () => vision.describe({ ...req, signal: callSignal(ctx, req.signal) }),
  })
}

interface ModelCall {
  purpose: string
  /** The model named in the ledger when the call fails before the provider says which answered. */
  model: string
  worstCaseRmb: number
  run(): Promise<ChatResult>
}

/**
 * The one model-call path: reservation, the call, its llm_calls row (ok or not), tokens and cost on the
 * result. The reservation is released once the row is written, so the spend is always counted once.
 */
async function modelCall(ctx: BotContext, call: ModelCall): Promise<ChatResult> {
  const release = await reserve(ctx, call.worstCaseRmb)
  try {
    return await callAndRecord(ctx, call)
  } finally {
    await release()
  }
}

async function callAndRecord(ctx: BotContext, call: ModelCall): Promise<ChatResult> {
  const base = {
    intent: ctx.intent === 'unknown' ? call.purpose : ctx.intent,
    user_id: ctx.userId,
    msg_id: ctx.msg.msgId,
    use_date: localDate(ctx.now()),
  }
  const started = Date.now()
  let res: ChatResult
  try {
    res = await call.run()
  } catch (err) {
    const { error: e, outcome } = failedCall(err, call.model, started)
    const b = e.billed
    await record(ctx, { ...base, ...outcome })
    if (b) account(ctx, b.usage.tokensIn + b.usage.tokensOut, b.costRmb)
    ctx.logger.warn(
      {
        purpose: call.purpose,
        kind: e.kind,
        status: e.status,
        latencyMs: Date.now() - started,
        tokensIn: b?.usage.tokensIn,
        tokensOut: b?.usage.tokensOut,
      },
      'llm call failed',
    )
    throw e
  }
  await record(ctx, { ...base, ...answeredCall(res) })
  account(ctx, res.usage.tokensIn + res.usage.tokensOut, res.costRmb)
  ctx.logger.info(
    {
      purpose: call.purpose,
      model: res.model,
      tokensIn: res.usage.tokensIn,
      tokensOut: res.usage.tokensOut,
      estimated: res.usage.estimated,
      costRmb: res.costRmb,
      latencyMs: res.latencyMs,
    },
    'llm call',
  )
  return res
}

async function record(ctx: BotContext, row: LlmCallRecord): Promise<void> {
  try {
    await storesOf(ctx.deps).llm.calls.record(row)
  } catch (err) {
    ctx.logger.error({ err }, 'llm call not recorded')
  }
}

/** What went wrong with the model, for a reply: 「大模型这次响应超时了」. */
export function llmFailureWhat(err: unknown): string {
  const kind = err instanceof LlmError ? err.kind : 'network'
  return kind === 'timeout'
    ? '大模型这次响应超时了'
    : kind === 'rate_limit'
      ? '大模型服务当前太忙（限流）'
      : kind === 'auth'
        ? '大模型服务拒绝了请求（密钥或权限有误，请联系管理员）'
        : kind === 'bad_output'
          ? '大模型返回的内容格式不对'
          : '大模型服务暂时不可用'
}

/**
 * A failed generation as a Chinese reply: what happened and how to retry. `saved` only where the work
 * really is saved and 继续 picks it up (运营活动设计); elsewhere the reply says to send it again. The
 * message counts as failed (not rejected) in the usage records: the user did nothing wrong.
 */
export function llmFailureReply(
  ctx: BotContext,
  err: unknown,
  retry = '稍后回复 **继续** 重试',
  saved = true,
): UserError {
  if (err instanceof UserError) return err
  ctx.result.status = 'failed'
  const kind = err instanceof LlmError ? err.kind : 'network'
  return new UserError(`llm_${kind}`, `${llmFailureWhat(err)}${saved ? '，已保存目前的进度' : ''}。请${retry}。`)
}
