import { localDate } from '../core/clock.js'
import type { LlmCallRecord } from '../db/llm-calls.js'
import type { LlmCallStore } from '../db/stores/index.js'
import type { LlmClient } from '../services/llm.js'
import { answeredCall, failedCall } from '../services/llm-ledger.js'
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
        await save({ ...base(), ...answeredCall(res) })
        return res
      } catch (err) {
        await save({ ...base(), ...failedCall(err, req.model ?? client.model, started).outcome })
        throw err
      }
    },
  }
}
