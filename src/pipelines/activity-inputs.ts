import * as z from 'zod'
import type { BotContext } from '../bot/context.js'
import { budgetState, chatFor } from '../bot/model-call.js'
import { INPUT_FIELDS, INPUT_HINTS, INPUT_LABELS, type InputField } from './activity-steps.js'

/**
 * The six inputs of an activity design, from free-form answers: labelled parts ("企业名称：xx"), a
 * numbered answer to the numbered question, "给XX设计…", or a bare answer when one item is missing —
 * then, with an LLM, whatever else the message says (the LLM fills only what the rules left open).
 */

export type Inputs = Partial<Record<InputField, string>>

const ALIASES: Record<InputField, string[]> = {
  enterprise_name: ['企业名称', '客户名称', '公司名称', '企业名', '客户', '企业', '公司'],
  activity_beijing: ['活动背景', '背景'],
  activity_mubiao: ['活动目标', '目标'],
  activity_type: ['活动类型', '活动形式', '类型', '形式'],
  yixiang_course: ['意向课程', '意向内容', '意向', '课程', '内容'],
  fansan_mothed: ['发散方式', '发散程度', '创意程度', '发散', '风格'],
}

const LABEL_RE = new RegExp(
  `(?:^|[\\n；;。]|[,，]\\s*)\\s*(?:\\d+[.、)）]\\s*)?(${Object.values(ALIASES)
    .flat()
    .sort((a, b) => b.length - a.length)
    .join('|')})\\s*[:：]`,
  'g',
)

const HAS_LABEL = new RegExp(LABEL_RE.source)

function fieldOfLabel(label: string): InputField | undefined {
  return INPUT_FIELDS.find((f) => ALIASES[f].includes(label))
}

function clean(v: string): string {
  return v.replace(/^[\s,，;；。]+|[\s,，;；。]+$/g, '').slice(0, 500)
}

/** "企业名称：远拓；活动目标：…" → labelled fields. */
export function labelledInputs(text: string): Inputs {
  const out: Inputs = {}
  // The user's own characters are kept (no NFKC): the patterns accept full- and half-width colons.
  const marks = [...text.matchAll(LABEL_RE)]
  const s = text
  marks.forEach((m, i) => {
    const field = fieldOfLabel(m[1]!)
    const start = m.index + m[0].length
    const end = i + 1 < marks.length ? marks[i + 1]!.index : s.length
    const value = clean(s.slice(start, end))
    if (field && value && !out[field]) out[field] = value
  })
  return out
}

/** "1. xx\n2. yy" answering the numbered list of missing items, in that order. */
export function numberedInputs(text: string, asked: readonly InputField[]): Inputs {
  const items = [...text.matchAll(/(?:^|\n)\s*(\d+)[.、)）．]\s*([^\n]+)/g)]
  const out: Inputs = {}
  for (const m of items) {
    const field = asked[Number(m[1]) - 1]
    const value = clean(m[2]!)
    if (field && value && !HAS_LABEL.test(m[0])) out[field] = value
  }
  return out
}

/** Rule-based reading of one message, given what is still missing. */
export function ruleInputs(text: string, missing: readonly InputField[]): Inputs {
  const forWhom =
    /(?:给|为|帮)\s*([^\s,，。、给为帮:：]{2,30}?)\s*(?:设计|策划|做|出|想)(?:一[个场次套])?.{0,6}活动/.exec(text)
  const who: Inputs = forWhom && missing.includes('enterprise_name') ? { enterprise_name: clean(forWhom[1]!) } : {}
  const labelled = labelledInputs(text)
  if (Object.keys(labelled).length) return { ...who, ...labelled }
  const numbered = numberedInputs(text, missing)
  if (Object.keys(numbered).length) return numbered
  if (who.enterprise_name) return who
  const bare = clean(text)
  if (missing.length === 1 && [...bare].length >= 1 && !/活动设计|运营活动|设计.{0,6}活动/.test(bare))
    return { [missing[0]!]: bare }
  return {}
}

const llmAnswer = z.record(z.string(), z.unknown())

const TOOL = {
  name: 'set_activity_inputs',
  description: '从销售同事的消息中提取运营活动设计所需的信息',
  parameters: {
    type: 'object',
    properties: Object.fromEntries(
      INPUT_FIELDS.map((f) => [f, { type: 'string', description: `${INPUT_LABELS[f]}：${INPUT_HINTS[f]}` }]),
    ),
    additionalProperties: false,
  },
}

/** What the LLM reads from the message (only the fields it mentions); {} without an LLM or on any failure. */
async function llmInputs(ctx: BotContext, text: string, known: Inputs): Promise<Inputs> {
  if (!ctx.deps.llm || (await budgetState(ctx)).exhausted) return {}
  const knownLines = INPUT_FIELDS.filter((f) => known[f]).map((f) => `${INPUT_LABELS[f]}：${known[f]}`)
  try {
    const res = await chatFor(
      ctx,
      {
        messages: [
          {
            role: 'system',
            content: `你帮销售同事整理“运营活动设计”所需的信息。从新消息中提取提到的项，调用 ${TOOL.name}；没提到的项不要填，不要编造；保留用户的原意和关键细节。${knownLines.length ? `\n已知信息：\n${knownLines.join('\n')}` : ''}`,
          },
          { role: 'user', content: text },
        ],
        tool: TOOL,
        temperature: 0,
        maxTokens: 500,
        timeoutMs: Math.max(ctx.deps.config.llm.parseTimeoutMs, 10_000),
        maxRetries: 1,
      },
      { purpose: 'activity_inputs', skipBudget: true },
    )
    const parsed = llmAnswer.safeParse(res.data)
    if (!parsed.success) return {}
    const out: Inputs = {}
    for (const f of INPUT_FIELDS) {
      const v = parsed.data[f]
      if (typeof v === 'string' && clean(v) && !/^(null|undefined|未提及|无信息)$/i.test(clean(v))) out[f] = clean(v)
    }
    return out
  } catch (err) {
    ctx.logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'llm input extraction failed; rules only',
    )
    return {}
  }
}

/** The inputs this message provides (rules first, the LLM fills the rest). */
export async function readInputs(ctx: BotContext, text: string, known: Inputs): Promise<Inputs> {
  const missing = INPUT_FIELDS.filter((f) => !known[f])
  const rules = ruleInputs(text, missing)
  // Everything that was missing came in labelled: no need to pay for the model.
  if (missing.length > 0 && missing.every((f) => rules[f])) return rules
  const fromLlm = await llmInputs(ctx, text, known)
  return { ...fromLlm, ...rules }
}

export function missingInputs(known: Inputs): InputField[] {
  return INPUT_FIELDS.filter((f) => !known[f]?.trim())
}

/** One clear message asking for every missing item. */
export function askForInputs(known: Inputs, missing: readonly InputField[], head = ''): string {
  const lines = [head || '**运营活动设计**：请补充下面的信息（可以一次回复，格式随意）：']
  missing.forEach((f, i) => lines.push(`${i + 1}. **${INPUT_LABELS[f]}**：${INPUT_HINTS[f]}`))
  const have = INPUT_FIELDS.filter((f) => known[f])
  if (have.length) lines.push('', `已记录：${have.map((f) => `${INPUT_LABELS[f]}「${known[f]}」`).join('；')}`)
  lines.push(
    '',
    `示例：${missing.map((f) => `${INPUT_LABELS[f]}：…`).join('；')}`,
    '随时回复 **查看进度** 或 **取消**。',
  )
  return lines.join('\n')
}
