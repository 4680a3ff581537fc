import type { BotContext } from '../bot/context.js'
import { deadlineFor } from '../bot/deadline.js'
import { type LiveRun, liveRuns } from '../bot/live-runs.js'
import { assertBudget, isBudgetStop, LLM_OFF_MESSAGE, llmFailureReply } from '../bot/model-call.js'
import { isUserError, RunCancelled, UserError } from '../core/errors.js'
import { type ProcessDataValues, type ProcessRow, type ProcessStep, storesOf } from '../db/stores/index.js'
import { citationBlock, contentGrounding, type Grounding } from './activity-grounding.js'
import { askForInputs, type Inputs, missingInputs, readInputs } from './activity-inputs.js'
import { matchPick, type PickOption, parseOptions } from './activity-picks.js'
import {
  type ActivityStep,
  activityVariables,
  blockIndexOf,
  DONE_INDEX,
  GEN_STEPS,
  genPosition,
  INPUT_FIELDS,
  stepAt,
} from './activity-steps.js'
import { budgetPause, doneMessage, inputsReview, pausedMessage, pickQuestion, stepTitle } from './activity-view.js'
import { cancelHandler, progressText } from './control.js'
import { RunMovedOn } from './pipeline-run.js'
import { type ProgressReporter, progressFor } from './progress.js'
import { resolvePromptSet, runPromptRow } from './runner.js'
import { commandOf, loadWorkflow, saveWorkflow, storedWorkflow, type WorkflowPointer } from './workflow.js'

/**
 * 运营活动设计 (customType 5): a resumable multi-turn workflow. The record lives in process_data (saved
 * after every step), the pointer in conversation_state.workflow. Generation runs from the current step
 * to the next pick (or the end); a run remembers the message that started it, so when that message is
 * handled again after a restart the run replays what it had sent (the outbox skips delivered parts)
 * and continues where it stopped.
 */

const START = /(运营活动|活动设计|活动方案|设计.{0,6}活动)/
const CANCEL_WORDS = new Set(['取消', '退出', 'cancel'])
const HELP_WORDS = new Set(['帮助', 'help', '?', '？', '菜单'])
/** Said with a spent budget: the design itself is saved. */
const ACTIVITY_SAVED = '进行中的活动设计已保存，明天回复 **继续** 即可接着做。'
const QUESTIONS = [0, blockIndexOf('user_content_select'), blockIndexOf('user_activity_name')]

function inputsOf(p: ProcessRow): Inputs {
  const out: Inputs = {}
  for (const f of INPUT_FIELDS) if (p[f]) out[f] = p[f]!
  return out
}

const records = (ctx: BotContext) => storesOf(ctx.deps).workflows.processData

async function reload(ctx: BotContext, id: number): Promise<ProcessRow> {
  const p = await records(ctx).get(id)
  if (!p) throw new Error(`process_data ${id} vanished`)
  return p
}

/** Moves the design on from the version `p` was read at (RunMovedOn when it moved on elsewhere); the new row. */
async function advance(ctx: BotContext, p: ProcessRow, patch: ProcessDataValues): Promise<ProcessRow> {
  if (!(await records(ctx).update(p.id, patch, ctx.now(), p.updated_at)))
    throw new RunMovedOn(ctx, { processId: p.id, blockIndex: p.block_index })
  return reload(ctx, p.id)
}

/**
 * Saves a generated step at the version `p` was read at. A record changed meanwhile without moving on (an
 * API edit of another field) gets the step at its new version; one that moved on (another instance
 * advanced it) or whose design was cancelled (取消 elsewhere: new version, no pointer) stops the run.
 */
async function saveStep(ctx: BotContext, p: ProcessRow, step: ProcessStep): Promise<void> {
  for (let at = p.updated_at, tries = 0; tries < 3; tries++) {
    if (await records(ctx).saveStep(p.id, at, step, ctx.now())) return
    const now = await records(ctx).get(p.id)
    if (now?.block_index !== p.block_index || (await storedWorkflow(ctx))?.processId !== p.id) break
    at = now.updated_at
  }
  throw new RunMovedOn(ctx, { processId: p.id, blockIndex: p.block_index })
}

/** Generates one step, saves it (block_index + 1, spend, model) and shows it. */
async function generate(
  ctx: BotContext,
  p: ProcessRow,
  step: ActivityStep,
  progress: ProgressReporter,
  live: LiveRun,
): Promise<void> {
  const set = await resolvePromptSet(ctx, [step.field], '运营活动设计')
  const row = set.rows[0]
  if (!row)
    throw new UserError('prompts_missing', `还没有配置「${step.label}」（${step.field}）的提示词，请联系管理员导入。`)
  const vars: Record<string, string> = {}
  for (const k of activityVariables(step.field) ?? [])
    vars[k] = (p as Record<string, unknown>)[k] == null ? '' : String((p as Record<string, unknown>)[k])
  let grounding: Grounding | undefined
  if (step.field === 'sys_content_tuij') {
    grounding = contentGrounding(ctx, p)
    vars.content_rows = grounding.promptText
    ctx.logger.info({ rows: grounding.rows.map((r) => `${r.table}#${r.id}`) }, 'content recommendation grounding')
  }
  const title = stepTitle(step)
  const stream = progress.begin(title)
  let text: string
  try {
    const res = await runPromptRow(ctx, row, vars, { name: step.label, purpose: step.field, stream })
    text = res.text
    if (grounding) text = `${text}\n\n${citationBlock(grounding, text)}`
    const blockIndex = p.block_index + 1
    await saveStep(ctx, p, { field: step.field, text, blockIndex, tokens: res.tokens, rmb: res.rmb, model: res.model })
  } catch (err) {
    if (err instanceof RunMovedOn) throw err
    await stream.fail(live.cancelled ? '已取消' : err instanceof Error ? err.message : String(err))
    if (live.cancelled) throw new RunCancelled()
    if (isUserError(err)) throw err
    ctx.logger.error({ err, step: step.field, processId: p.id }, 'activity step failed')
    throw llmFailureReply(ctx, err)
  }
  await stream.finish(text)
}

/** Runs (or, for the same message after a restart, replays and continues) the pointer's run. */
async function runSteps(
  ctx: BotContext,
  wf: WorkflowPointer & { run: NonNullable<WorkflowPointer['run']> },
  replay: boolean,
): Promise<void> {
  const progress = progressFor(ctx)
  const { from, single } = wf.run
  let p = await reload(ctx, wf.processId)
  const live = liveRuns(ctx.deps)
  const { run: liveRun, end } = live.begin(ctx, 'activity', '运营活动设计')
  let movedOn = false
  try {
    await ctx.reply(wf.run.intro)
    if (replay) {
      for (let b = from; b < p.block_index; b++) {
        const s = stepAt(b)
        if (s?.kind === 'gen' && p[s.field]) await progress.replay(stepTitle(s), p[s.field]!)
      }
    }
    // Stay well inside the message deadline (ANDY_PIPELINE_TIMEOUT_MS for pipelines): stop before a step that
    // might not finish in time; 继续 picks up from there.
    const started = Date.now()
    const budgetMs =
      deadlineFor('activity', {
        handlerMs: ctx.deps.config.handlerTimeoutMs,
        pipelineMs: ctx.deps.config.pipelineTimeoutMs,
      }) * 0.7
    let slowest = 0
    let paced = false
    for (
      let step = stepAt(p.block_index);
      step?.kind === 'gen' && !(single && p.block_index > from);
      step = stepAt(p.block_index)
    ) {
      if (slowest > 0 && Date.now() - started + slowest > budgetMs) {
        paced = true
        break
      }
      if (liveRun.cancelled) throw new RunCancelled()
      live.step(liveRun, step.label, genPosition(step.field), GEN_STEPS.length, ctx.now())
      const t0 = Date.now()
      await generate(ctx, p, step, progress, liveRun)
      slowest = Math.max(slowest, Date.now() - t0)
      p = await reload(ctx, p.id)
    }
    // The run's last word joins its last answers in one message (bulk: coalesced with them).
    const next = stepAt(p.block_index)
    if (next?.kind === 'pick') await ctx.reply(pickQuestion(p, next), { bulk: true })
    else if (p.block_index >= DONE_INDEX) await ctx.reply(doneMessage(p), { bulk: true })
    else await ctx.reply(pausedMessage(p, paced), { bulk: true })
  } catch (err) {
    if (isBudgetStop(err)) throw budgetPause(await reload(ctx, p.id), err)
    // Stopped by 取消: the answers finished before it go out now, before the 取消 reply (which waits for this run).
    if (liveRun.cancelled) await ctx.flush?.().catch(() => undefined)
    movedOn = err instanceof RunMovedOn
    throw err
  } finally {
    end()
    // Moved on elsewhere: the pointer there is the one that counts (this message's copy is stale). Stopped by
    // 取消: the 取消 message closes the pointer (on another instance this message's copy is stale too).
    const current = movedOn || liveRun.cancelled ? undefined : loadWorkflow(ctx)
    if (current?.processId === wf.processId && current.run?.msgId === ctx.msg.msgId)
      saveWorkflow(ctx, { kind: 'activity', processId: wf.processId })
  }
}

/** Starts a run at the record's current block: everything this message says goes out in `intro` first. */
async function startRun(ctx: BotContext, p: ProcessRow, intro: string, single = false): Promise<void> {
  const next = stepAt(p.block_index)
  const status =
    next?.kind === 'gen' && progressFor(ctx).mode === 'markdown'
      ? `\n\n正在生成 (${genPosition(next.field)}/${GEN_STEPS.length}) ${next.label}…`
      : ''
  const wf: WorkflowPointer = {
    kind: 'activity',
    processId: p.id,
    run: { msgId: ctx.msg.msgId, from: p.block_index, intro: `${intro}${status}`, single },
  }
  saveWorkflow(ctx, wf)
  await runSteps(ctx, wf as WorkflowPointer & { run: NonNullable<WorkflowPointer['run']> }, false)
}

/** New inputs from a message: saved; when all six are there, generation starts. */
async function takeInputs(ctx: BotContext, p: ProcessRow, text: string, fresh: boolean): Promise<void> {
  const known = inputsOf(p)
  const before = { tokens: ctx.result.tokens ?? 0, rmb: ctx.result.costRmb ?? 0 }
  const got = text.trim() ? await readInputs(ctx, text, known) : {}
  // Reading the inputs costs tokens too: they count in the workflow's totals.
  await records(ctx).addSpend(
    p.id,
    (ctx.result.tokens ?? 0) - before.tokens,
    (ctx.result.costRmb ?? 0) - before.rmb,
    ctx.deps.llm?.model,
    ctx.now(),
  )
  const changed = INPUT_FIELDS.filter((f) => got[f] && got[f] !== known[f])
  if (changed.length) await records(ctx).update(p.id, Object.fromEntries(changed.map((f) => [f, got[f]!])), ctx.now())
  const now = await reload(ctx, p.id)
  const missing = missingInputs(inputsOf(now))
  if (missing.length) {
    const head = fresh
      ? ''
      : changed.length
        ? '**运营活动设计**：已记录。还需要这些信息（可以一次回复）：'
        : '**运营活动设计**：没有读到新的信息。还需要这些信息（可以一次回复）：'
    await ctx.reply(askForInputs(inputsOf(now), missing, head))
    return
  }
  await startRun(
    ctx,
    now.block_index === 0 ? await advance(ctx, now, { block_index: 1 }) : now,
    `信息已齐全，开始生成「${now.enterprise_name}」的活动方案（共 ${GEN_STEPS.length} 步，完成的结果合并成几条消息发出；中途可回复 **查看进度** 或 **取消**）。`,
  )
}

async function start(ctx: BotContext): Promise<void> {
  await assertBudget(ctx)
  const id = await records(ctx).create({ user_id: ctx.userId, user_name: ctx.userNick }, ctx.now())
  saveWorkflow(ctx, { kind: 'activity', processId: id })
  ctx.logger.info({ processId: id }, 'activity workflow started')
  await takeInputs(ctx, await reload(ctx, id), ctx.text, true)
}

/** 重新生成: the last generated step again (later results become pending). */
async function regenerate(ctx: BotContext, p: ProcessRow): Promise<void> {
  let t = p.block_index - 1
  while (t >= 1 && stepAt(t)?.kind === 'pick') t--
  if (t < 1 || p.block_index === 0) {
    await ctx.reply(askForInputs(inputsOf(p), missingInputs(inputsOf(p)), '还没有生成任何内容。先补充活动信息：'))
    return
  }
  await assertBudget(ctx, ACTIVITY_SAVED)
  await startRun(ctx, await advance(ctx, p, { block_index: t }), `好的，重新生成「${stepAt(t)!.label}」。`, true)
}

/** 上一步: back to the previous question (the inputs, the content pick, the name pick). */
async function back(ctx: BotContext, p: ProcessRow): Promise<void> {
  const b = p.block_index
  // At a pick the previous question is the one before it; elsewhere, the last question asked.
  const target = [...QUESTIONS].reverse().find((q) => q < b)
  if (target === undefined) {
    await ctx.reply(inputsReview(p, '已经是第一步（活动信息）了。当前信息：'))
    return
  }
  const now = await advance(ctx, p, { block_index: target })
  if (target === 0) await ctx.reply(inputsReview(now, '已回到第一步（活动信息）。当前信息：'))
  else await ctx.reply(pickQuestion(now, stepAt(target)!, `已回到「${stepAt(target)!.label}」。`))
}

/** What a picked option stores: the whole content option; only the name of a name option. */
function chosenText(step: ActivityStep, o: PickOption): string {
  if (step.field !== 'user_activity_name') return o.text
  return (o.title.split(/——|--|\s-\s|：|:/)[0] ?? o.title).replace(/[「」『』“”"]/g, '').trim() || o.title
}

async function answerPick(ctx: BotContext, p: ProcessRow, step: ActivityStep): Promise<void> {
  const options = step.optionsFrom ? parseOptions(p[step.optionsFrom] ?? '') : []
  const pick = matchPick(ctx.text, options)
  if (pick.kind === 'out_of_range' || pick.kind === 'none') {
    const why = pick.kind === 'out_of_range' ? `没有第 ${pick.n} 个选项。` : '没看懂你的选择。'
    await ctx.reply(pickQuestion(p, step, why))
    return
  }
  const chosen = pick.kind === 'option' ? chosenText(step, pick.option) : pick.text
  const said =
    pick.kind === 'option'
      ? `已选择第 ${pick.option.n} 个：${pick.option.title}`
      : `已按你的输入：${chosen.split('\n')[0]}`
  await assertBudget(ctx, ACTIVITY_SAVED)
  await startRun(ctx, await advance(ctx, p, { [step.field]: chosen, block_index: p.block_index + 1 }), said)
}

export async function activityHandler(ctx: BotContext): Promise<void> {
  if (!ctx.deps.llm) throw new UserError('llm_off', LLM_OFF_MESSAGE)
  const wf = loadWorkflow(ctx)
  const p = wf ? await records(ctx).get(wf.processId) : undefined
  const cmd = commandOf(ctx.text)
  // With customType 5 (HTTP API) every message arrives here, control words included.
  const word = ctx.text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s。.!！]+/g, '')
  if (CANCEL_WORDS.has(word)) return cancelHandler(ctx)
  if (HELP_WORDS.has(word) && p && p.block_index < DONE_INDEX && wf?.run?.msgId !== ctx.msg.msgId)
    return ctx.reply(await progressText(ctx))
  if (wf && p && wf.run?.msgId === ctx.msg.msgId) {
    ctx.logger.info(
      { processId: p.id, from: wf.run.from, blockIndex: p.block_index },
      'resuming an interrupted activity run',
    )
    await runSteps(ctx, wf as WorkflowPointer & { run: NonNullable<WorkflowPointer['run']> }, true)
    return
  }
  if (!p) {
    if (cmd) {
      await ctx.reply('当前没有进行中的运营活动设计。发送「帮我设计一个运营活动」开始。')
      return
    }
    await start(ctx)
    return
  }
  const done = p.block_index >= DONE_INDEX
  if (cmd === 'progress') return ctx.reply(await progressText(ctx))
  if (cmd === 'regenerate') return regenerate(ctx, p)
  if (cmd === 'back') return back(ctx, p)
  if (done) {
    if (cmd === 'continue') return ctx.reply(doneMessage(p))
    return start(ctx)
  }
  const step = stepAt(p.block_index)
  if (!cmd && START.test(ctx.text) && p.block_index > 0) {
    await ctx.reply(
      `你有一个进行中的运营活动设计${p.enterprise_name ? `（${p.enterprise_name}）` : ''}。回复 **继续** 接着做，**查看进度** 看看到哪一步了；想重新开始请先回复 **取消**。`,
    )
    return
  }
  if (p.block_index === 0) return takeInputs(ctx, p, cmd === 'continue' ? '' : ctx.text, false)
  if (step?.kind === 'pick') {
    if (cmd === 'continue') return ctx.reply(pickQuestion(p, step))
    return answerPick(ctx, p, step)
  }
  if (cmd === 'continue') {
    await assertBudget(ctx, ACTIVITY_SAVED)
    return startRun(ctx, p, '好的，接着生成。')
  }
  await ctx.reply(pausedMessage(p))
}
