import type { BotContext } from '../bot/context.js'
import { liveRuns } from '../bot/live-runs.js'
import { assertBudget, LLM_OFF_MESSAGE, llmFailureReply } from '../bot/model-call.js'
import type { Decision } from '../bot/router.js'
import { isUserError, RunCancelled, UserError } from '../core/errors.js'
import type { PromptStepRow } from '../db/prompts.js'
import { storesOf } from '../db/stores/index.js'
import { pausedRunToContinue, runSections, saveRun } from './pipeline-run.js'
import { PIPELINES, type PipelineSpec, pipelineOfStepType } from './pipeline-specs.js'
import { progressFor } from './progress.js'
import { seededPrompts } from './prompt-files.js'
import { fitToContext, resolvePromptSet, rowSteps, runPromptRow, usageLine } from './runner.js'

export { PIPELINES, type PipelineSpec }

/**
 * 人才发展 (rcfz) and 会议评审 (hyps): prompt pipelines selected by step_type and run on the message text.
 * Each prompt_steps row of the step_type is a section of the answer (in table order); a row's steps
 * chain, and the next row sees the previous row's result as {{prev}}. Runs are resumable (pipeline-run.ts).
 */

/** Shortest input worth a pipeline run (characters). */
export const MIN_INPUT = 8

async function rowsOf(ctx: BotContext, spec: PipelineSpec, version: string): Promise<PromptStepRow[]> {
  const rows = await storesOf(ctx.deps).llm.prompts.steps({ version, stepTypes: [spec.stepType] })
  if (rows.length === 0) throw new UserError('prompts_missing', `还没有配置「${spec.name}」的提示词，请联系管理员。`)
  return rows
}

/**
 * Runs a pipeline on the message text, or on `document` (the text of an attached file, for the file
 * handler). The run is saved after every step (pipeline_runs): when it stops (daily budget, model
 * failure) 继续 continues it; the same message handled again after a restart continues it too.
 */
export async function runNamedPipeline(ctx: BotContext, spec: PipelineSpec, document?: string): Promise<void> {
  if (!ctx.deps.llm) throw new UserError('llm_off', LLM_OFF_MESSAGE)
  const runs = storesOf(ctx.deps).workflows.pipelineRuns
  const resumeId = ctx.state.resumePipelineRun as number | undefined
  const resumed = resumeId !== undefined ? await runs.get(resumeId) : undefined
  if (resumed && resumed.status === 'paused') {
    const rows = await rowsOf(ctx, spec, resumed.version)
    const k = resumed.sections.length
    await ctx.reply(
      `好的，接着生成「${spec.name}」：从第 ${k + 1}/${rows.length} 部分「${rows[k]?.step_name ?? spec.name}」开始${k ? `（前 ${k} 部分见上文）` : ''}。`,
    )
    resumed.status = 'running'
    await saveRun(ctx, resumed)
    return runSections(ctx, spec, resumed, { rows })
  }
  const again = await runs.ofMessage(ctx.msg.msgId, spec.stepType)
  const said = ctx.text.replace(spec.trigger, '').trim()
  const input = document ? (said ? `${said}\n\n${document}` : document) : said
  if ([...input].length < MIN_INPUT && !again) {
    await ctx.reply(`**${spec.name}**：请把需要分析的内容和这个词一起发给我，例如：\n\n${spec.example}`)
    return
  }
  await assertBudget(ctx)
  const set = again
    ? { version: again.version, rows: await rowsOf(ctx, spec, again.version) }
    : await resolvePromptSet(ctx, [spec.stepType], spec.name)
  if (set.rows.length === 0)
    throw new UserError('prompts_missing', `还没有配置「${spec.name}」的提示词，请联系管理员。`)
  const total = set.rows.reduce((n, r) => n + rowSteps(r).length, 0)
  const progress = progressFor(ctx)
  if (progress.mode === 'markdown' && total >= 2)
    await progress.status(
      `正在生成「${spec.name}」(1/${total})…（共 ${total} 步，完成的部分合并发出；中途可回复 **查看进度** 或 **取消**）`,
    )
  // Handled again after a restart: continue the run this message started (finished sections are re-sent; the outbox skips delivered ones).
  if (again && (again.status === 'running' || again.status === 'paused')) {
    ctx.logger.info({ runId: again.id, sections: again.sections.length }, 'continuing the pipeline run of this message')
    again.status = 'running'
    return runSections(ctx, spec, again, set, { replay: true })
  }
  // Live from here: a long input is condensed first, and 查看进度 / 取消 must reach that too.
  const { run: live, end } = liveRuns(ctx.deps).begin(ctx, 'pipeline', spec.name)
  try {
    let text: string
    try {
      text = await fitToContext(ctx, input, spec.name)
    } catch (err) {
      if (live.cancelled) throw new RunCancelled()
      // Nothing is saved yet: the content must be sent again.
      if (isUserError(err)) throw err
      throw llmFailureReply(ctx, err, '稍后把内容再发一次', false)
    }
    // The user's earlier unfinished runs here end as this one starts.
    const run = await runs.start(
      {
        conversationId: ctx.conversationId,
        userId: ctx.userId,
        msgId: ctx.msg.msgId,
        stepType: spec.stepType,
        version: set.version,
        input: text,
      },
      ctx.now(),
    )
    await runSections(ctx, spec, run, set)
  } finally {
    end()
  }
}

/**
 * 报告解读 with the report_prompts table: the row whose app_name the text or the caller names (default:
 * the first by order_index) runs its prompt + step1..step3 on the report text ({{report}}). For the
 * report/file handler (a sent file's extracted text); also usable on pasted text.
 */
export async function interpretReport(ctx: BotContext, report: string, appName?: string): Promise<void> {
  if (!ctx.deps.llm) throw new UserError('llm_off', LLM_OFF_MESSAGE)
  const rows = await (await seededPrompts(ctx, 'report')).reports()
  const row =
    rows.find((r) => r.app_name && (r.app_name === appName || report.slice(0, 200).includes(r.app_name))) ?? rows[0]
  if (!row) throw new UserError('prompts_missing', '还没有配置报告解读的提示词，请联系管理员。')
  await assertBudget(ctx)
  const name = row.app_name ?? '报告解读'
  const asStep = {
    id: row.id,
    version: '',
    step_type: 'report',
    step_name: name,
    prompt: row.prompt,
    step1: row.step1,
    step2: row.step2,
    step3: row.step3,
  } as PromptStepRow
  const progress = progressFor(ctx)
  const stream = progress.begin(`报告解读：${name}`)
  try {
    const input = await fitToContext(ctx, report, name)
    const res = await runPromptRow(
      ctx,
      asStep,
      { report: input, input, app_name: name },
      { name, purpose: 'report', stream },
    )
    await stream.finish(`${res.outputs.join('\n\n')}\n\n> ${usageLine(res.tokens, res.rmb)}`)
  } catch (err) {
    await stream.fail(err instanceof Error ? err.message : String(err))
    if (isUserError(err)) throw err
    throw llmFailureReply(ctx, err, '稍后再发一次', false)
  }
}

/** 继续 after a 人才发展 / 会议评审 run stopped: routes to that pipeline, which continues the run. */
export async function pipelineContinueResolver(ctx: BotContext): Promise<Decision | undefined> {
  const run = await pausedRunToContinue(ctx)
  const p = run && pipelineOfStepType(run.stepType)
  if (!run || !p) return undefined
  ctx.state.resumePipelineRun = run.id
  return { intent: p[0] }
}

export async function talentHandler(ctx: BotContext): Promise<void> {
  await runNamedPipeline(ctx, PIPELINES.talent!)
}

export async function meetingHandler(ctx: BotContext): Promise<void> {
  await runNamedPipeline(ctx, PIPELINES.meeting!)
}
