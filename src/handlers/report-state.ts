import type { BotContext, HandlerFn } from '../bot/context.js'
import type { Decision } from '../bot/router.js'
import { parseChoice } from './report-apps.js'

/**
 * A document waiting for the user to pick how to interpret it ("回复数字"), kept in
 * conversation_state.workflow so the next message ("2") finds it — across restarts too. The extracted
 * text is stored (capped), so the file is not downloaded twice. A workflow that was active (an
 * activity design) is kept inside and put back once the pick is answered or dropped.
 */

export interface DocFacts {
  kind: string
  pages?: number
  slides?: number
  sheets?: string[]
  imagePages?: number
  chars: number
  truncated: boolean
  headings: string[]
}

export interface PendingReport {
  kind: 'report-pick'
  /** The message that carried the file. */
  msgId: string
  fileName: string
  text: string
  facts: DocFacts
  /** Text that came with the file (the user's question), if any. */
  question?: string
  options: Array<{ id: number; name: string }>
  at: number
  /** The workflow pointer (JSON) this pick displaced. */
  resume?: string | null
}

export interface ReportChoice {
  pending: PendingReport
  option: { id: number; name: string }
}

/** A pick left unanswered this long is dropped. */
export const PICK_TTL_MS = 6 * 3600_000

function rawWorkflow(ctx: BotContext): string | null {
  return ctx.conversation.workflow
}

export function loadPending(ctx: BotContext): PendingReport | undefined {
  const raw = rawWorkflow(ctx)
  if (!raw) return undefined
  try {
    const v = JSON.parse(raw) as PendingReport
    return v.kind === 'report-pick' && Array.isArray(v.options) && typeof v.text === 'string' ? v : undefined
  } catch {
    return undefined
  }
}

export function savePending(ctx: BotContext, p: Omit<PendingReport, 'kind' | 'resume' | 'at'>): void {
  const prev = loadPending(ctx)
  // A newer file replaces an older pick; the displaced workflow is the one the older pick kept.
  const resume = prev ? (prev.resume ?? null) : rawWorkflow(ctx)
  const value: PendingReport = { kind: 'report-pick', ...p, at: ctx.now(), resume }
  void ctx.conversation.setWorkflow(JSON.stringify(value), ctx.now())
}

/** Ends the pick and puts back the workflow it displaced. */
export function clearPending(ctx: BotContext, p: PendingReport): void {
  void ctx.conversation.setWorkflow(p.resume ?? null, ctx.now())
}

/**
 * Router stage 'workflow' (before the activity workflow): a number or an app name answers the pending
 * pick → intent 'report'. Anything else drops the pick (with a note) and is routed as usual.
 */
export function reportPickResolver(ctx: BotContext): Decision | undefined {
  const p = loadPending(ctx)
  if (!p) return undefined
  if (ctx.msg.msgtype !== undefined && !['text', 'richText', 'audio'].includes(ctx.msg.msgtype)) return undefined
  if (ctx.now() - p.at > PICK_TTL_MS) {
    clearPending(ctx, p)
    return undefined
  }
  const option = parseChoice(ctx.text, p.options)
  if (option) {
    ctx.state.reportChoice = { pending: p, option } satisfies ReportChoice
    return { intent: 'report' }
  }
  clearPending(ctx, p)
  ctx.notes.push(`之前发来的「${p.fileName}」没有选择解读方式，已放下；需要时重新发送文件即可。`)
  return undefined
}

/** 取消 also ends a pending pick (then the wrapped handler, e.g. the activity's cancel, is not needed). */
export function withReportCancel(next: HandlerFn): HandlerFn {
  return async (ctx) => {
    const p = loadPending(ctx)
    if (!p) return next(ctx)
    clearPending(ctx, p)
    await ctx.reply(`好的，「${p.fileName}」不解读了。需要时重新发送文件即可。`)
  }
}
