import { localDate } from '../core/clock.js'
import type { LlmCallRecord } from '../db/llm-calls.js'
import type { LlmCallStore } from '../db/stores/index.js'
import { type LlmClient, LlmError } from '../services/llm.js'
import type { NarrativeLlm } from './narrative.js'

/**
 * The 阶段运营报告 narrative's LLM for callers without a chat message (`andy ops-report`, the HTTP API's
 * AJdyyReportData): every call the provider billed lands in llm_calls (PostgreSQL's with DATABASE_URL),
 * like a message's calls do through src/bot/model-call.ts, so the LLM成本 sheet and /metrics count it.
 * No per-user budget applies: these callers are operators, not reps.
 */
export function recordedNarrativeLlm(
  client: LlmClient,
  calls: Pick<LlmCallStore, 'record'>,
  who: { readonly userId: string; readonly now: () => number; readonly onError: (err: unknown) => void },
): NarrativeLlm {
  const base = () => ({ intent: 'ops-report', user_id: who.userId, use_date: localDate(who.now()) })
  // A ledger that cannot be written is reported, not the report's failure.
  const save = (row: LlmCallRecord) => calls.record(row).then(() => undefined, who.onError)
  return {
    async chat(req) {
      const started = Date.now()
      try {
        const res = await client.chat(req)
        await save({
          ...base(),
          model: res.model,
          tokens_in: res.usage.tokensIn,
          tokens_out: res.usage.tokensOut,
          estimated: res.usage.estimated,
          cost_rmb: res.costRmb,
          latency_ms: res.latencyMs,
          status: 'ok',
        })
        return res
      } catch (err) {
        const e = err instanceof LlmError ? err : new LlmError('network', String(err))
        await save({
          ...base(),
          model: e.billed?.model ?? req.model ?? client.model,
          tokens_in: e.billed?.usage.tokensIn ?? 0,
          tokens_out: e.billed?.usage.tokensOut ?? 0,
          estimated: e.billed?.usage.estimated ?? false,
          cost_rmb: e.billed?.costRmb ?? 0,
          latency_ms: Date.now() - started,
          status: e.kind === 'timeout' ? 'timeout' : 'error',
          error: `${e.kind}: ${e.message}`.slice(0, 500),
        })
        throw err
      }
    },
  }
}
