import type { BotContext } from '../bot/context.js'
import { UserError } from '../bot/errors.js'
import { localDate } from '../clock.js'
import { insertLlmCall, spentOn } from '../db/llm-calls.js'
import { tableNames } from '../search/format.js'
import { formatRmb, LlmError, type ChatRequest, type ChatResult } from '../services/llm.js'

/**
 * Every LLM call a message makes goes through here: the per-user daily budget is checked first
 * (LLM_DAILY_BUDGET_RMB, 0 = unlimited; admins exempt), the call is recorded in llm_calls (ok or not),
 * and its tokens and cost are added to the message's result, so the usage record carries them.
 */

export interface BudgetState {
  /** RMB per user and day; 0 = unlimited. */
  budget: number
  spent: number
  exhausted: boolean
}

export function llmConfigured(ctx: BotContext): boolean {
  return ctx.deps.llm !== undefined
}

export function budgetState(ctx: BotContext): BudgetState {
  const budget = ctx.deps.config.llm.dailyBudgetRmb
  if (budget <= 0 || ctx.isAdmin) return { budget, spent: 0, exhausted: false }
  const spent = spentOn(ctx.deps.db, ctx.userId, localDate(ctx.now()))
  return { budget, spent, exhausted: spent >= budget }
}

export const LLM_OFF_MESSAGE = `这个功能需要接入大模型，管理员还没有配置（OPENAI_API_KEY、LLM_MODEL）。${tableNames()}的搜索不受影响，可以直接问我。`

/** Throws the friendly "budget spent" reply when the user's daily LLM budget is used up. */
export function assertBudget(ctx: BotContext): void {
  const b = budgetState(ctx)
  if (!b.exhausted) return
  throw new UserError(
    'llm_budget',
    `今天的 AI 额度（${formatRmb(b.budget)}）已经用完了，明天 0 点恢复。客户案例、打单方案等搜索不花额度，仍可照常使用；进行中的活动设计会保存进度，明天回复 **继续** 即可接着做。`,
  )
}

export interface ChatPurpose {
  /** What the call is for (logged): 'parse', 'classify', 'sys_survey_report' … */
  purpose: string
  /** Skip the budget check (the caller already decided, e.g. the search parse checks and falls back silently). */
  skipBudget?: boolean
}

/** One LLM call on behalf of the message's user: budget, ledger, result accounting. */
export async function chatFor(ctx: BotContext, req: ChatRequest, p: ChatPurpose): Promise<ChatResult> {
  const llm = ctx.deps.llm
  if (!llm) throw new UserError('llm_off', LLM_OFF_MESSAGE)
  if (!p.skipBudget) assertBudget(ctx)
  const base = { intent: ctx.intent === 'unknown' ? p.purpose : ctx.intent, user_id: ctx.userId, msg_id: ctx.msg.msgId, use_date: localDate(ctx.now()) }
  const started = Date.now()
  let res: ChatResult
  try {
    // The message's deadline (ANDY_HANDLER_TIMEOUT_MS) also stops a running LLM call.
    res = await llm.chat(req.signal || !ctx.signal ? req : { ...req, signal: ctx.signal })
  } catch (err) {
    const e = err instanceof LlmError ? err : new LlmError('network', String(err))
    record(ctx, {
      ...base, model: req.model ?? llm.model, tokens_in: 0, tokens_out: 0, estimated: false, cost_rmb: 0,
      latency_ms: Date.now() - started, status: e.kind === 'timeout' ? 'timeout' : 'error', error: `${e.kind}: ${e.message}`.slice(0, 500),
    })
    ctx.logger.warn({ purpose: p.purpose, kind: e.kind, status: e.status, msgId: ctx.msg.msgId, latencyMs: Date.now() - started }, 'llm call failed')
    throw e
  }
  record(ctx, {
    ...base, model: res.model, tokens_in: res.usage.tokensIn, tokens_out: res.usage.tokensOut, estimated: res.usage.estimated,
    cost_rmb: res.costRmb, latency_ms: res.latencyMs, status: 'ok',
  })
  ctx.result.tokens = (ctx.result.tokens ?? 0) + res.usage.tokensIn + res.usage.tokensOut
  ctx.result.costRmb = Math.round(((ctx.result.costRmb ?? 0) + res.costRmb) * 1_000_000) / 1_000_000
  ctx.logger.info(
    { purpose: p.purpose, model: res.model, tokensIn: res.usage.tokensIn, tokensOut: res.usage.tokensOut, estimated: res.usage.estimated, costRmb: res.costRmb, latencyMs: res.latencyMs },
    'llm call',
  )
  return res
}

function record(ctx: BotContext, row: Parameters<typeof insertLlmCall>[1]): void {
  try {
    insertLlmCall(ctx.deps.db, row)
  } catch (err) {
    ctx.logger.error({ err, msgId: ctx.msg.msgId }, 'llm call not recorded')
  }
}

/**
 * A failed generation as a Chinese reply: what happened and how to retry. The message counts as failed
 * (not rejected) in the usage records: the user did nothing wrong.
 */
export function llmFailureReply(ctx: BotContext, err: unknown, retry = '稍后回复 **继续** 重试'): UserError {
  if (err instanceof UserError) return err
  ctx.result.status = 'failed'
  const kind = err instanceof LlmError ? err.kind : 'network'
  const what =
    kind === 'timeout' ? '大模型这次响应超时了'
      : kind === 'rate_limit' ? '大模型服务当前太忙（限流）'
        : kind === 'auth' ? '大模型服务拒绝了请求（密钥或权限有误，请联系管理员）'
          : kind === 'bad_output' ? '大模型返回的内容格式不对'
            : '大模型服务暂时不可用'
  return new UserError(`llm_${kind}`, `${what}，已保存目前的进度。请${retry}。`)
}
