import type { BotContext } from '../bot/context.js'
import { budgetState, chatFor } from '../bot/model-call.js'
import { localYear } from '../core/clock.js'
import { FILTER_TOOL, filterPrompt, llmFilters, mergeFilters } from '../search/llm-parse.js'
import { buildFilterSchema } from '../search/llm-schema.js'
import type { ParsedSentence } from '../search/parser.js'
import { describeFilter } from '../tables/conditions.js'

/**
 * The search handler's LLM step: the rule parse refined by the model (search/llm-parse.ts merges the
 * two); any failure, the time limit (LLM_PARSE_TIMEOUT_MS) or a spent budget keeps the rule parse.
 */

/** The rule parse refined by the LLM, or the rule parse unchanged (no LLM, nothing left to understand, over budget, slow, failed). */
export async function refineWithLlm(ctx: BotContext, rule: ParsedSentence): Promise<ParsedSentence> {
  const spec = rule.table
  if (!ctx.deps.llm || !spec) return rule
  // Everything was understood by the dictionary and number rules: nothing for the LLM to add.
  if (!rule.filters.some((f) => f.source === 'keyword')) return rule
  if ((await budgetState(ctx)).exhausted) {
    ctx.logger.info('llm parse skipped: daily budget spent')
    return rule
  }
  const dict = ctx.deps.dictionary.get()
  const schema = buildFilterSchema(spec, dict)
  const started = Date.now()
  try {
    const res = await chatFor(
      ctx,
      {
        messages: [
          { role: 'system', content: filterPrompt(spec, localYear(ctx.now())) },
          { role: 'user', content: rule.text },
        ],
        tool: { name: FILTER_TOOL, description: `${spec.title}的筛选条件`, parameters: schema.parameters },
        temperature: 0,
        maxTokens: 400,
        timeoutMs: ctx.deps.config.llm.parseTimeoutMs,
        maxRetries: 0,
      },
      { purpose: 'parse', skipBudget: true },
    )
    const parsed = schema.zod.safeParse(res.data)
    if (!parsed.success) {
      ctx.logger.warn(
        { issues: parsed.error.issues.slice(0, 3) },
        'llm parse returned invalid filters; using the rule parse',
      )
      return rule
    }
    const { filters: fromLlm, unmapped } = llmFilters(spec, dict, schema.dims, parsed.data, rule.text)
    const filters = mergeFilters(rule.filters, fromLlm)
    const added = filters.filter((f) => f.source === 'llm' && f.key !== 'keywords')
    if (added.length) ctx.notes.push(`AI 理解补充的条件：${added.map(describeFilter).join('、')}`)
    ctx.logger.info({ added: added.map(describeFilter), unmapped, elapsedMs: Date.now() - started }, 'llm parse merged')
    return { ...rule, filters }
  } catch (err) {
    ctx.logger.warn(
      { err: err instanceof Error ? err.message : String(err), elapsedMs: Date.now() - started },
      'llm parse failed; using the rule parse',
    )
    return rule
  }
}
