/**
 * An ordered chain of middleware, as grammY's (and koa's) composer runs it: each middleware gets the
 * context and `next`, which runs the rest of the chain. `next` may be called at most once — a second
 * call throws, since running the rest of the chain twice would handle (and answer) a message twice.
 * A middleware that does not call `next` ends the chain there (admission refusing a message).
 */
export type Next = () => Promise<void>
export type Middleware<C> = (ctx: C, next: Next) => Promise<void>

export class NextCalledTwice extends Error {
  constructor(index: number) {
    super(`next() called more than once by middleware #${index}`)
    this.name = 'NextCalledTwice'
  }
}

/** One middleware running the given ones in order; `last` runs after the last middleware calls `next`. */
export function compose<C>(middleware: readonly Middleware<C>[]): (ctx: C, last?: Next) => Promise<void> {
  const chain = [...middleware]
  return (ctx, last) => {
    const run = async (i: number): Promise<void> => {
      const mw = chain[i]
      if (!mw) return last?.()
      let called = false
      await mw(ctx, async () => {
        if (called) throw new NextCalledTwice(i)
        called = true
        await run(i + 1)
      })
    }
    return run(0)
  }
}
