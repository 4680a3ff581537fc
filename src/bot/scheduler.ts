/**
 * Runs tasks with per-key ordering and a global concurrency cap: messages of one user in one
 * conversation run one after another, different users in parallel, at most `limit` at once. A slow
 * task only delays later tasks of the same key.
 */
export class KeyedScheduler {
  private running = 0
  private readonly waiting: Array<() => void> = []
  private readonly tails = new Map<string, Promise<void>>()
  private readonly pending = new Set<Promise<void>>()

  constructor(private readonly limit: number) {}

  /** Queues `task` behind earlier tasks of `key`. The returned promise settles when it ran (never rejects). */
  run(key: string, task: () => Promise<void>): Promise<void> {
    const prev = this.tails.get(key) ?? Promise.resolve()
    const next = prev.then(async () => {
      await this.acquire()
      try {
        await task()
      } catch {
        // tasks handle their own errors; the chain must go on
      } finally {
        this.release()
      }
    })
    this.tails.set(key, next)
    this.pending.add(next)
    void next.finally(() => {
      this.pending.delete(next)
      if (this.tails.get(key) === next) this.tails.delete(key)
    })
    return next
  }

  /**
   * Runs `task` at once, beside whatever `key` is running and outside the concurrency cap (short control
   * messages — 查看进度, 取消 — that must not wait behind a long generation). Tracked by idle().
   */
  runNow(task: () => Promise<void>): Promise<void> {
    const p = (async () => {
      try {
        await task()
      } catch {
        // tasks handle their own errors
      }
    })()
    this.pending.add(p)
    void p.finally(() => this.pending.delete(p))
    return p
  }

  private acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.running++
      return Promise.resolve()
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.running++
        resolve()
      }),
    )
  }

  private release(): void {
    this.running--
    this.waiting.shift()?.()
  }

  /** Tasks queued or running. */
  get size(): number {
    return this.pending.size
  }

  get active(): number {
    return this.running
  }

  /** Resolves when every queued task finished, or after `timeoutMs` (returns false then). */
  async idle(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (this.pending.size > 0) {
      const left = deadline - Date.now()
      if (left <= 0) return false
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.allSettled([...this.pending]),
        new Promise((r) => {
          timer = setTimeout(r, Math.min(left, 2 ** 31 - 1))
        }),
      ])
      clearTimeout(timer)
    }
    return true
  }
}
