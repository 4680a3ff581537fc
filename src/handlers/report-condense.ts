import type { BotContext } from '../bot/context.js'
import { chatFor } from '../bot/model-call.js'
import { splitMarkdown } from '../core/markdown.js'
import { estimateTokens } from '../services/llm.js'

/**
 * A document too long for the model's context (LLM_CONTEXT_TOKENS) is split at paragraphs into parts
 * that each fit, every part is condensed by the model (a few at a time, so a long report does not take
 * one model round-trip per part in sequence), and the notes are joined in order. Short documents pass
 * through unchanged.
 */

/** Share of the context a document (or one part of it) may take; the rest is prompt, steps and answer. */
const DOC_SHARE = 0.5
const PART_SHARE = 0.4
const CONCURRENCY = 3

export interface Condensed {
  text: string
  /** Parts condensed (0 = the document fitted as it was). */
  parts: number
}

export function needsCondensing(ctx: BotContext, text: string): boolean {
  return estimateTokens(text) > ctx.deps.config.llm.contextTokens * DOC_SHARE
}

export async function condenseDocument(ctx: BotContext, text: string, name: string): Promise<Condensed> {
  if (!needsCondensing(ctx, text)) return { text, parts: 0 }
  const tokens = estimateTokens(text)
  const charsPerToken = text.length / Math.max(1, tokens)
  const limit = Math.max(500, Math.floor(ctx.deps.config.llm.contextTokens * PART_SHARE * charsPerToken))
  const parts = splitMarkdown(text, limit)
  const notes: string[] = new Array(parts.length)
  let next = 0
  const worker = async () => {
    while (next < parts.length) {
      const i = next++
      const res = await chatFor(
        ctx,
        {
          messages: [
            { role: 'system', content: '你是严谨的资料整理助手。只提炼原文中的信息，不评价、不补充。' },
            {
              role: 'user',
              content: `以下是一份较长材料的第 ${i + 1}/${parts.length} 部分。请提炼其中与「${name}」相关的关键信息（事实、数据、结论、问题），保留数字和专有名词，用条目列出，不超过 600 字：\n\n${parts[i]}`,
            },
          ],
          maxTokens: 1200,
          temperature: 0.2,
        },
        { purpose: 'condense' },
      )
      notes[i] = `【第 ${i + 1} 部分要点】\n${res.text.trim()}`
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, parts.length) }, worker))
  ctx.logger.info({ parts: parts.length, tokens }, 'long document condensed')
  return { text: notes.join('\n\n'), parts: parts.length }
}
