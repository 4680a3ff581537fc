import type { InboxSource, RobotMessage } from '../core/message.js'
import { senderId } from '../core/message.js'
import type { BotContext } from './context.js'

/**
 * Who may use Andy and how often (issue 3 §4–5), decided before a message reaches the router.
 *
 * - Access: with ANDY_ALLOWED_CORP_IDS set, a message is admitted only when its org is in the list. The
 *   org is `senderCorpId`; when DingTalk leaves it out, `chatbotCorpId` stands in only if the sender has a
 *   staff id (DingTalk gives staff ids to members of the robot's own org only; dingtalk.md §2.1). No org
 *   at all → refused: the allow-list fails closed.
 * - Rate: at most ANDY_USER_RATE_PER_MIN admitted messages per sender in any sliding minute. Refused
 *   messages do not count, so a user who keeps typing is served again as soon as the oldest admitted
 *   message leaves the window.
 * - No reply storms: a rate-limited sender is told at most once per window; an unknown org at most once
 *   per conversation per hour. Every refusal is still recorded and logged by the caller.
 *
 * Local messages (andy chat / ask: the operator's own terminal) and DingTalk's org-quota callbacks
 * (errorCode without content, answered by nobody) are always admitted. Memory is bounded: senders and
 * conversations without recent activity are swept once the maps grow; refused conversations are also capped.
 */

export type Verdict =
  | { readonly ok: true }
  | {
      readonly ok: false
      readonly reason: 'rate_limited' | 'forbidden'
      /** Whether this refusal should be answered (the first one of its window). */
      readonly notify: boolean
      /** For the log and the inbox's last_error. */
      readonly detail: string
    }

export interface AdmissionOptions {
  readonly allowedCorpIds: readonly string[]
  readonly ratePerMin: number
  /** Rate window (default 60 000 ms). */
  readonly windowMs?: number
  /** A conversation from an unknown org is answered at most once per this (default 1 h). */
  readonly refusalIntervalMs?: number
  /** Sweep idle entries once a map holds this many (default 10 000). */
  readonly sweepAbove?: number
}

interface SenderState {
  /** Admission times inside the window, oldest first (at most `ratePerMin`). */
  readonly stamps: number[]
  notifiedAt: number | undefined
}

export const ADMITTED: Verdict = Object.freeze({ ok: true })

export function rateLimitedText(perMin: number): string {
  return `消息有点多啦：每人每分钟最多处理 ${perMin} 条。这条没有处理，请稍等一分钟再发（这段时间内超出的消息不再逐条提醒）。`
}

export const FORBIDDEN_TEXT =
  '抱歉，Andy 只为本公司的同事提供服务，无法处理来自其他组织的消息。如需使用，请联系本公司的管理员。'

/** A callback that only reports an org quota problem (errorCode 20001): the router records it, nobody answers. */
export function isQuotaCallback(msg: RobotMessage): boolean {
  return msg.errorCode !== undefined && msg.errorCode !== '' && !msg.text && !msg.content
}

/** The org a message comes from, as used for ANDY_ALLOWED_CORP_IDS (see the module comment). */
export function corpOf(msg: RobotMessage): string | undefined {
  if (msg.senderCorpId) return msg.senderCorpId
  return msg.senderStaffId && msg.chatbotCorpId ? msg.chatbotCorpId : undefined
}

export class Admission {
  private readonly senders = new Map<string, SenderState>()
  private readonly refusals = new Map<string, number>()
  /** Verdicts by msgId (the newest sweepAbove), so a message checked twice counts once. */
  private readonly decided = new Map<string, Verdict>()
  private readonly allowed: ReadonlySet<string>
  private readonly windowMs: number
  private readonly refusalMs: number
  private readonly sweepAbove: number
  private nextSenderSweep: number

  constructor(private readonly opts: AdmissionOptions) {
    this.allowed = new Set(opts.allowedCorpIds)
    this.windowMs = opts.windowMs ?? 60_000
    this.refusalMs = opts.refusalIntervalMs ?? 3_600_000
    this.sweepAbove = opts.sweepAbove ?? 10_000
    this.nextSenderSweep = this.sweepAbove
  }

  /**
   * Decides about one message received at `at` (ms). Call in arrival order: admitted messages use up the
   * sender's rate. A message checked again (several instances: taken later, after another instance's
   * lease or this user's earlier message) gets its first verdict and uses up nothing more.
   */
  check(source: InboxSource, msg: RobotMessage, at: number): Verdict {
    if (source === 'local' || isQuotaCallback(msg)) return ADMITTED
    const known = this.decided.get(msg.msgId)
    if (known) return known
    const verdict = this.decide(msg, at)
    if (this.decided.size >= this.sweepAbove) this.decided.delete(this.decided.keys().next().value!)
    this.decided.set(msg.msgId, verdict)
    return verdict
  }

  private decide(msg: RobotMessage, at: number): Verdict {
    if (this.allowed.size > 0) {
      const corp = corpOf(msg)
      if (corp === undefined || !this.allowed.has(corp)) return this.refuse(msg, corp, at)
    }
    return this.rate(senderId(msg), at)
  }

  /** Senders and conversations currently remembered (bounded; for the bench and tests). */
  get size(): { senders: number; refusals: number } {
    return { senders: this.senders.size, refusals: this.refusals.size }
  }

  private refuse(msg: RobotMessage, corp: string | undefined, at: number): Verdict {
    const key = msg.conversationId || senderId(msg)
    const last = this.refusals.get(key)
    const notify = last === undefined || at - last >= this.refusalMs
    if (notify) {
      if (this.refusals.size >= this.sweepAbove) this.sweepRefusals(at)
      this.refusals.delete(key) // re-insert: Map order stays oldest-first for the sweep
      this.refusals.set(key, at)
    }
    return {
      ok: false,
      reason: 'forbidden',
      notify,
      detail: `corpId ${corp ?? '(none)'} is not in ANDY_ALLOWED_CORP_IDS`,
    }
  }

  private rate(sender: string, at: number): Verdict {
    let st = this.senders.get(sender)
    if (!st) {
      if (this.senders.size >= this.nextSenderSweep) this.sweepSenders(at)
      st = { stamps: [], notifiedAt: undefined }
      this.senders.set(sender, st)
    }
    const cutoff = at - this.windowMs
    while (st.stamps.length > 0 && st.stamps[0]! <= cutoff) st.stamps.shift()
    if (st.stamps.length < this.opts.ratePerMin) {
      st.stamps.push(at)
      return ADMITTED
    }
    const notify = st.notifiedAt === undefined || at - st.notifiedAt >= this.windowMs
    if (notify) st.notifiedAt = at
    return {
      ok: false,
      reason: 'rate_limited',
      notify,
      detail: `more than ${this.opts.ratePerMin} messages per minute from ${sender}`,
    }
  }

  private sweepSenders(at: number): void {
    const cutoff = at - this.windowMs
    for (const [key, st] of this.senders) {
      const last = st.stamps.at(-1) ?? Number.NEGATIVE_INFINITY
      if (last <= cutoff && (st.notifiedAt === undefined || st.notifiedAt <= cutoff)) this.senders.delete(key)
    }
    // Everyone left was active within the window: let the map grow, but sweep again before it doubles.
    this.nextSenderSweep = Math.max(this.sweepAbove, this.senders.size * 2)
  }

  /** Drops expired refusals; past the cap the oldest go too (worst case: an outsider is told twice in an hour). */
  private sweepRefusals(at: number): void {
    const cutoff = at - this.refusalMs
    const excess = this.refusals.size - Math.floor(this.sweepAbove / 2)
    let dropped = 0
    for (const [key, t] of this.refusals) {
      if (t > cutoff && dropped >= excess) break // oldest first
      this.refusals.delete(key)
      dropped++
    }
  }
}

/** Records a refused message on its context and answers it when `verdict.notify` (never throws). */
export async function refuseMessage(ctx: BotContext, verdict: Extract<Verdict, { ok: false }>): Promise<void> {
  ctx.intent = verdict.reason
  ctx.result.intent = verdict.reason
  ctx.result.status = 'rejected'
  ctx.result.error = verdict.reason
  const corp = corpOf(ctx.msg)
  ctx.logger.warn(
    { reason: verdict.reason, corpId: corp, userId: ctx.userId, notify: verdict.notify, detail: verdict.detail },
    'message refused',
  )
  if (!verdict.notify) return
  try {
    await ctx.reply(verdict.reason === 'forbidden' ? FORBIDDEN_TEXT : rateLimitedText(ctx.deps.config.userRatePerMin))
  } catch (err) {
    ctx.logger.error({ err }, 'could not deliver the refusal')
  }
}
