import type { AppDeps } from '../bot/context.js'
import type { Router } from '../bot/router.js'
import { helpHandler } from './help.js'
import { moreHandler } from './more.js'
import { registerResolvers } from './resolvers.js'
import { searchHandler } from './search.js'
import { quotaHandler, unavailableHandler, unsupportedHandler } from './unavailable.js'

/**
 * Registers every resolver and handler. Later features add their own here; `unavailable` answers any
 * intent without a handler and must stay registered.
 */
export function registerHandlers(router: Router, _deps: AppDeps): void {
  registerResolvers(router)
  for (const intent of ['case', 'pitch', 'switch', 'procurement', 'software']) router.handle(intent, searchHandler)
  router.handle('more', moreHandler)
  router.handle('help', helpHandler)
  router.handle('unsupported', unsupportedHandler)
  router.handle('quota', quotaHandler)
  router.handle('unavailable', unavailableHandler)
}
