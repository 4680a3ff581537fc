import type { BotContext } from '../bot/context.js'
import { isUserError, UserError } from '../bot/errors.js'
import { assertBudget, LLM_OFF_MESSAGE, llmFailureReply } from './cost.js'
import { countReportPrompts, listReportPrompts, type PromptStepRow } from '../db/prompts.js'
import { loadDefaultPrompts } from '../services/prompt-files.js'
import { progressFor } from './progress.js'
import { resolvePromptSet, rowSteps, runPromptRow, usageLine, fitToContext } from './runner.js'

/**
 * 人才发展 (rcfz) and 会议评审 (hyps): prompt pipelines selected by step_type and run on the message text.
 * Each prompt_steps row of the step_type is a section of the answer (in table order); a row's steps
 * chain, and the next row sees the previous row's result as {{prev}}.
 */

export interface PipelineSpec {
  stepType: string
  name: string
  /** Words that only name the feature; removed from the text before it is used as input. */
  trigger: RegExp
  example: string
}

export const PIPELINES: Record<string, PipelineSpec> = {
  talent: {
    stepType: 'rcfz',
    name: '人才发展',
    trigger: /^(?:\/)?(人才发展(?:建议|方案)?)[\s:：，,]*/,
    example: '人才发展：某制造企业 5000 人，今年提拔了 60 名技术骨干做基层经理，普遍不会带团队，离职率上升',
  },
  meeting: {
    stepType: 'hyps',
    name: '会议评审',
    trigger: /^(?:\/)?(会议评审|评审会议|会议纪要评审)[\s:：，,]*/,
    example: '会议评审：（把会议纪要或议程贴在这里）',
  },
}

/** Shortest input worth a pipeline run (characters). */
export const MIN_INPUT = 8

/** Runs a pipeline on the message text, or on `document` (the text of an attached file, for the file handler). */
export async function runNamedPipeline(ctx: BotContext, spec: PipelineSpec, document?: string): Promise<void> {
  if (!ctx.deps.llm) throw new UserError('llm_off', LLM_OFF_MESSAGE)
  const said = ctx.text.replace(spec.trigger, '').trim()
  const input = document ? (said ? `${said}\n\n${document}` : document) : said
  if ([...input].length < MIN_INPUT) {
    await ctx.reply(`**${spec.name}**：请把需要分析的内容和这个词一起发给我，例如：\n\n${spec.example}`)
    return
  }
  assertBudget(ctx)
  const set = resolvePromptSet(ctx, [spec.stepType], spec.name)
  if (set.rows.length === 0) throw new UserError('prompts_missing', `还没有配置「${spec.name}」的提示词，请联系管理员。`)
  const total = set.rows.reduce((n, r) => n + rowSteps(r).length, 0)
  const progress = progressFor(ctx)
  if (progress.mode === 'markdown' && total >= 2) await progress.status(`正在生成「${spec.name}」(1/${total})…（共 ${total} 步，请稍候）`)
  const text = await fitToContext(ctx, input, spec.name)
  let prev = ''
  let tokens = 0
  let rmb = 0
  for (let i = 0; i < set.rows.length; i++) {
    const row = set.rows[i]!
    const title = row.step_name ?? spec.name
    const stream = progress.begin(title)
    try {
      const res = await runPromptRow(ctx, row, { input: text, prev }, { name: title, purpose: spec.stepType, stream })
      tokens += res.tokens
      rmb += res.rmb
      prev = res.text
      const body = res.outputs.join('\n\n')
      await stream.finish(i === set.rows.length - 1 ? `${body}\n\n> ${usageLine(tokens, rmb)}` : body)
    } catch (err) {
      await stream.fail(err instanceof Error ? err.message : String(err))
      if (isUserError(err)) throw err
      ctx.logger.error({ err, msgId: ctx.msg.msgId, pipeline: spec.stepType, row: title }, 'pipeline step failed')
      throw llmFailureReply(ctx, err, '稍后把内容再发一次')
    }
  }
  ctx.logger.info({ pipeline: spec.stepType, version: set.version, tokens, rmb }, 'pipeline done')
}

/**
 * 报告解读 with the report_prompts table: the row whose app_name the text or the caller names (default:
 * the first by order_index) runs its prompt + step1..step3 on the report text ({{report}}). For the
 * report/file handler (a sent file's extracted text); also usable on pasted text.
 */
export async function interpretReport(ctx: BotContext, report: string, appName?: string): Promise<void> {
  if (!ctx.deps.llm) throw new UserError('llm_off', LLM_OFF_MESSAGE)
  if (countReportPrompts(ctx.deps.db) === 0) loadDefaultPrompts(ctx.deps.db)
  const rows = listReportPrompts(ctx.deps.db)
  const row = rows.find((r) => r.app_name && (r.app_name === appName || report.slice(0, 200).includes(r.app_name))) ?? rows[0]
  if (!row) throw new UserError('prompts_missing', '还没有配置报告解读的提示词，请联系管理员。')
  assertBudget(ctx)
  const name = row.app_name ?? '报告解读'
  const asStep = { id: row.id, version: '', step_type: 'report', step_name: name, prompt: row.prompt, step1: row.step1, step2: row.step2, step3: row.step3 } as PromptStepRow
  const progress = progressFor(ctx)
  const stream = progress.begin(`报告解读：${name}`)
  try {
    const input = await fitToContext(ctx, report, name)
    const res = await runPromptRow(ctx, asStep, { report: input, input, app_name: name }, { name, purpose: 'report', stream })
    await stream.finish(`${res.outputs.join('\n\n')}\n\n> ${usageLine(res.tokens, res.rmb)}`)
  } catch (err) {
    await stream.fail(err instanceof Error ? err.message : String(err))
    if (isUserError(err)) throw err
    throw llmFailureReply(ctx, err, '稍后再发一次')
  }
}

export async function talentHandler(ctx: BotContext): Promise<void> {
  await runNamedPipeline(ctx, PIPELINES.talent!)
}

export async function meetingHandler(ctx: BotContext): Promise<void> {
  await runNamedPipeline(ctx, PIPELINES.meeting!)
}
