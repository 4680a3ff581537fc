import type { AppDeps, BotContext } from './context.js'

/**
 * The generations running right now in this process, one per user and conversation (运营活动设计,
 * 人才发展, 会议评审): what they are doing, for 查看进度, and how to stop them, for 取消. 查看进度 and 取消
 * do not wait in the sender's queue behind the running generation (inbox-runner.ts runs them at once), so
 * they read and act on this registry while the generation's own message is still being handled. On
 * PostgreSQL a 取消 received by another instance reaches this one by NOTIFY (cancelMessage).
 *
 * A run's AbortController is part of every LLM call its message makes (cost.ts chatFor): 取消 aborts the
 * call in flight, and the pipeline, seeing `cancelled`, stops with RunCancelled after saving nothing more.
 */

export interface LiveStep {
  /** 「活动名称」, 「第 2 部分：风险评估」. */
  readonly label: string
  /** 1-based position and total, as the user sees them ("(5/13)"). */
  readonly index: number
  readonly total: number
  readonly startedAt: number
}

export interface LiveRun {
  readonly kind: 'activity' | 'pipeline'
  /** 运营活动设计 / 人才发展 / 会议评审. */
  readonly name: string
  /** The message whose handler runs the generation. */
  readonly msgId: string
  readonly startedAt: number
  step?: LiveStep
  /** Labels of the steps this run finished. */
  readonly done: string[]
  cancelled: boolean
  readonly signal: AbortSignal
  /** Settles when the run has ended (its finished answers sent): 取消 replies after them. */
  readonly finished: Promise<void>
}

interface Entry extends LiveRun {
  readonly settle: () => void
  readonly controller: AbortController
  /** Nested begin() calls of the same message (a pipeline registers early, its sections again). */
  depth: number
}

export class LiveRuns {
  private readonly runs = new Map<string, Entry>()

  private static key(conversationId: string, userId: string): string {
    return `${conversationId}\u0000${userId}`
  }

  /** Registers the generation of this message (again: the same run); `end()` in a finally. */
  begin(ctx: BotContext, kind: LiveRun['kind'], name: string): { run: LiveRun; end(): void } {
    const key = LiveRuns.key(ctx.conversationId, ctx.userId)
    const existing = this.runs.get(key)
    let entry: Entry
    if (existing && existing.msgId === ctx.msg.msgId) {
      entry = existing
      entry.depth++
    } else {
      const controller = new AbortController()
      let settle!: () => void
      const finished = new Promise<void>((resolve) => (settle = resolve))
      entry = {
        kind,
        name,
        msgId: ctx.msg.msgId,
        startedAt: ctx.now(),
        done: [],
        cancelled: false,
        controller,
        signal: controller.signal,
        depth: 1,
        finished,
        settle,
      }
      this.runs.set(key, entry)
    }
    let ended = false
    return {
      run: entry,
      end: () => {
        if (ended) return
        ended = true
        if (--entry.depth > 0) return
        if (this.runs.get(key) === entry) this.runs.delete(key)
        entry.settle()
      },
    }
  }

  /** The generation running for this user in this conversation (started by any message). */
  current(ctx: BotContext): LiveRun | undefined {
    return this.runs.get(LiveRuns.key(ctx.conversationId, ctx.userId))
  }

  /** The abort signal of the generation this very message runs (undefined for other messages). */
  signalOf(ctx: BotContext): AbortSignal | undefined {
    const e = this.runs.get(LiveRuns.key(ctx.conversationId, ctx.userId))
    return e && e.msgId === ctx.msg.msgId ? e.signal : undefined
  }

  /** Marks the step being generated (shown by 查看进度). */
  step(run: LiveRun, label: string, index: number, total: number, now: number): void {
    if (run.step) run.done.push(run.step.label)
    run.step = { label, index, total, startedAt: now }
  }

  /** 取消: stops the running generation (its LLM call is aborted). Returns it, or undefined when none runs. */
  cancel(ctx: BotContext): LiveRun | undefined {
    const e = this.runs.get(LiveRuns.key(ctx.conversationId, ctx.userId))
    if (!e || e.msgId === ctx.msg.msgId) return undefined
    e.cancelled = true
    e.controller.abort(new Error('cancelled by the user (取消)'))
    return e
  }

  /** 取消 sent to another instance (PostgreSQL NOTIFY): stops the generation message `msgId` runs here, if any. */
  cancelMessage(msgId: string): LiveRun | undefined {
    const e = [...this.runs.values()].find((r) => r.msgId === msgId)
    if (!e) return undefined
    e.cancelled = true
    e.controller.abort(new Error('cancelled by the user (取消, on another instance)'))
    return e
  }
}

const registries = new WeakMap<AppDeps, LiveRuns>()

/** The registry of one app (its deps): handlers reach it through their context. */
export function liveRuns(deps: AppDeps): LiveRuns {
  let r = registries.get(deps)
  if (!r) registries.set(deps, (r = new LiveRuns()))
  return r
}

/** "正在生成 (5/13)「活动名称」，已用时 12 秒" for 查看进度. */
export function describeLive(run: LiveRun, now: number): string {
  const secs = (t: number) => Math.max(0, Math.round((now - t) / 1000))
  if (!run.step) return `「${run.name}」正在准备（已用时 ${secs(run.startedAt)} 秒）`
  const s = run.step
  return `「${run.name}」正在生成 (${s.index}/${s.total})「${s.label}」，这一步已用时 ${secs(s.startedAt)} 秒`
}
