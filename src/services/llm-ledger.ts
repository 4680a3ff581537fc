import type { LlmCallRecord } from '../db/llm-calls.js'
import { type ChatResult, LlmError } from './llm.js'

/**
 * What llm_calls records of one call, whoever made it (a message's call in bot/model-call.ts, the ops
 * report's narrative in ops-report/ledger.ts): the caller adds who and when (intent, user, msg, day).
 */
export type CallOutcome = Omit<LlmCallRecord, 'intent' | 'user_id' | 'msg_id' | 'use_date'>

/** A call that answered. */
export function answeredCall(res: ChatResult): CallOutcome {
  return {
    model: res.model,
    tokens_in: res.usage.tokensIn,
    tokens_out: res.usage.tokensOut,
    estimated: res.usage.estimated,
    cost_rmb: res.costRmb,
    latency_ms: res.latencyMs,
    status: 'ok',
  }
}

/** A call that failed (`err` as an LlmError), with what the provider billed for it if anything. */
export function failedCall(err: unknown, model: string, startedMs: number): { error: LlmError; outcome: CallOutcome } {
  const e = err instanceof LlmError ? err : new LlmError('network', String(err))
  const b = e.billed
  return {
    error: e,
    outcome: {
      model: b?.model ?? model,
      tokens_in: b?.usage.tokensIn ?? 0,
      tokens_out: b?.usage.tokensOut ?? 0,
      estimated: b?.usage.estimated ?? false,
      cost_rmb: b?.costRmb ?? 0,
      latency_ms: Date.now() - startedMs,
      status: e.kind === 'timeout' ? 'timeout' : 'error',
      error: `${e.kind}: ${e.message}`.slice(0, 500),
    },
  }
}
