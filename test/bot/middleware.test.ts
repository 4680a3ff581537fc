import { describe, expect, it } from 'vitest'
import { compose, type Middleware, NextCalledTwice } from '../../src/bot/middleware.js'

describe('middleware chain (as grammY composes it)', () => {
  it('runs the middleware in order, each around the rest of the chain', async () => {
    const seen: string[] = []
    const mw =
      (name: string): Middleware<string[]> =>
      async (log, next) => {
        log.push(`${name} in`)
        await next()
        log.push(`${name} out`)
      }
    await compose([mw('record'), mw('admit'), mw('deadline')])(seen, async () => {
      seen.push('route')
    })
    expect(seen).toEqual(['record in', 'admit in', 'deadline in', 'route', 'deadline out', 'admit out', 'record out'])
  })

  it('stops where a middleware does not call next (a refused message never reaches the router)', async () => {
    const seen: string[] = []
    await compose<string[]>([
      async (log, next) => {
        log.push('record')
        await next()
      },
      async (log) => {
        log.push('refused')
      },
      async (log) => {
        log.push('router')
      },
    ])(seen)
    expect(seen).toEqual(['record', 'refused'])
  })

  it('throws when a middleware calls next twice, and the rest of the chain runs only once', async () => {
    let handled = 0
    const run = compose<null>([
      async (_, next) => {
        await next()
        await next()
      },
      async () => {
        handled++
      },
    ])
    await expect(run(null)).rejects.toBeInstanceOf(NextCalledTwice)
    expect(handled).toBe(1)
  })

  it('lets an error from inside the chain reach the middleware around it (the error boundary)', async () => {
    const caught: string[] = []
    await compose<null>([
      async (_, next) => {
        try {
          await next()
        } catch (err) {
          caught.push((err as Error).message)
        }
      },
      async () => {
        throw new Error('handler broke')
      },
    ])(null)
    expect(caught).toEqual(['handler broke'])
  })
})
