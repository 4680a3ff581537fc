import { describe, expect, it, vi } from 'vitest'
import type { BotContext, HandlerFn } from '../../src/bot/context.js'
import { lazyHandler, preloadLazyHandlers, preloadLazyHandlersSoon } from '../../src/handlers/lazy.js'

describe('lazyHandler', () => {
  it('loads the module on the first message only, and again after a failed load', async () => {
    const seen: string[] = []
    let loads = 0
    const handler = lazyHandler(async () => {
      loads++
      if (loads === 1) throw new Error('module not found')
      const fn: HandlerFn = async (ctx) => void seen.push(ctx.text)
      return fn
    })
    const ctx = (text: string) => ({ text }) as BotContext
    await expect(handler(ctx('一'))).rejects.toThrow('module not found')
    await handler(ctx('二'))
    await handler(ctx('三'))
    expect(seen).toEqual(['二', '三'])
    expect(loads).toBe(2)
  })

  it('preloads every lazily registered module once (andy start), so the first message does not wait', async () => {
    let loads = 0
    const seen: string[] = []
    const handler = lazyHandler(async () => {
      loads++
      const fn: HandlerFn = async (ctx) => void seen.push(ctx.text)
      return fn
    })
    await preloadLazyHandlers()
    expect(loads).toBe(1)
    await handler({ text: '导出' } as BotContext)
    expect(seen).toEqual(['导出'])
    expect(loads).toBe(1)
  })

  it('a stopped bot leaves no preload behind: stop() cancels one not begun and waits for one under way', async () => {
    let release!: () => void
    const started: string[] = []
    const finished: string[] = []
    lazyHandler(async () => {
      started.push('load')
      await new Promise<void>((r) => (release = r))
      finished.push('load')
      return async () => undefined
    })
    vi.useFakeTimers()
    try {
      const early = preloadLazyHandlersSoon(1000)
      await early.stop()
      await vi.advanceTimersByTimeAsync(5000)
      expect(started).toEqual([])

      const late = preloadLazyHandlersSoon(1000)
      await vi.advanceTimersByTimeAsync(1000)
      expect(started).toEqual(['load'])
      let stopped = false
      const stopping = late.stop().then(() => (stopped = true))
      await vi.advanceTimersByTimeAsync(0)
      expect(stopped).toBe(false)
      release()
      await stopping
      expect(finished).toEqual(['load'])
    } finally {
      vi.useRealTimers()
    }
  })
})
