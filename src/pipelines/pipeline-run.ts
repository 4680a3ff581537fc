import type { BotContext } from '../bot/context.js'
import { liveRuns } from '../bot/live-runs.js'
import { isBudgetStop, llmFailureWhat } from '../bot/model-call.js'
import { RunCancelled, UserError } from '../core/errors.js'
import type { PromptStepRow } from '../db/prompts.js'
import { type PipelineRun, storesOf } from '../db/stores/index.js'
import { formatRmb, LlmError } from '../services/llm.js'
import { progressFor } from './progress.js'
import { rowSteps, runPromptRow, usageLine } from './runner.js'
import { commandOf, loadWorkflow } from './workflow.js'

/**
 * Runs the sections of a 人才发展 / 会议评审 run (pipeline_runs) from where it stands, saving after every
 * step: a run stopped by the daily budget, a model failure or a restart continues on 继续 (or when its
 * message is handled again) without asking for the content again, and 取消 stops it mid-call.
 */

export interface RunSpec {
  name: string
  stepType: string
}

/** The sections' rows of a run (its prompt version; the steps it uses). */
export interface RunRows {
  rows: PromptStepRow[]
}

const sectionTitle = (row: PromptStepRow, spec: RunSpec): string => row.step_name ?? spec.name

/**
 * The run (or activity design) was written by someone else since this instance read it — another instance
 * took its message over after the lease expired, or 取消 ended it there: this one stops without writing
 * or sending more (a RunCancelled, so nothing is answered).
 */
export class RunMovedOn extends RunCancelled {
  constructor(ctx: BotContext, what: Record<string, unknown>) {
    super()
    this.name = 'RunMovedOn'
    ctx.logger.warn(what, 'saved elsewhere since it was read: this instance stops the generation')
  }
}

/** Saves the run; RunMovedOn when it moved on (see there). */
export async function saveRun(ctx: BotContext, run: PipelineRun): Promise<void> {
  if (!(await storesOf(ctx.deps).workflows.pipelineRuns.save(run, ctx.now())))
    throw new RunMovedOn(ctx, { runId: run.id, status: run.status })
}

/** The "stopped, and how to continue" reply for a run that stopped on the budget or the model. */
function pausedReply(
  ctx: BotContext,
  spec: RunSpec,
  run: PipelineRun,
  rows: readonly PromptStepRow[],
  err: unknown,
): UserError {
  const k = run.sections.length
  const at = `第 ${k + 1}/${rows.length} 部分「${sectionTitle(rows[k]!, spec)}」`
  const kept = k > 0 ? `已完成的 ${k} 部分已发出，进度已保存` : '进度已保存'
  if (isBudgetStop(err)) {
    const why =
      err.left > 0
        ? `今天的 AI 额度（${formatRmb(err.budget)}）只剩 ${formatRmb(err.left)}，不够生成下一部分（最多约 ${formatRmb(err.needed)}）`
        : `今天的 AI 额度（${formatRmb(err.budget)}）已经用完了`
    return new UserError(
      'llm_budget',
      `${why}，「${spec.name}」停在${at}。${kept}：明天 0 点额度恢复后回复 **继续**，从这里接着生成，不用再发内容。`,
    )
  }
  ctx.result.status = 'failed'
  const kind = err instanceof LlmError ? err.kind : 'network'
  return new UserError(
    `llm_${kind}`,
    `${llmFailureWhat(err)}，「${spec.name}」停在${at}。${kept}：稍后回复 **继续** 从这里接着生成，不用再发内容。`,
  )
}

/** A run that stopped (取消, a model failure, the budget): saved as cancelled or paused; returns what to throw. */
async function stopped(
  ctx: BotContext,
  spec: RunSpec,
  run: PipelineRun,
  rows: RunRows['rows'],
  cancelled: boolean,
  err: unknown,
): Promise<unknown> {
  const runs = storesOf(ctx.deps).workflows.pipelineRuns
  if (cancelled) {
    run.status = 'cancelled'
    // Not written when 取消 ended it already.
    await runs.save(run, ctx.now())
    // The sections finished before 取消 go out now, before the 取消 reply (which waits for this run).
    await ctx.flush?.().catch(() => undefined)
    return new RunCancelled()
  }
  if (err instanceof RunMovedOn) return err
  if (run.status !== 'done') {
    run.status = 'paused'
    // Moved on elsewhere meanwhile: this instance has no say in it any more.
    if (!(await runs.save(run, ctx.now()))) return new RunMovedOn(ctx, { runId: run.id, status: run.status })
  }
  ctx.logger.warn(
    {
      pipeline: spec.stepType,
      runId: run.id,
      sections: run.sections.length,
      err: err instanceof Error ? err.message : String(err),
    },
    'pipeline stopped; 继续 resumes it',
  )
  if (isBudgetStop(err) || err instanceof LlmError) return pausedReply(ctx, spec, run, rows, err)
  return err
}

/**
 * Generates the run's remaining sections. `replay`: the message that started the run is handled again
 * (after a restart): the finished sections are sent again first — the outbox skips those already delivered.
 */
export async function runSections(
  ctx: BotContext,
  spec: RunSpec,
  run: PipelineRun,
  { rows }: RunRows,
  o: { replay?: boolean } = {},
): Promise<void> {
  const progress = progressFor(ctx)
  if (o.replay) for (const s of run.sections) await progress.replay(s.title, s.text)
  const live = liveRuns(ctx.deps)
  const { run: liveRun, end } = live.begin(ctx, 'pipeline', spec.name)
  const total = rows.reduce((n, r) => n + rowSteps(r).length, 0)
  const before = (i: number) => rows.slice(0, i).reduce((n, r) => n + rowSteps(r).length, 0)
  let prev = run.sections.at(-1)?.last ?? ''
  try {
    for (let i = run.sections.length; i < rows.length; i++) {
      if (liveRun.cancelled) throw new RunCancelled()
      const row = rows[i]!
      const title = sectionTitle(row, spec)
      const stream = progress.begin(title)
      try {
        const res = await runPromptRow(
          ctx,
          row,
          { input: run.input, prev },
          {
            name: title,
            purpose: spec.stepType,
            stream,
            done: run.steps,
            onStepStart: (k) => live.step(liveRun, title, before(i) + k + 1, total, ctx.now()),
            onStep: (outputs, tokens, rmb) => {
              run.steps = [...outputs]
              run.tokens += tokens
              run.rmb = Math.round((run.rmb + rmb) * 1_000_000) / 1_000_000
              return saveRun(ctx, run)
            },
          },
        )
        prev = res.text
        const body = res.outputs.join('\n\n')
        const last = i === rows.length - 1
        run.sections.push({
          title,
          text: last ? `${body}\n\n> ${usageLine(run.tokens, run.rmb)}` : body,
          last: res.text,
        })
        run.steps = []
        if (last) run.status = 'done'
        await saveRun(ctx, run)
        await stream.finish(run.sections.at(-1)!.text)
      } catch (err) {
        if (err instanceof RunMovedOn) throw err
        await stream.fail(liveRun.cancelled ? '已取消' : err instanceof Error ? err.message : String(err))
        throw err
      }
    }
    ctx.logger.info(
      { pipeline: spec.stepType, runId: run.id, version: run.version, tokens: run.tokens, rmb: run.rmb },
      'pipeline done',
    )
  } catch (err) {
    throw await stopped(ctx, spec, run, rows, liveRun.cancelled, err)
  } finally {
    end()
  }
}

/** "继续" continues the user's paused 人才发展 / 会议评审 run here — unless an activity design was touched more recently. */
export async function pausedRunToContinue(ctx: BotContext): Promise<PipelineRun | undefined> {
  if (!ctx.deps.llm || commandOf(ctx.text) !== 'continue') return undefined
  const { processData, pipelineRuns } = storesOf(ctx.deps).workflows
  const run = await pipelineRuns.unfinished(ctx.conversationId, ctx.userId)
  if (!run || run.status !== 'paused') return undefined
  const wf = loadWorkflow(ctx)
  const activity = wf ? await processData.get(wf.processId) : undefined
  if (activity && activity.updated_at > run.updatedAt) return undefined
  return run
}

/** Where a paused run stands, for 查看进度. */
export function pausedRunSummary(run: PipelineRun, name: string, sections: number): string {
  return `「${name}」已完成 ${run.sections.length}/${sections} 部分，停在第 ${run.sections.length + 1} 部分。回复 **继续** 接着生成，**取消** 放弃。`
}
