import { describe, expect, it } from 'vitest'
import { SlidingWindowLimiter } from '../../src/transport/rate-limiter.js'
import { FakeClock, settle } from '../helpers/fake-clock.js'

/**
 * The per-conversation send budget (20 messages a minute) on a fake clock: bulk pipeline output may use
 * only part of a window, and short answers go first, so one rep's activity design never silences a group.
 */

function limiter(clock: FakeClock, reserveHigh = 5): SlidingWindowLimiter {
  return new SlidingWindowLimiter({ limit: 20, windowMs: 60_000, reserveHigh, now: clock.now, timers: clock })
}

describe('SlidingWindowLimiter priorities', () => {
  it('lets a short answer through at once while 30 bulk parts wait their turn', async () => {
    const clock = new FakeClock()
    const l = limiter(clock)
    const done: string[] = []
    const bulk = Array.from({ length: 30 }, (_, i) => l.acquire('group', 'low').then((w) => done.push(`b${i}:${w}`)))
    await settle()
    // 15 of 20 slots for bulk output; 5 stay free for short answers
    expect(done).toHaveLength(15)
    await clock.advance(1000)
    const help = await l.acquire('group', 'high')
    expect(help).toBe(0)
    // four more short answers fit in the same window; the sixth waits (the window is full)
    for (let i = 0; i < 4; i++) expect(await l.acquire('group')).toBe(0)
    let sixth: number | undefined
    void l.acquire('group').then((w) => (sixth = w))
    await settle()
    expect(sixth).toBeUndefined()
    // when the first slots free up (60 s after the bulk parts started), the waiting short answer goes first
    await clock.advance(59_000)
    expect(sixth).toBe(59_000)
    // the 15 bulk slots of the first window are free again, less the one the short answer took: 9 more
    expect(done).toHaveLength(15 + 9)
    // a second later the five short answers of t = 1 s leave the window: bulk is back at its 15
    await clock.advance(1000)
    expect(done).toHaveLength(15 + 9 + 5)
    await clock.advance(60_000)
    await Promise.all(bulk)
    expect(done).toHaveLength(30)
    // never more than 20 in any minute: the last bulk part waited for the second window
    expect(Number(done.at(-1)!.split(':')[1])).toBeGreaterThanOrEqual(60_000)
  })

  it('serves one priority in order and other keys independently', async () => {
    const clock = new FakeClock()
    const l = new SlidingWindowLimiter({ limit: 2, windowMs: 1000, now: clock.now, timers: clock })
    const order: number[] = []
    const all = [1, 2, 3, 4, 5].map((n) => l.acquire('a').then(() => order.push(n)))
    expect(await l.acquire('b')).toBe(0)
    await settle()
    expect(order).toEqual([1, 2])
    await clock.advance(1000)
    expect(order).toEqual([1, 2, 3, 4])
    await clock.advance(1000)
    await Promise.all(all)
    expect(order).toEqual([1, 2, 3, 4, 5])
  })
})
