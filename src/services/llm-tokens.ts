import type { ChatMessage, LlmPrices, ToolSpec } from './llm.js'

/**
 * Token estimates and prices of LLM calls. When a provider omits `usage`, Andy estimates: each CJK
 * character ≈ 1 token, other text ≈ 4 characters per token, plus 4 tokens per message — close to the BPE
 * tokenizers of DeepSeek/Qwen for Chinese business text. The budget reservation (pipelines/cost.ts)
 * uses the same estimate for a prompt before it is sent.
 */

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u

/** Token estimate of a text: CJK characters ≈ 1 token each, other characters ≈ 4 per token. */
export function estimateTokens(text: string): number {
  let cjk = 0
  let other = 0
  for (const ch of text) {
    if (CJK.test(ch)) cjk++
    else other++
  }
  return cjk + Math.ceil(other / 4)
}

/** Token estimate of a prompt: the messages plus ~4 tokens of framing each, and the tool schema. */
export function estimatePromptTokens(messages: readonly ChatMessage[], tool?: ToolSpec): number {
  let n = 3
  for (const m of messages) n += 4 + estimateTokens(m.content)
  if (tool) n += estimateTokens(JSON.stringify(tool))
  return n
}

/** RMB for a call, kept to 0.000001 (sums over many calls stay right to the fen). */
export function costOf(prices: LlmPrices, tokensIn: number, tokensOut: number): number {
  const rmb = (tokensIn * prices.inputPerMTok + tokensOut * prices.outputPerMTok) / 1_000_000
  return Math.round(rmb * 1_000_000) / 1_000_000
}

/** "¥0.03" — RMB to the fen for people. */
export function formatRmb(rmb: number): string {
  return `¥${(Math.round(rmb * 100) / 100).toFixed(2)}`
}
