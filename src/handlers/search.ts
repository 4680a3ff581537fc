import type { BotContext } from '../bot/context.js'
import { localMonth, localYear } from '../core/clock.js'
import { latestYear } from '../db/case-search.js'
import type { Dictionary } from '../search/dictionary.js'
import { filtersToJson, formatSearchReply, rowToSeed } from '../search/format.js'
import { type ParsedSentence, parseSentence } from '../search/parser.js'
import { runSearch, type SearchOutcome } from '../search/service.js'
import { suggestionNote, suggestValues } from '../search/suggest.js'
import type { AppliedFilter } from '../tables/conditions.js'
import { type SearchIntent, type TableSpec, tableByIntent, tableByKey } from '../tables/index.js'
import { searchText } from './resolvers.js'
import { refineWithLlm } from './search-llm.js'

/** Rows shown per reply page. */
export const PAGE_SIZE = 5

/** What 更多 and 导出 need to repeat a search: stored per user and conversation. */
export interface LastSearch {
  table: string
  sentence: string
  filters: AppliedFilter[]
  relaxed: AppliedFilter[]
  page: number
  perpage: number
  total: number
}

export function recordOutcome(ctx: BotContext, outcome: SearchOutcome): void {
  ctx.result.filters = filtersToJson(outcome.filters)
  ctx.result.relaxed = outcome.relaxed.map((f) => ({ key: f.key, label: f.label, value: f.value }))
  ctx.result.total = outcome.total
  ctx.result.hits = outcome.rows.map((r) => rowToSeed(outcome.table, r))
}

export function saveLastSearch(ctx: BotContext, outcome: SearchOutcome, sentence: string): void {
  const state: LastSearch = {
    table: outcome.table.key,
    sentence,
    filters: [...outcome.filters],
    relaxed: [...outcome.relaxed],
    page: outcome.page,
    perpage: outcome.perpage,
    total: outcome.total,
  }
  void ctx.conversation.setLastSearch(JSON.stringify(state), ctx.now())
}

export function loadLastSearch(json: string | null | undefined): (LastSearch & { spec: TableSpec }) | undefined {
  if (!json) return undefined
  try {
    const s = JSON.parse(json) as LastSearch
    const spec = tableByKey(s.table)
    return spec ? { ...s, spec } : undefined
  } catch {
    return undefined
  }
}

/** The five search intents: sentence → filters → rows → reply. */
export async function searchHandler(ctx: BotContext): Promise<void> {
  const dict = ctx.deps.dictionary.get()
  const intent = ctx.intent as SearchIntent
  const pre = ctx.state.parsed as ParsedSentence | undefined
  const ruleParsed =
    pre?.table?.intent === intent
      ? pre
      : parseSentence(searchText(ctx), { dict, nowYear: localYear(ctx.now()), nowMonth: localMonth(ctx.now()), intent })
  if (ruleParsed.onlyFunctionWords) {
    // "谢谢" / "有什么可以参考的" to a robot bound to one table: the menu, not every row.
    const { menu } = await import('./help.js')
    await ctx.reply(`这句话里没有要查的条件，可以这样问：\n\n${menu()}`, { title: 'Andy 使用说明' })
    return
  }
  // With an LLM configured, words the rules could not place are understood by the model (falls back silently).
  const parsed = ctx.deps.llm ? await refineWithLlm(ctx, ruleParsed) : ruleParsed
  const spec = parsed.table ?? tableByIntent(intent)!
  const contradictory = parsed.contradictions.length > 0
  const outcome = runSearch(ctx.deps.db, dict, {
    table: spec,
    filters: parsed.filters,
    page: 1,
    perpage: ruleParsed.want ?? PAGE_SIZE,
    relax: !contradictory,
    keepFilters: parsed.count,
  })
  recordOutcome(ctx, outcome)
  saveLastSearch(ctx, outcome, searchText(ctx))
  ctx.logger.info(
    {
      intent,
      filters: ctx.result.filters,
      relaxed: outcome.relaxed.length,
      unused: outcome.unused.length,
      count: parsed.count,
      total: outcome.total,
      hitIds: outcome.rows.map((r) => r.id),
    },
    'search',
  )
  await ctx.reply(
    formatSearchReply(outcome, {
      ignored: parsed.ignored,
      unused: parsed.unused,
      wantCapped: ruleParsed.wantCapped,
      contradictions: parsed.contradictions,
      count: parsed.count,
      notes: [
        ...ctx.notes,
        ...orAcrossNotes(ruleParsed.orAcross),
        ...typoNotes(dict, spec, outcome),
        ...yearNotes(ctx, spec, outcome),
      ],
      sortAsked: ruleParsed.sortAsked,
      example: spec.words.example,
    }),
  )
}

/** 「银行或者央企」: two kinds of condition, searched as both at once (the filters line shows it); how to get either. */
function orAcrossNotes(pairs: ParsedSentence['orAcross']): string[] {
  return (pairs ?? []).map(
    ([a, b]) =>
      `「${a}」和「${b}」是两类条件，按同时满足查的；只要其中之一的话，请分开问（如先问「${a}」，再问「${b}」）。`,
  )
}

/** A word that found nothing, or was given up to find something, next to stored values it may have meant. */
function typoNotes(dict: Dictionary, spec: TableSpec, outcome: SearchOutcome): string[] {
  const missed = outcome.total === 0 ? outcome.filters : outcome.relaxed
  return suggestValues(dict, spec, missed).map((s) => suggestionNote(s))
}

/** A year asked for that finds nothing: the table's newest year, so the rep knows which years to ask. */
function yearNotes(ctx: BotContext, spec: TableSpec, outcome: SearchOutcome): string[] {
  if (outcome.total !== 0 || !outcome.filters.some((f) => f.key === spec.yearColumn && !f.exclude)) return []
  const y = latestYear(ctx.deps.db, spec)
  return y ? [`${spec.title}最新的记录在 ${y} 年。`] : []
}
