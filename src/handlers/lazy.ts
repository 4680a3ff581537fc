import type { HandlerFn } from '../bot/context.js'

/**
 * A handler whose module is imported on its first message (issue 13: `andy ask` answers a search without
 * loading Excel export, report reading, pictures, the activity designer or the statistics charts). A failed
 * import is tried again on the next message. A long-running process loads them all soon after it started
 * (preloadLazyHandlers), so no rep's first 导出 waits for the import.
 */
const loaders = new Set<() => Promise<unknown>>()

export function lazyHandler(load: () => Promise<HandlerFn>): HandlerFn {
  let loading: Promise<HandlerFn> | undefined
  const get = () =>
    (loading ??= load().catch((err: unknown) => {
      loading = undefined
      throw err
    }))
  loaders.add(get)
  return async (ctx) => (await get())(ctx)
}

/** Imports every lazily registered handler's module now (andy start, once connected); failures wait for their message. */
export async function preloadLazyHandlers(): Promise<void> {
  await Promise.allSettled([...loaders].map((get) => get()))
}

/**
 * preloadLazyHandlers after `delayMs`, in the background. `stop()` cancels a preload not yet begun and waits for
 * one under way, so a stopped bot leaves no import running behind it (in tests, the next file's environment).
 */
export function preloadLazyHandlersSoon(delayMs: number): { stop(): Promise<void> } {
  let running: Promise<void> | undefined
  const timer = setTimeout(() => {
    running = preloadLazyHandlers()
  }, delayMs)
  timer.unref()
  return {
    async stop() {
      clearTimeout(timer)
      await running
    },
  }
}
