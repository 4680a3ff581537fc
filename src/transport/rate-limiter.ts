/**
 * A sliding-window limiter keyed by a string (an API path, a conversation): at most `limit` acquisitions
 * in any `windowMs`. Callers wait for a slot rather than fail; waiters of one key are served in order.
 * Keys without recent use are dropped, so memory stays bounded by the number of active keys.
 */

export interface RateLimiterOptions {
  /** Max acquisitions per key within `windowMs`. */
  readonly limit: number
  readonly windowMs: number
  /** Time source for the window (it must advance with real time: the limiter sleeps). Default Date.now. */
  readonly now?: () => number
  /** Waits `ms` on that time source (tests pass a fake clock's sleep). Default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>
  /** Sweep idle keys once the map holds more than this many (default 1000). */
  readonly sweepAbove?: number
}

interface KeyState {
  /** Start times of the last `limit` acquisitions, oldest first. */
  readonly stamps: number[]
  /** Tail of the per-key queue: the next acquirer waits for it. */
  tail: Promise<void>
  pending: number
}

export class SlidingWindowLimiter {
  private readonly keys = new Map<string, KeyState>()
  private readonly now: () => number
  private readonly sleep: (ms: number) => Promise<void>
  private readonly sweepAbove: number
  /** Size at which the next sweep runs: doubles when a sweep frees little, so busy maps are not rescanned per new key. */
  private nextSweep: number
  private waitedMs = 0
  private waits = 0

  constructor(private readonly opts: RateLimiterOptions) {
    if (!(opts.limit >= 1) || !(opts.windowMs > 0)) throw new Error('SlidingWindowLimiter: limit ≥ 1 and windowMs > 0 are required')
    this.now = opts.now ?? Date.now
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
    this.sweepAbove = opts.sweepAbove ?? 1000
    this.nextSweep = this.sweepAbove
  }

  /** Resolves when a slot for `key` is free (at once when under the limit); returns the ms waited. */
  acquire(key: string): Promise<number> {
    let st = this.keys.get(key)
    if (!st) {
      if (this.keys.size >= this.nextSweep) this.sweep()
      st = { stamps: [], tail: Promise.resolve(), pending: 0 }
      this.keys.set(key, st)
    }
    const state = st
    state.pending++
    const start = this.now()
    const turn = state.tail.then(() => this.take(state))
    state.tail = turn.catch(() => undefined)
    return turn.then(
      () => {
        state.pending--
        const waited = this.now() - start
        if (waited > 0) {
          this.waits++
          this.waitedMs += waited
        }
        return waited
      },
      (err: unknown) => {
        state.pending--
        throw err
      },
    )
  }

  /** Active keys (for tests and metrics). */
  get size(): number {
    return this.keys.size
  }

  stats(): { keys: number; waits: number; waitedMs: number } {
    return { keys: this.keys.size, waits: this.waits, waitedMs: this.waitedMs }
  }

  /** Drops keys with no waiter and no acquisition inside the window. */
  sweep(): void {
    const cutoff = this.now() - this.opts.windowMs
    for (const [key, st] of this.keys) {
      const last = st.stamps.at(-1)
      if (st.pending === 0 && (last === undefined || last <= cutoff)) this.keys.delete(key)
    }
    this.nextSweep = Math.max(this.sweepAbove, this.keys.size * 2)
  }

  private async take(st: KeyState): Promise<void> {
    const { limit, windowMs } = this.opts
    for (;;) {
      const now = this.now()
      while (st.stamps.length > 0 && st.stamps[0]! <= now - windowMs) st.stamps.shift()
      if (st.stamps.length < limit) {
        st.stamps.push(now)
        return
      }
      const delay = st.stamps[0]! + windowMs - now
      await this.sleep(Math.max(1, delay))
    }
  }
}
