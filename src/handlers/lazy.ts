import type { HandlerFn } from '../bot/context.js'

/**
 * A handler whose module is imported on its first message (issue 13: `andy ask` answers a search without
 * loading Excel export, report reading, pictures, the activity designer or the statistics charts). A failed
 * import is tried again on the next message.
 */
export function lazyHandler(load: () => Promise<HandlerFn>): HandlerFn {
  let loading: Promise<HandlerFn> | undefined
  return async (ctx) => {
    loading ??= load().catch((err: unknown) => {
      loading = undefined
      throw err
    })
    return (await loading)(ctx)
  }
}
