import { describe, expect, it } from 'vitest'
import type { BotContext, HandlerFn } from '../../src/bot/context.js'
import { lazyHandler, preloadLazyHandlers } from '../../src/handlers/lazy.js'

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
})
