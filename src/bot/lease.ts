import type { Lease, Stores } from '../db/stores/types.js'
import type { Logger } from '../logger.js'

/** A message this instance holds while it runs; `release` when it is done. */
export interface HeldMessage {
  release(): void
}

/**
 * This instance's leases on PostgreSQL (ANDY_LEASE_MS). A message received here is leased from its
 * insert; every message in hand (queued or running) has its lease renewed every third of the lease time,
 * all in one statement, so a live instance keeps its messages and a dead one's are resumed by another
 * after the lease expires. On SQLite (one process owns the file) there are no leases and no timer.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined
  private renewing = false
  /** Messages taken (processing) here: one of them held by another instance now is a lost lease. */
  private readonly held = new Set<number>()

  constructor(
    private readonly stores: Stores,
    private readonly now: () => number,
    private readonly cluster: { readonly instanceId: string; readonly leaseMs: number },
    private readonly logger: Logger,
    /** The inbox ids in hand: queued or running here. */
    private readonly inHand: () => Iterable<number>,
  ) {}

  /** The lease a message taken now gets (undefined on SQLite). */
  lease(): Lease | undefined {
    if (this.stores.dialect !== 'postgres') return undefined
    return { owner: this.cluster.instanceId, until: this.now() + this.cluster.leaseMs }
  }

  /** A message came in hand: renewals run while any is. */
  wake(): void {
    if (this.timer || this.stores.dialect !== 'postgres') return
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.cluster.leaseMs / 3)))
    this.timer.unref()
  }

  private async renew(): Promise<void> {
    if (this.renewing) return
    const ids = [...this.inHand()]
    if (!ids.length) {
      clearInterval(this.timer)
      this.timer = undefined
      return
    }
    this.renewing = true
    try {
      for (const inboxId of await this.stores.inbox.renewLeases(ids, this.lease()!))
        if (this.held.has(inboxId))
          this.logger.error({ inboxId }, 'lease lost while the message runs: another instance may resume it')
    } catch (err) {
      this.logger.error({ err, inboxIds: ids.length }, 'leases not renewed')
    } finally {
      this.renewing = false
    }
  }

  /**
   * Takes a stored message for this instance. Undefined when it cannot be taken now: finished, held by
   * another live instance, or an earlier message of the same user is unfinished (it is taken later:
   * announced when that one finishes, or found by the poll). `beside` (查看进度 / 取消): taken even then.
   */
  async hold(inboxId: number, beside = false): Promise<HeldMessage | undefined> {
    if (!(await this.stores.inbox.markProcessing(inboxId, this.now(), this.lease(), { beside }))) return undefined
    this.held.add(inboxId)
    return { release: () => this.held.delete(inboxId) }
  }

  /** Shutting down: the messages in hand that have not started are left to the other instances at once. */
  async letGo(): Promise<void> {
    const lease = this.lease()
    const ids = [...this.inHand()].filter((id) => !this.held.has(id))
    if (!lease || !ids.length) return
    try {
      await this.stores.inbox.releaseLeases(ids, lease.owner)
    } catch (err) {
      this.logger.warn({ err, inboxIds: ids.length }, 'leases of waiting messages not released; they expire')
    }
  }
}
