import type { BotContext } from '../bot/context.js'
import type { Decision, Router } from '../bot/router.js'
import { localMonth, localYear } from '../core/clock.js'
import { bareCommand, bindableIntents, controlIntent, features, intentOfCustomType } from '../core/features.js'
import { MAX_TEXT } from '../core/message.js'
import { type ParsedSentence, parseSentence } from '../search/parser.js'
import { countMatches } from '../search/service.js'
import { findPeriod } from '../stats/period.js'
import { TABLES } from '../tables/index.js'
import { pictureOf } from './inbound-file.js'
import { llmIntentResolver } from './llm-intent.js'
import { CLARIFY_INTENT, clarifyHandler, searchChoiceResolver } from './search-choice.js'

/** Command prefixes of every feature (core/features.ts), in registry order: "/案例 制造业", "案例：制造业", "打单: 银行". */
function prefixes(): Array<[words: readonly string[], intent: string]> {
  return features().flatMap((f) => (f.prefixes?.length ? [[f.prefixes, f.intent] as [readonly string[], string]] : []))
}

const SUPPORTED_TYPES = new Set(['text', 'richText', 'audio'])

export function explicitResolver(ctx: BotContext): Decision | undefined {
  if (ctx.msg.errorCode !== undefined && ctx.msg.errorCode !== '' && !ctx.msg.text && !ctx.msg.content)
    return { intent: 'quota' }
  const ct = ctx.msg.customType?.trim()
  if (ct) {
    const intent = intentOfCustomType(ct) ?? (bindableIntents().includes(ct) ? ct : undefined)
    if (intent) return { intent }
  }
  const bound = ctx.deps.config.robotIntents.get(ctx.robotCode)
  // A bound robot still understands the control words (帮助/更多/导出).
  if (bound && !controlIntent(ctx.text)) return { intent: bound }
  return undefined
}

export function controlResolver(ctx: BotContext): Decision | undefined {
  if (!SUPPORTED_TYPES.has(ctx.msg.msgtype) && ctx.msg.msgtype !== undefined) return undefined
  if (bareCommand(ctx.text) === '')
    return ctx.msg.msgtype === 'audio' || pictureOf(ctx.msg) ? undefined : { intent: 'help' }
  const intent = controlIntent(ctx.text)
  return intent ? { intent } : undefined
}

/** Pictures (also inside a richText, whose text is the question) → 图片; files → 报告解读; audio → its recognition text. */
export function msgtypeResolver(ctx: BotContext): Decision | undefined {
  const t = ctx.msg.msgtype
  if (t === 'picture' || (t === 'richText' && pictureOf(ctx.msg))) return { intent: 'image' }
  if (t === 'file') return { intent: 'report' }
  if (t === 'text' || t === 'richText') return undefined
  if (t === 'audio' && ctx.text) return undefined
  return { intent: 'unsupported' }
}

export function prefixResolver(ctx: BotContext): Decision | undefined {
  // Matched on the original text (full-width ／ and ： accepted) so the rest keeps its own punctuation.
  const text = ctx.text.trim()
  for (const [words, intent] of prefixes()) {
    for (const w of words) {
      const m = new RegExp(`^(?:[/／]${w}|${w}\\s*[:：])`).exec(text)
      if (!m) continue
      const rest = text.slice(m[0].length).trim()
      return (intent === 'usage' && countOfCases(ctx, rest)) || { intent, text: rest }
    }
  }
  return undefined
}

export function keywordResolver(ctx: BotContext): Decision | undefined {
  // Non-search features recognised by their trigger words anywhere in the sentence.
  for (const f of features()) {
    if (!f.keywords?.test(ctx.text)) continue
    if (f.intent === 'usage') {
      const counted = countOfCases(ctx, searchText(ctx))
      if (counted) return counted
    }
    return { intent: f.intent }
  }
  const parsed = parseSentence(searchText(ctx), {
    dict: ctx.deps.dictionary.get(),
    nowYear: localYear(ctx.now()),
    nowMonth: localMonth(ctx.now()),
  })
  if (parsed.choices && parsed.choices.length > 1) {
    // Two tables fit equally well: ask (one numbered question) instead of guessing — or, with an LLM,
    // let it pick among them first (ambiguousResolver).
    ctx.state.parsed = parsed
    return ctx.deps.llm ? undefined : { intent: CLARIFY_INTENT }
  }
  if (!parsed.table) {
    const named = lookupResolver(ctx, parsed)
    if (named) return named
    // Only function words (「有什么可以参考的」): nothing to look for, so the menu as 帮助 — not a content gap.
    if (parsed.onlyFunctionWords) ctx.state.onlyFunctionWords = true
    return undefined
  }
  ctx.state.parsed = parsed
  return { intent: parsed.table.intent }
}

/**
 * A sentence of nothing but words (百川汇, 凯晟的情况): a customer or project name, looked for in every table.
 * The table with the most matching rows answers; the others that have some are named in a note. Nothing
 * anywhere: undefined (the menu, as before).
 */
function lookupResolver(ctx: BotContext, parsed: ParsedSentence): Decision | undefined {
  if (!parsed.lookup) return undefined
  const dict = ctx.deps.dictionary.get()
  const text = searchText(ctx)
  const found = TABLES.map((spec) => {
    const p = parseSentence(text, {
      dict,
      nowYear: localYear(ctx.now()),
      nowMonth: localMonth(ctx.now()),
      intent: spec.intent,
    })
    return { spec, p, n: p.filters.length ? countMatches(ctx.deps.db, dict, spec, p.filters) : 0 }
  }).filter((f) => f.n > 0)
  if (!found.length) return undefined
  const best = found.reduce((a, b) => (b.n > a.n ? b : a))
  const others = found.filter((f) => f !== best)
  const words = parsed.lookup.join(' ')
  if (others.length)
    ctx.notes.push(
      `「${words}」在别的表里也有：${others.map((f) => `${f.spec.title} ${f.n} 条`).join('、')}（如发「${words} ${others[0]!.spec.words.shortName}」查看）。`,
    )
  ctx.state.parsed = best.p
  return { intent: best.spec.intent }
}

/**
 * 「统计一下江苏的软件客户」 counts case records, not Andy's use: a 统计 sentence that names a case table by its
 * words (or a competitor), and says nothing of 使用 / 次数, is a count question on that table.
 */
function countOfCases(ctx: BotContext, text: string): Decision | undefined {
  if (!text || /使用|用量|次数|活跃|调用|andy|机器人|助手/i.test(text)) return undefined
  const parsed = parseSentence(text, {
    dict: ctx.deps.dictionary.get(),
    nowYear: localYear(ctx.now()),
    nowMonth: localMonth(ctx.now()),
  })
  if (!parsed.table || !['words', 'competitor'].includes(parsed.intentSource)) return undefined
  // 「统计 上周 案例」 is the use of 案例 last week: a count needs a value (银行, 学邦云) and no usage period.
  if (!parsed.filters.some((f) => f.source !== 'keyword' && !f.exclude)) return undefined
  if (namesPeriod(text, ctx.now())) return undefined
  ctx.state.parsed = { ...parsed, count: true } satisfies ParsedSentence
  return { intent: parsed.table.intent, text }
}

function namesPeriod(text: string, now: number): boolean {
  try {
    return findPeriod(text, now) !== undefined
  } catch {
    return true
  }
}

/**
 * Router stage 'llm', for a sentence that fits several tables equally: a confident LLM classification
 * among those tables decides; otherwise Andy asks which one.
 */
export async function ambiguousResolver(ctx: BotContext): Promise<Decision | undefined> {
  const choices = (ctx.state.parsed as ParsedSentence | undefined)?.choices
  if (!choices || choices.length < 2) return undefined
  const d = await llmIntentResolver(ctx)
  return d && (choices as string[]).includes(d.intent) ? d : { intent: CLARIFY_INTENT }
}

/**
 * The text a search sentence is parsed from: a huge message is read on its first MAX_TEXT characters,
 * with a note in the reply (pipelines such as 会议评审 still get the whole text in ctx.text).
 */
export function searchText(ctx: BotContext): string {
  const chars = [...ctx.text]
  if (chars.length <= MAX_TEXT) return ctx.text
  if (!ctx.state.truncatedNote) {
    ctx.state.truncatedNote = true
    ctx.notes.push(`消息较长（${chars.length} 字），只按前 ${MAX_TEXT} 个字理解。`)
  }
  return chars.slice(0, MAX_TEXT).join('')
}

/** Thanks and acknowledgements: no question in them, so no content gap either. */
const PLEASANTRIES =
  /^(谢谢|多谢|感谢|谢了|thanks|thankyou|thx|好的|好|收到|ok|okay|嗯|嗯嗯|哦|明白|了解|知道了|辛苦了|👍)+$/

/**
 * Nothing placed the message: with a question in it, Andy could not answer — intent 'unanswered' (a
 * 内容缺口 in the statistics, not 帮助); the reply is still the menu. An empty text or thanks get the menu as 帮助.
 */
export function fallbackResolver(ctx: BotContext): Decision {
  const b = bareCommand(ctx.text).replace(/[,，、?？~～]+/g, '')
  if (!b || PLEASANTRIES.test(b) || ctx.state.onlyFunctionWords) return { intent: 'help' }
  return { intent: 'unanswered', text: ctx.text }
}

export function registerResolvers(router: Router): void {
  router
    .resolve('explicit', explicitResolver)
    .resolve('control', controlResolver)
    // The answer (「1」) to "which table?" — before the other pending picks and workflows.
    .resolve('workflow', searchChoiceResolver)
    .resolve('msgtype', msgtypeResolver)
    .resolve('prefix', prefixResolver)
    .resolve('keyword', keywordResolver)
    .resolve('llm', ambiguousResolver)
    .resolve('llm', llmIntentResolver)
    .resolve('fallback', fallbackResolver)
  router.handle(CLARIFY_INTENT, clarifyHandler)
}
