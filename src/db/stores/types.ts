import type { OutboundPart } from '../../core/delivery.js'
import type { InboundEnvelope } from '../../core/message.js'
import type { TableSpec } from '../../tables/index.js'
import type { Db } from '../client.js'
import type { Claim } from '../idempotency.js'
import type { InboxRow } from '../inbox.js'
import type { PartRow } from '../outbox.js'
import type { ReportRequestQuery } from '../report-requests.js'
import type { ScheduledRun } from '../scheduled-runs.js'
import type { ConversationStateRow } from '../state.js'
import type { UsageInput } from '../usage.js'
import type { LlmStores } from './llm-types.js'
import type { WorkflowStores } from './process-types.js'
import type { UsageReadStore } from './usage-types.js'

/**
 * The shared state of Andy behind async interfaces, one per store, so the engine is a choice:
 * SQLite (src/db/stores/sqlite.ts, the embedded default) or PostgreSQL (src/db/pg/stores.ts, for
 * several instances). Every SQL statement lives in an implementation under src/db/.
 */

export type FinishStatus = 'replied' | 'failed' | 'skipped'

/** The exactly-once inbox: the insert is the claim ((robotCode, msgId) unique). */
/** A message in hand somewhere: since when (updated_at: taken) and by which instance. */
export type RunningRow = InboxRow & { readonly updated_at: number; readonly lease_owner: string | null }

export interface InboxStore {
  /** Stores a received message (the claim); with a lease (PostgreSQL) this instance holds it from the start. */
  insert(env: InboundEnvelope, now: number, lease?: Lease): Promise<{ id: number; duplicate: boolean }>
  get(id: number): Promise<InboxRow | undefined>
  /**
   * Takes the message for this instance (status processing, attempts + 1) with a lease until
   * `now + leaseMs`. False when it is finished, or another live instance holds an unexpired lease, or
   * (PostgreSQL) the same user's earlier message is unfinished: then it is put back without a lease —
   * unless `beside` (查看进度 / 取消, which run beside the user's running generation).
   */
  markProcessing(id: number, now: number, lease?: Lease, opts?: { beside?: boolean }): Promise<boolean>
  /**
   * The same user's other message (same robot and conversation) being processed now by another live
   * instance — `owner` is this one (PostgreSQL; on SQLite one process handles everything: undefined).
   */
  runningElsewhere(id: number, now: number, owner: string): Promise<RunningRow | undefined>
  /** 取消 for the generation that message `msgId` runs on whichever instance runs it (PostgreSQL NOTIFY). */
  cancelElsewhere(msgId: string): Promise<void>
  /** Extends this instance's lease while the message runs; false when the lease was lost. */
  renewLease(id: number, lease: Lease): Promise<boolean>
  /** Extends this owner's leases of `ids` (one statement); returns those of `ids` another instance holds now. */
  renewLeases(ids: readonly number[], lease: Lease): Promise<number[]>
  /** Gives up this owner's leases of those of `ids` not started yet (shutting down). */
  releaseLeases(ids: readonly number[], owner: string): Promise<void>
  /** Final status, with the usage record in the same transaction when given. */
  finish(
    id: number,
    status: FinishStatus,
    now: number,
    details?: { intent?: string; error?: string },
    usage?: UsageWrite,
  ): Promise<void>
  recordError(id: number, error: string, now: number): Promise<void>
  /** The text of the sender's latest earlier message with `intent` (a 「导入 …」 or 「运营报告」 before a file), if recent. */
  recentRequest(q: {
    conversationId: string
    senderStaffId: string
    intent: string
    sinceMs: number
    beforeId: number
  }): Promise<string | undefined>
  /**
   * Unfinished messages (oldest first, after `afterId`) whose lease is free at `now` (all of them without
   * `now`), and those leased to `owner` (this instance's name from before a restart).
   */
  unfinished(limit?: number, afterId?: number, now?: number, owner?: string): Promise<InboxRow[]>
  backlog(): Promise<number>
  resetForRetry(id: number, now: number): Promise<number>
  /** The words of this sender's 报告解读 request just before a file (db/report-requests.ts). */
  reportRequestText(q: ReportRequestQuery): Promise<string | undefined>
}

/** A usage record written with the final status; a failure to write it is reported, not thrown. */
export interface UsageWrite {
  readonly record: UsageInput
  readonly onError: (err: unknown) => void
}

/** Who holds a running message and until when (ms since epoch). */
export interface Lease {
  readonly owner: string
  readonly until: number
}

/** Reply parts, each with its idempotency key: a stored part is never sent twice. */
export interface OutboxStore {
  upsertPart(inboundId: number, part: OutboundPart): Promise<PartRow>
  markSent(id: number, channel: string, now: number): Promise<void>
  markFailed(id: number, error: string, permanent: boolean): Promise<void>
  partsOf(inboundId: number): Promise<PartRow[]>
}

/** Per conversation and user: the last search (paging, export) and the active workflow. */
export interface StateStore {
  get(conversationId: string, userId: string): Promise<ConversationStateRow | undefined>
  setLastSearch(conversationId: string, userId: string, json: string | null, now: number): Promise<void>
  setWorkflow(conversationId: string, userId: string, json: string | null, now: number): Promise<void>
}

/** One run per (job, period) across restarts and instances. */
export interface ScheduledRunStore {
  claim(job: string, period: string, detail: string): Promise<boolean>
  takeOver(job: string, period: string, detail: string, staleBefore: number): Promise<boolean>
  get(job: string, period: string): Promise<ScheduledRun | undefined>
  update(job: string, period: string, status: string, detail: string): Promise<void>
  list(job: string): Promise<ScheduledRun[]>
}

/** API requests sent with an Idempotency-Key. */
export interface IdempotencyStore {
  claim(scope: string, now: number, staleMs: number): Promise<Claim>
  finish(scope: string, status: number, contentType: string, body: string, now: number): Promise<void>
  release(scope: string): Promise<void>
}

/** Small facts; the cases version is bumped by every import so each instance rebuilds its index. */
export interface MetaStore {
  get(key: string): Promise<string | undefined>
  set(key: string, value: string): Promise<void>
  bumpCasesVersion(): Promise<void>
  casesVersion(): Promise<string>
}

/** What a change of the case tables did: its result, whether it wrote, and which tables (all when none named). */
export interface CaseChange<T> {
  readonly result: T
  readonly changed: boolean
  readonly tables?: readonly TableSpec[]
}

/**
 * Changes of the case tables made on the local file `db` (an import, a clear). SQLite: the file is the
 * data. PostgreSQL (the source of truth): under the cases lock, the local copy brought up to date first,
 * the changed tables pushed back with a new cases version (every instance copies it).
 */
export interface CaseChanges {
  change<T>(db: Db, run: () => Promise<CaseChange<T>>): Promise<T>
}

export interface Stores {
  readonly dialect: 'sqlite' | 'postgres'
  readonly cases: CaseChanges
  readonly inbox: InboxStore
  readonly outbox: OutboxStore
  readonly state: StateStore
  readonly scheduledRuns: ScheduledRunStore
  readonly idempotency: IdempotencyStore
  readonly meta: MetaStore
  /** 统计's reads (stores/usage-types.ts). */
  readonly usage: UsageReadStore
  /** 运营活动设计 records and 人才发展 / 会议评审 runs (process-types.ts). */
  readonly workflows: WorkflowStores
  /** LLM calls (cost, daily budgets) and the prompt tables (llm-types.ts). */
  readonly llm: LlmStores
  close(): Promise<void>
}
