import type { LimiterTimers } from '../../src/transport/rate-limiter.js'

/**
 * A manual clock for code that sleeps with timers (the rate limiter): time moves only when the test
 * says so, and due timers run in time order. Nothing depends on the machine's speed.
 */
export class FakeClock implements LimiterTimers {
  private t: number
  private seq = 0
  private readonly timers = new Map<number, { at: number; fn: () => void }>()

  constructor(start = Date.parse('2026-11-28T02:00:00Z')) {
    this.t = start
  }

  readonly now = (): number => this.t

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number)
  }

  /** Moves time forward by `ms`, running every timer that falls due (in order), and lets promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e
      if (!next) break
      this.timers.delete(next[0])
      this.t = next[1].at
      next[1].fn()
      await settle()
    }
    this.t = end
    await settle()
  }
}

/** Lets pending promise callbacks run (a few macrotask turns). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}
