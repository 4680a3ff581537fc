import type { BotContext } from '../bot/context.js'
import { storesOf } from '../db/stores/index.js'
import type { RunningRow } from '../db/stores/types.js'
import { GEN_STEPS, genPosition, stepAt } from './activity-steps.js'
import { pipelineOfStepType } from './pipeline-specs.js'
import { loadWorkflow } from './workflow.js'

/**
 * 查看进度 and 取消 for a generation running on ANOTHER instance (PostgreSQL): that instance's live
 * registry is out of reach, so what runs is read from the shared state — the user's message processing
 * there, the activity design's pointer and record, the pipeline run — and 取消 is announced to every
 * instance (NOTIFY): the one running the message aborts its generation at once.
 */

/** What runs elsewhere, as 查看进度 and 取消 name it. */
export interface RemoteRun {
  readonly row: RunningRow
  readonly kind: 'activity' | 'pipeline' | 'message'
  /** 运营活动设计 / 人才发展 / 会议评审 (kind message: undefined). */
  readonly name?: string
  /** The step being generated: 「活动名称」, 「行动项清单」. */
  readonly step?: string
  /** "「会议评审」正在生成第 2/2 部分「行动项清单」，已用时 12 秒". */
  readonly text: string
}

/** How long 取消 waits for the generation stopped on another instance to end before replying anyway. */
const CANCEL_WAIT_MS = 10_000
const POLL_MS = 100

/** The user's message being handled by another instance now, described from the shared state; undefined when none. */
export async function runningElsewhere(ctx: BotContext): Promise<RemoteRun | undefined> {
  const { inbox, workflows, llm } = storesOf(ctx.deps)
  const row = await inbox.runningElsewhere(ctx.inboxId, ctx.now(), ctx.deps.config.cluster.instanceId)
  if (!row) return undefined
  const secs = (t: number) => Math.max(0, Math.round((ctx.now() - t) / 1000))
  const wf = loadWorkflow(ctx)
  if (wf?.run?.msgId === row.msg_id) {
    const p = await workflows.processData.get(wf.processId)
    const step = p && stepAt(p.block_index)
    if (p && step?.kind === 'gen') {
      const at = `(${genPosition(step.field)}/${GEN_STEPS.length})「${step.label}」`
      return {
        row,
        kind: 'activity',
        name: '运营活动设计',
        step: step.label,
        text: `「运营活动设计」正在生成 ${at}，这一步已用时 ${secs(p.updated_at)} 秒`,
      }
    }
  }
  const run = await workflows.pipelineRuns.unfinished(ctx.conversationId, ctx.userId)
  const spec = run?.status === 'running' ? pipelineOfStepType(run.stepType)?.[1] : undefined
  if (run && spec) {
    const rows = await llm.prompts.steps({ version: run.version, stepTypes: [run.stepType] })
    const k = run.sections.length
    const step = rows[k]?.step_name ?? spec.name
    return {
      row,
      kind: 'pipeline',
      name: spec.name,
      step,
      text: `「${spec.name}」正在生成第 ${k + 1}/${rows.length} 部分「${step}」，已用时 ${secs(run.updatedAt)} 秒`,
    }
  }
  return { row, kind: 'message', text: `你的上一条消息正在处理中（已用时 ${secs(row.updated_at)} 秒）` }
}

/**
 * 取消 of a generation on another instance: announced (the instance running it aborts its LLM call), then
 * awaited — its message finished, so what it finished before went out first — a few seconds at most.
 */
export async function stopElsewhere(ctx: BotContext, remote: RemoteRun): Promise<void> {
  const { inbox } = storesOf(ctx.deps)
  await inbox.cancelElsewhere(remote.row.msg_id)
  ctx.logger.info(
    { inboxId: remote.row.id, owner: remote.row.lease_owner },
    '取消 announced to the instance running it',
  )
  const until = Date.now() + CANCEL_WAIT_MS
  while (Date.now() < until) {
    const row = await inbox.get(remote.row.id)
    if (!row || (row.status !== 'processing' && row.status !== 'received')) return
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  ctx.logger.warn({ inboxId: remote.row.id }, 'the stopped generation did not end in time; replying anyway')
}
