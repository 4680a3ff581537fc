import { describe, expect, it } from 'vitest'
import type { BotContext, HandlerFn } from '../../src/bot/context.js'
import { lazyHandler } from '../../src/handlers/lazy.js'

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
})
