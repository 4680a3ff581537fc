import type { BotContext } from '../bot/context.js'
import { describeLive, liveRuns } from '../bot/live-runs.js'
import type { Decision } from '../bot/router.js'
import { escapeMd } from '../core/markdown.js'
import { storesOf } from '../db/stores/index.js'
import { DONE_INDEX } from './activity-steps.js'
import { progressSummary } from './activity-view.js'
import { runningElsewhere, stopElsewhere } from './control-remote.js'
import { pausedRunSummary } from './pipeline-run.js'
import { pipelineOfStepType } from './pipeline-specs.js'
import { commandOf, loadWorkflow } from './workflow.js'

/**
 * 查看进度 and 取消 for every generation — 运营活动设计, 人才发展, 会议评审 — also while one is running:
 * app.ts runs these messages at once instead of queueing them behind the running generation, so they
 * read the live registry (live.ts) and the saved state, and 取消 aborts the running LLM call.
 */

/** Words that ask for the progress or stop the work (the whole message). */
export function isControlText(text: string): boolean {
  const bare = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s。.!！~～,，]+/g, '')
  return commandOf(text) === 'progress' || bare === '取消' || bare === '退出' || bare === 'cancel'
}

/** 查看进度 (and its synonyms): the running generation, the activity design, a stopped run — or that there is none. */
export function progressResolver(ctx: BotContext): Decision | undefined {
  return commandOf(ctx.text) === 'progress' ? { intent: 'progress' } : undefined
}

/** The progress reply: the running step (live), the activity design's steps, a paused run. */
export async function progressText(ctx: BotContext): Promise<string> {
  const parts: string[] = []
  const live = liveRuns(ctx.deps).current(ctx)
  if (live) {
    const done = live.done.length ? `本轮已完成：${live.done.map((d) => `「${d}」`).join('')}。` : ''
    parts.push(`**进度**：${describeLive(live, ctx.now())}。${done}回复 **取消** 可停止。`)
  } else {
    // Running on another instance (PostgreSQL): told from the shared state.
    const remote = await runningElsewhere(ctx)
    if (remote) parts.push(`**进度**：${remote.text}。${remote.kind === 'message' ? '' : '回复 **取消** 可停止。'}`)
  }
  const { processData, pipelineRuns } = storesOf(ctx.deps).workflows
  const wf = loadWorkflow(ctx)
  const p = wf ? await processData.get(wf.processId) : undefined
  if (p) parts.push(progressSummary(p))
  const run = await pipelineRuns.unfinished(ctx.conversationId, ctx.userId)
  const spec = run && pipelineOfStepType(run.stepType)?.[1]
  if (run && spec && run.status === 'paused') {
    const sections = (await storesOf(ctx.deps).llm.prompts.steps({ version: run.version, stepTypes: [run.stepType] }))
      .length
    parts.push(pausedRunSummary(run, spec.name, sections))
  }
  return parts.length
    ? parts.join('\n\n')
    : '当前没有进行中的任务。需要时直接发问题，或发送「帮我设计一个运营活动」开始活动设计。'
}

export async function progressHandler(ctx: BotContext): Promise<void> {
  await ctx.reply(await progressText(ctx), { title: '查看进度' })
}

/** How long 取消 waits for the stopped generation to end before replying anyway. */
const CANCEL_WAIT_MS = 5000

async function settledWithin(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}

/**
 * 取消: stops the generation running for this user here (its LLM call is aborted), ends the active
 * activity design (its record stays in process_data) and drops a paused 人才发展 / 会议评审 run.
 */
export async function cancelHandler(ctx: BotContext): Promise<void> {
  const { processData, pipelineRuns } = storesOf(ctx.deps).workflows
  const live = liveRuns(ctx.deps).cancel(ctx)
  // Or it runs on another instance (PostgreSQL): read before it stops there (its run is then cancelled).
  const remote = live ? undefined : await runningElsewhere(ctx)
  const running = live ?? remote
  // Its call is aborted at once; let it end (and send what it finished) so this reply comes last — a few seconds at most.
  if (live) await settledWithin(live.finished, CANCEL_WAIT_MS)
  else if (remote) await stopElsewhere(ctx, remote)
  const run = await pipelineRuns.unfinished(ctx.conversationId, ctx.userId)
  const runName = run ? pipelineOfStepType(run.stepType)?.[1].name : undefined
  // Also a run on another instance: it fails its next save and stops.
  const closed = await pipelineRuns.close(ctx.conversationId, ctx.userId, ctx.now())
  const wf = loadWorkflow(ctx)
  const proc = wf ? await processData.get(wf.processId) : undefined
  // Stored before the record's version moves (below), so another instance sees the design cancelled.
  if (wf) await ctx.conversation.setWorkflow(null, ctx.now()).catch(() => undefined)
  const lines: string[] = []
  const step = live ? live.step?.label : remote?.step
  if (running?.name) lines.push(`已停止正在生成的「${escapeMd(step ?? running.name)}」。`)
  if (proc && proc.block_index < DONE_INDEX) {
    // A new version: a generation of this design on another instance fails its next save and stops.
    await processData.update(proc.id, {}, ctx.now())
    ctx.logger.info({ processId: proc.id, blockIndex: proc.block_index }, 'activity workflow cancelled')
    lines.push(
      `已取消运营活动设计${proc.enterprise_name ? `（${escapeMd(proc.enterprise_name)}）` : ''}。已生成的内容保存在记录 #${proc.id} 中。需要时发送「帮我设计一个运营活动」重新开始。`,
    )
  }
  if (running?.kind === 'pipeline' || (closed && runName)) {
    const name = running?.kind === 'pipeline' ? running.name! : runName!
    ctx.logger.info({ pipeline: name, runs: closed }, 'pipeline run cancelled')
    lines.push(`已取消「${name}」。已完成的部分照常发出；需要时把内容再发一次重新生成。`)
  }
  if (!lines.length) lines.push('当前没有进行中的任务。需要时直接发问题，或发送「帮我设计一个运营活动」开始活动设计。')
  await ctx.reply(lines.join('\n\n'))
}
