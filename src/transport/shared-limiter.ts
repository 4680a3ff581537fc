import type { Priority, SlidingWindowLimiter } from './rate-limiter.js'

/** A send budget several instances share (src/db/pg/send-budget.ts): 0 = taken, else ms to wait. */
export interface SharedBudget {
  take(key: string, limit: number, windowMs: number, reserve?: number): Promise<number>
}

/** What the delivery router and the OpenAPI client need of a limiter. */
export type Limiter = Pick<SlidingWindowLimiter, 'acquire' | 'size' | 'stats'>

/**
 * This instance's sliding window first (its waiters in order, short answers first), then the budget
 * shared with the other instances, so DingTalk's per-app and per-conversation limits hold for all of them
 * together. When the shared budget cannot be asked (database down), the local window alone decides.
 */
export class SharedLimiter implements Limiter {
  constructor(
    private readonly local: SlidingWindowLimiter,
    private readonly shared: SharedBudget,
    private readonly o: {
      readonly scope: string
      readonly limit: number
      readonly windowMs: number
      readonly reserveHigh?: number
    },
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async acquire(key: string, priority: Priority = 'high'): Promise<number> {
    const waited = await this.local.acquire(key, priority)
    const reserve = priority === 'low' ? (this.o.reserveHigh ?? 0) : 0
    let extra = 0
    for (;;) {
      let wait: number
      try {
        wait = await this.shared.take(`${this.o.scope}:${key}`, this.o.limit, this.o.windowMs, reserve)
      } catch {
        return waited + extra
      }
      if (wait <= 0) return waited + extra
      const ms = Math.min(wait, this.o.windowMs)
      await this.sleep(ms)
      extra += ms
    }
  }

  get size(): number {
    return this.local.size
  }

  stats(): ReturnType<SlidingWindowLimiter['stats']> {
    return this.local.stats()
  }
}
