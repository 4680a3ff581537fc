import type { BotContext } from '../bot/context.js'
import { chatFor } from '../bot/model-call.js'
import { localDate } from '../core/clock.js'
import { UserError } from '../core/errors.js'
import { splitMarkdown } from '../core/markdown.js'
import { type PromptStepRow, STEP_FIELDS } from '../db/prompts.js'
import { estimateTokens, formatRmb } from '../services/llm.js'
import type { AnswerStream } from './progress.js'
import { seededPrompts } from './prompt-files.js'
import { renderTemplate, TemplateError } from './template.js'

/**
 * The prompt-step runner shared by every prompt pipeline (运营活动设计 steps, 人才发展 rcfz, 会议评审 hyps):
 * picks the prompt set (ANDY_PROMPT_VERSION or the newest version that has the step types), renders a
 * row's main prompt as the system message and runs step1..step12 in order — each step sees the
 * variables of its pipeline plus step1..step(N-1) (the outputs before it) and prev.
 */

export interface PromptSet {
  version: string
  rows: PromptStepRow[]
}

/** The non-empty steps of a row, in order. */
export function rowSteps(row: PromptStepRow): string[] {
  return STEP_FIELDS.map((f) => row[f]).filter((s): s is string => !!s && s.trim() !== '')
}

export async function resolvePromptSet(
  ctx: BotContext,
  stepTypes: readonly string[],
  name: string,
): Promise<PromptSet> {
  const prompts = await seededPrompts(ctx, 'steps')
  const wanted = ctx.deps.config.llm.promptVersion
  const versions = await prompts.versions(stepTypes)
  let version = versions[0]
  if (wanted && versions.includes(wanted)) version = wanted
  else if (wanted)
    ctx.logger.warn(
      { wanted, using: version, name },
      'ANDY_PROMPT_VERSION has no prompts for this pipeline; using the newest',
    )
  if (!version)
    throw new UserError(
      'prompts_missing',
      `还没有配置「${name}」的提示词（步骤类型 ${stepTypes.join('、')}），请管理员用 andy prompts import 导入，或运行 andy seed 载入默认提示词。`,
    )
  return { version, rows: await prompts.steps({ version, stepTypes }) }
}

export interface RowResult {
  /** Output of every step, in order. */
  outputs: string[]
  /** The last step's output. */
  text: string
  tokens: number
  rmb: number
  model?: string
}

export interface RunRowOptions {
  /** Shown in template errors: 「活动策划」. */
  name: string
  purpose: string
  stream?: AnswerStream
  /** Joins the step outputs shown in the stream (default: blank line). */
  separator?: string
  /** Outputs of the steps already finished (a resumed run): they are not generated again. */
  done?: readonly string[]
  /** Before each step is generated (0-based index, number of steps): live progress. */
  onStepStart?: (index: number, total: number) => void
  /** After each step: the outputs so far and what the step cost (to save progress). */
  onStep?: (outputs: readonly string[], tokens: number, rmb: number) => void | Promise<void>
}

function templateFailure(ctx: BotContext, err: TemplateError, name: string): UserError {
  ctx.logger.error({ err: err.message }, 'prompt template error')
  return new UserError(
    'prompt_template',
    `「${name}」的提示词配置有误：${err.message}。请管理员修正提示词表后用 andy prompts import 重新导入。`,
  )
}

/** Runs one prompt_steps row: system = its prompt, then each step as a user message. */
export async function runPromptRow(
  ctx: BotContext,
  row: PromptStepRow,
  vars: Readonly<Record<string, string>>,
  o: RunRowOptions,
): Promise<RowResult> {
  const steps = rowSteps(row)
  const out: RowResult = { outputs: [...(o.done ?? [])].slice(0, steps.length), text: '', tokens: 0, rmb: 0 }
  const sep = o.separator ?? '\n\n'
  const base = { today: localDate(ctx.now()), prev: vars.prev ?? '', ...vars }
  for (let i = out.outputs.length; i < steps.length; i++) {
    o.onStepStart?.(i, steps.length)
    const v: Record<string, string> = { ...base }
    out.outputs.forEach((s, k) => (v[`step${k + 1}`] = s))
    if (i > 0) v.prev = out.outputs[i - 1]!
    let system: string
    let user: string
    try {
      system = row.prompt ? renderTemplate(row.prompt, v, `「${o.name}」的提示词`) : ''
      user = renderTemplate(steps[i]!, v, `「${o.name}」的步骤${i + 1}`)
    } catch (err) {
      if (err instanceof TemplateError) throw templateFailure(ctx, err, o.name)
      throw err
    }
    const done = out.outputs.join(sep)
    const res = await chatFor(
      ctx,
      {
        messages: [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user', content: user }],
        maxTokens: ctx.deps.config.llm.maxOutputTokens,
        temperature: 0.7,
        onDelta: o.stream ? (_d, text) => o.stream!.update(done ? `${done}${sep}${text}` : text) : undefined,
      },
      { purpose: o.purpose },
    )
    out.outputs.push(res.text.trim())
    out.tokens += res.usage.tokensIn + res.usage.tokensOut
    out.rmb += res.costRmb
    out.model = res.model
    await o.onStep?.(out.outputs, res.usage.tokensIn + res.usage.tokensOut, res.costRmb)
  }
  out.text = out.outputs.at(-1) ?? ''
  return out
}

/**
 * Long inputs (an attached document, once files land) are condensed to fit the model's context
 * (LLM_CONTEXT_TOKENS): split at paragraphs, each part summarised, the summaries joined.
 */
export async function fitToContext(ctx: BotContext, input: string, name: string): Promise<string> {
  const budget = Math.floor(ctx.deps.config.llm.contextTokens * 0.5)
  const tokens = estimateTokens(input)
  if (tokens <= budget) return input
  const charsPerToken = input.length / Math.max(1, tokens)
  const parts = splitMarkdown(input, Math.max(500, Math.floor(budget * 0.8 * charsPerToken)))
  const summaries: string[] = []
  for (let i = 0; i < parts.length; i++) {
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
    summaries.push(`【第 ${i + 1} 部分要点】\n${res.text.trim()}`)
  }
  ctx.logger.info({ parts: parts.length, tokens }, 'long input condensed')
  return summaries.join('\n\n')
}

export function usageLine(tokens: number, rmb: number): string {
  return `本次用量：${tokens.toLocaleString('en-US')} tokens · ${formatRmb(rmb)}`
}
