import type { BotContext } from '../bot/context.js'
import type { Decision } from '../bot/router.js'
import { localMonth, localYear } from '../core/clock.js'
import { storesOf } from '../db/stores/index.js'
import { parseSentence } from '../search/parser.js'
import { labelledInputs } from './activity-inputs.js'
import { DONE_INDEX, stepAt } from './activity-steps.js'

/**
 * The active workflow of a user in a conversation (conversation_state.workflow) and router stage
 * 'workflow': while a workflow runs, its commands and answers go to it, but control words (帮助, 更多,
 * 导出, 取消 — stage 'control' comes first) and clear search questions still get their normal answer,
 * with a note that the workflow waits; the next answer continues it.
 */

export interface WorkflowRun {
  /** The message that started the run (a redelivery after a restart replays and continues it). */
  msgId: string
  /** block_index when the run started. */
  from: number
  /** The first reply of the run (kept so a replay sends exactly the same parts). */
  intro: string
  /** Only one step (重新生成). */
  single?: boolean
}

export interface WorkflowPointer {
  kind: 'activity'
  processId: number
  run?: WorkflowRun
}

export type WorkflowCommand = 'continue' | 'regenerate' | 'back' | 'progress'

const COMMANDS: Record<string, WorkflowCommand> = {
  继续: 'continue',
  接着: 'continue',
  继续生成: 'continue',
  接着做: 'continue',
  下一步: 'continue',
  开始生成: 'continue',
  开始: 'continue',
  重新生成: 'regenerate',
  重来: 'regenerate',
  重写: 'regenerate',
  换一批: 'regenerate',
  再生成: 'regenerate',
  重新来: 'regenerate',
  上一步: 'back',
  返回上一步: 'back',
  返回: 'back',
  后退: 'back',
  退回: 'back',
  查看进度: 'progress',
  进度: 'progress',
  看进度: 'progress',
  当前进度: 'progress',
}

export function commandOf(text: string): WorkflowCommand | undefined {
  return COMMANDS[
    text
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[\s。.!！~～,，]+/g, '')
  ]
}

/** An activity's pointer in a stored workflow value (undefined: none, or another workflow's); throws when unreadable. */
function pointerIn(raw: string | null | undefined): WorkflowPointer | undefined {
  if (!raw) return undefined
  const wf = JSON.parse(raw) as WorkflowPointer
  return wf.kind === 'activity' && Number.isInteger(wf.processId) ? wf : undefined
}

export function loadWorkflow(ctx: BotContext): WorkflowPointer | undefined {
  try {
    return pointerIn(ctx.conversation.workflow)
  } catch {
    ctx.logger.warn('unreadable workflow pointer ignored')
    return undefined
  }
}

/** The pointer as stored now: another instance may have changed it (取消) since this message's state was read. */
export async function storedWorkflow(ctx: BotContext): Promise<WorkflowPointer | undefined> {
  const row = await storesOf(ctx.deps).state.get(ctx.conversationId, ctx.userId)
  try {
    return pointerIn(row?.workflow)
  } catch {
    return undefined
  }
}

export function saveWorkflow(ctx: BotContext, wf: WorkflowPointer | null): void {
  void ctx.conversation.setWorkflow(wf ? JSON.stringify(wf) : null, ctx.now())
}

const SEARCH_PREFIX =
  /^\s*(?:\/|(?:客户案例|案例|打单方案|打单|竞对切换|竞品切换|竞对|竞品|采购|售卖|内容售卖|软件客户|平台客户|软件)\s*[:：])/
const QUESTION_CUE = /(哪些|有没有|有什么|找一?下|查一?下|搜一?下|帮我找|帮我查|看看|列出|多少|吗|？|\?)/
const SEARCH_ENDING = /(案例|打单方案|方案有哪些|客户|采购记录|记录)$/
/** Other features asked for by name: answered normally while the workflow waits. */
const OTHER_FEATURE = /(人才发展|会议评审|评审会议|会议纪要评审|使用次数|使用情况|使用统计|用量统计|^统计|报告解读)/

/** A sentence that is clearly a search question (or asks for another feature), not an answer to the workflow. */
export function looksLikeSearch(ctx: BotContext): boolean {
  const text = ctx.text.normalize('NFKC').trim()
  if (SEARCH_PREFIX.test(text) || OTHER_FEATURE.test(text)) return true
  if (Object.keys(labelledInputs(text)).length) return false
  const parsed = parseSentence(text, {
    dict: ctx.deps.dictionary.get(),
    nowYear: localYear(ctx.now()),
    nowMonth: localMonth(ctx.now()),
  })
  if (!parsed.table || (parsed.intentSource !== 'words' && parsed.intentSource !== 'competitor')) return false
  return QUESTION_CUE.test(text) || SEARCH_ENDING.test(text.replace(/[。.!！?？\s]+$/, ''))
}

/** Where the workflow stands, for the note on an interleaved answer. */
export function waitingLabel(blockIndex: number): string {
  if (blockIndex <= 0) return '等待补充活动信息'
  const step = stepAt(blockIndex)
  if (!step) return '已完成'
  return step.kind === 'pick' ? `等待你${step.label}` : `暂停在「${step.label}」`
}

export async function workflowResolver(ctx: BotContext): Promise<Decision | undefined> {
  // Without an LLM (configuration removed) a stored workflow must not capture every message.
  if (!ctx.deps.llm) return undefined
  const wf = loadWorkflow(ctx)
  if (!wf) return undefined
  const proc = await storesOf(ctx.deps).workflows.processData.get(wf.processId)
  if (!proc) return undefined
  if (wf.run?.msgId === ctx.msg.msgId) return { intent: 'activity' }
  if (commandOf(ctx.text)) return { intent: 'activity' }
  if (proc.block_index >= DONE_INDEX) return undefined
  if (ctx.msg.msgtype !== undefined && !['text', 'richText', 'audio'].includes(ctx.msg.msgtype)) return undefined
  if (looksLikeSearch(ctx)) {
    ctx.notes.push(
      `你的运营活动设计还在进行（${waitingLabel(proc.block_index)}），看完后直接回复即可继续，或回复 **继续**。`,
    )
    return undefined
  }
  return { intent: 'activity' }
}
