import type { Stores } from '../db/stores/types.js'
import type { Logger } from '../logger.js'

/** A message this instance holds while it runs; `release` stops renewing its lease. */
export interface HeldMessage {
  release(): void
}

/**
 * Takes a stored message for this instance. On PostgreSQL it holds a lease (ANDY_LEASE_MS) renewed every
 * third of it while the message runs, so a live instance keeps its messages and a dead one's are resumed
 * by another after the lease expires. Undefined when it cannot be taken now: finished, held by another
 * live instance, or an earlier message of the same user is unfinished (it is taken later: poll/NOTIFY).
 */
export async function holdMessage(
  stores: Stores,
  inboxId: number,
  now: () => number,
  cluster: { readonly instanceId: string; readonly leaseMs: number },
  logger: Logger,
): Promise<HeldMessage | undefined> {
  const leased = stores.dialect === 'postgres'
  const lease = leased ? { owner: cluster.instanceId, until: now() + cluster.leaseMs } : undefined
  if (!(await stores.inbox.markProcessing(inboxId, now(), lease))) return undefined
  if (!leased) return { release: () => undefined }
  let renewing: Promise<unknown> = Promise.resolve()
  const timer = setInterval(
    () => {
      renewing = renewing.then(async () => {
        try {
          const kept = await stores.inbox.renewLease(inboxId, {
            owner: cluster.instanceId,
            until: now() + cluster.leaseMs,
          })
          if (!kept) logger.error({ inboxId }, 'lease lost while the message runs: another instance may resume it')
        } catch (err) {
          logger.error({ err, inboxId }, 'lease not renewed')
        }
      })
    },
    Math.max(50, Math.floor(cluster.leaseMs / 3)),
  )
  timer.unref()
  return { release: () => clearInterval(timer) }
}
