import type { BotContext } from '../bot/context.js'
import type { Decision } from '../bot/router.js'
import { findIntentWords, shortName } from '../search/intent.js'
import type { ParsedSentence } from '../search/parser.js'
import type { SearchIntent } from '../tables/index.js'

/**
 * A sentence that fits two (or more) tables equally ("银行 新员工": cases or pitch plans?) gets one
 * numbered question instead of a guess: 「你要找 1 客户案例 还是 2 打单方案？」. The question waits in
 * conversation_state.workflow (per user and conversation, across restarts) like the report pick, and the
 * next message 「1」 (or 「打单方案」) runs the search on that table. Anything else drops the question and is
 * answered as usual. A workflow the question displaced (an activity design) is put back afterwards.
 */

export const CLARIFY_INTENT = 'clarify'

/** An unanswered question is dropped after this long. */
export const CHOICE_TTL_MS = 30 * 60_000

interface PendingChoice {
  kind: 'search-choice'
  sentence: string
  options: SearchIntent[]
  at: number
  /** The workflow pointer (JSON) this question displaced. */
  resume?: string | null
}

function raw(ctx: BotContext): string | null {
  return ctx.conversation.workflow
}

function load(ctx: BotContext): PendingChoice | undefined {
  const r = raw(ctx)
  if (!r) return undefined
  try {
    const v = JSON.parse(r) as PendingChoice
    return v.kind === 'search-choice' && Array.isArray(v.options) && typeof v.sentence === 'string' ? v : undefined
  } catch {
    return undefined
  }
}

function clear(ctx: BotContext, p: PendingChoice): void {
  void ctx.conversation.setWorkflow(p.resume ?? null, ctx.now())
}

const CN_INDEX: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5 }

/** 「1」「第2个」「选二」「打单方案」 → the option picked, or undefined. */
export function pickOption(text: string, options: readonly SearchIntent[]): SearchIntent | undefined {
  const t = text.normalize('NFKC').replace(/[\s。.!！,，、~～]+/g, '')
  if (!t) return undefined
  const m = /^(?:第|选|选择|要|找)?([1-9]|[一二两三四五])(?:个|项|号|类|种|\.)?(?:吧|啊|呀)?$/.exec(t)
  if (m) {
    const n = /\d/.test(m[1]!) ? Number(m[1]) : CN_INDEX[m[1]!]!
    return options[n - 1]
  }
  // A table's name, alone ("打单方案", "要客户案例吧") — not a new question that happens to name one.
  const spans = findIntentWords(t)
  let rest = t
  for (const s of [...spans].sort((a, b) => b.start - a.start)) rest = rest.slice(0, s.start) + rest.slice(s.end)
  for (const o of options) rest = rest.replace(shortName(o), '')
  if (rest.replace(/[要找查看选吧的啊呀呢个第这那就是]/g, '') !== '') return undefined
  const named = new Set(spans.map((s) => s.intent).filter((i) => options.includes(i)))
  for (const o of options) if (t.includes(shortName(o))) named.add(o)
  return named.size === 1 ? [...named][0] : undefined
}

export function questionText(options: readonly SearchIntent[]): string {
  const numbered = options.map((o, i) => `${i + 1} ${shortName(o)}`)
  if (numbered.length === 2) return `你要找 ${numbered[0]} 还是 ${numbered[1]}？回复数字即可。`
  return `你要找哪一类？${numbered.join(' · ')}（回复数字即可）`
}

/** Intent 'clarify': asks which table and keeps the sentence for the answer. */
export async function clarifyHandler(ctx: BotContext): Promise<void> {
  const parsed = ctx.state.parsed as ParsedSentence | undefined
  const options = parsed?.choices ?? []
  if (options.length < 2) {
    const { menu } = await import('./help.js')
    await ctx.reply(menu(), { title: 'Andy 使用说明' })
    return
  }
  const prev = load(ctx)
  const resume = prev ? (prev.resume ?? null) : raw(ctx)
  const pending: PendingChoice = { kind: 'search-choice', sentence: ctx.text, options, at: ctx.now(), resume }
  await ctx.conversation.setWorkflow(JSON.stringify(pending), ctx.now())
  ctx.logger.info({ options }, 'asked which table')
  await ctx.reply(questionText(options), { title: '想查哪一类？' })
}

/** Router stage 'workflow': the answer to a pending question → that table's search of the kept sentence. */
export function searchChoiceResolver(ctx: BotContext): Decision | undefined {
  const p = load(ctx)
  if (!p) return undefined
  if (ctx.msg.msgtype !== undefined && !['text', 'richText', 'audio'].includes(ctx.msg.msgtype)) return undefined
  clear(ctx, p)
  if (ctx.now() - p.at > CHOICE_TTL_MS) return undefined
  const picked = pickOption(ctx.text, p.options)
  return picked ? { intent: picked, text: p.sentence } : undefined
}
