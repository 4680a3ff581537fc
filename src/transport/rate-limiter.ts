/**
 * A sliding-window limiter keyed by a string (an API path, a conversation): at most `limit` acquisitions
 * in any `windowMs`. Callers wait for a slot rather than fail. Keys without recent use are dropped, so
 * memory stays bounded by the number of active keys.
 *
 * Two priorities: 'high' (the default: short answers — a search, 帮助, 查看进度) and 'low' (bulk output of
 * a long pipeline). High waiters are served before low ones, and low ones may use at most
 * `limit - reserveHigh` slots of a window, so a long activity design never fills a group's budget and
 * another rep's question is answered at once. Waiters of one priority are served in order.
 */

/** Timer functions (tests pass a fake clock's; the default is the real ones). */
export interface LimiterTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface RateLimiterOptions {
  /** Max acquisitions per key within `windowMs`. */
  readonly limit: number
  readonly windowMs: number
  /** Slots of every window that low-priority acquisitions leave to high-priority ones (default 0). */
  readonly reserveHigh?: number
  /** Time source for the window. Default Date.now. */
  readonly now?: () => number
  /** Timers the limiter sleeps with (default: the global ones); must agree with `now`. */
  readonly timers?: LimiterTimers
  /** Sweep idle keys once the map holds more than this many (default 1000). */
  readonly sweepAbove?: number
}

export type Priority = 'high' | 'low'

interface Waiter {
  readonly high: boolean
  readonly start: number
  readonly resolve: (waited: number) => void
}

interface KeyState {
  /** Start times of the acquisitions inside the window, oldest first. */
  readonly stamps: number[]
  readonly waiters: Waiter[]
  timer?: unknown
}

const realTimers: LimiterTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
}

export class SlidingWindowLimiter {
  private readonly keys = new Map<string, KeyState>()
  private readonly now: () => number
  private readonly timers: LimiterTimers
  private readonly sweepAbove: number
  private readonly lowCap: number
  /** Size at which the next sweep runs: doubles when a sweep frees little, so busy maps are not rescanned per new key. */
  private nextSweep: number
  private waitedMs = 0
  private waits = 0

  constructor(private readonly opts: RateLimiterOptions) {
    if (!(opts.limit >= 1) || !(opts.windowMs > 0))
      throw new Error('SlidingWindowLimiter: limit ≥ 1 and windowMs > 0 are required')
    this.now = opts.now ?? Date.now
    this.timers = opts.timers ?? realTimers
    this.sweepAbove = opts.sweepAbove ?? 1000
    this.nextSweep = this.sweepAbove
    this.lowCap = Math.max(1, opts.limit - Math.max(0, opts.reserveHigh ?? 0))
  }

  /** Resolves when a slot for `key` is free (at once when under the limit); returns the ms waited. */
  acquire(key: string, priority: Priority = 'high'): Promise<number> {
    let st = this.keys.get(key)
    if (!st) {
      if (this.keys.size >= this.nextSweep) this.sweep()
      st = { stamps: [], waiters: [] }
      this.keys.set(key, st)
    }
    const state = st
    return new Promise<number>((resolve) => {
      state.waiters.push({ high: priority === 'high', start: this.now(), resolve })
      this.pump(state)
    })
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
      if (st.waiters.length === 0 && (last === undefined || last <= cutoff)) this.keys.delete(key)
    }
    this.nextSweep = Math.max(this.sweepAbove, this.keys.size * 2)
  }

  /** The next waiter to serve: the first high one, else the first low one. */
  private static next(st: KeyState): number {
    const i = st.waiters.findIndex((w) => w.high)
    return i >= 0 ? i : 0
  }

  /** Serves every waiter that fits in the window now; sleeps until the next one can be served. */
  private pump(st: KeyState): void {
    if (st.timer !== undefined) {
      this.timers.clearTimeout(st.timer)
      st.timer = undefined
    }
    const { limit, windowMs } = this.opts
    const now = this.now()
    while (st.stamps.length > 0 && st.stamps[0]! <= now - windowMs) st.stamps.shift()
    while (st.waiters.length > 0) {
      const i = SlidingWindowLimiter.next(st)
      const w = st.waiters[i]!
      const cap = w.high ? limit : this.lowCap
      if (st.stamps.length >= cap) {
        // Free when the stamp that keeps the window at `cap` leaves it.
        const delay = st.stamps[st.stamps.length - cap]! + windowMs - now
        st.timer = this.timers.setTimeout(
          () => {
            st.timer = undefined
            this.pump(st)
          },
          Math.max(1, delay),
        )
        return
      }
      st.waiters.splice(i, 1)
      st.stamps.push(now)
      const waited = now - w.start
      if (waited > 0) {
        this.waits++
        this.waitedMs += waited
      }
      w.resolve(waited)
    }
  }
}
