import type { ConversationStateRow } from '../db/state.js'
import type { StateStore } from '../db/stores/types.js'

/**
 * One user's state in one conversation while a message runs: read once before the message is routed
 * (resolvers stay synchronous), written through to the store at once. Messages of one user run one at
 * a time (per-user ordering), so the snapshot is the truth for the message's lifetime; `settled()` is
 * awaited before the message is finished, so every write is durable by then.
 */
export class ConversationSession {
  private row: ConversationStateRow
  private pending: Promise<void> = Promise.resolve()
  private error: unknown

  constructor(
    private readonly store: StateStore,
    readonly conversationId: string,
    readonly userId: string,
    row: ConversationStateRow | undefined,
  ) {
    this.row = { last_search: row?.last_search ?? null, workflow: row?.workflow ?? null }
  }

  static async load(store: StateStore, conversationId: string, userId: string): Promise<ConversationSession> {
    return new ConversationSession(store, conversationId, userId, await store.get(conversationId, userId))
  }

  get workflow(): string | null {
    return this.row.workflow
  }

  get lastSearch(): string | null {
    return this.row.last_search
  }

  setWorkflow(json: string | null, now: number): Promise<void> {
    this.row = { ...this.row, workflow: json }
    return this.enqueue(() => this.store.setWorkflow(this.conversationId, this.userId, json, now))
  }

  setLastSearch(json: string | null, now: number): Promise<void> {
    this.row = { ...this.row, last_search: json }
    return this.enqueue(() => this.store.setLastSearch(this.conversationId, this.userId, json, now))
  }

  /** Waits for every write; rejects with the first that failed. */
  async settled(): Promise<void> {
    await this.pending
    if (this.error) throw this.error
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    const next = this.pending.then(write)
    this.pending = next.catch((err: unknown) => {
      this.error ??= err
    })
    // A caller that does not await still sees the failure through settled(), never as an unhandled rejection.
    next.catch(() => undefined)
    return next
  }
}

/**
 * The sessions of messages running now, one per (conversation, user): a control message (查看进度 / 取消)
 * that runs beside the user's long generation shares its session, so each sees the other's writes at once.
 */
export class ConversationSessions {
  private readonly open = new Map<string, { session: Promise<ConversationSession>; refs: number }>()

  constructor(private readonly store: StateStore) {}

  async acquire(
    conversationId: string,
    userId: string,
  ): Promise<{ session: ConversationSession; release: () => void }> {
    const key = `${conversationId}\u0000${userId}`
    let entry = this.open.get(key)
    if (!entry) {
      entry = { session: ConversationSession.load(this.store, conversationId, userId), refs: 0 }
      this.open.set(key, entry)
    }
    entry.refs++
    const e = entry
    let released = false
    const release = () => {
      if (released) return
      released = true
      if (--e.refs === 0 && this.open.get(key) === e) this.open.delete(key)
    }
    try {
      return { session: await e.session, release }
    } catch (err) {
      release()
      throw err
    }
  }
}
