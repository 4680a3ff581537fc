import type { AppConfig } from '../config.js'
import type { Clock } from '../core/clock.js'
import type { CardUpdate, Replier } from '../core/delivery.js'
import type { InboxSource, RobotMessage } from '../core/message.js'
import type { Db } from '../db/client.js'
import type { Stores } from '../db/stores/types.js'
import type { Logger } from '../logger.js'
import type { Dictionary } from '../search/dictionary.js'
import type { LlmClient } from '../services/llm.js'
import type { Metrics } from '../services/metrics.js'
import type { VisionClient } from '../services/vision.js'
import type { DingtalkApi } from '../transport/dingtalk-api.js'
import type { ConversationSession } from './conversation.js'

/** Gives the current dictionary, rebuilt when the case tables changed (also by another process). */
export interface DictionaryProvider {
  get(): Dictionary
  invalidate(): void
  /** Builds the first dictionary without blocking the event loop (call before taking messages). */
  warm?(): Promise<void>
  /** Resolves once the case indexes being built in the background (big tables) are ready. */
  indexed?(): Promise<void>
}

/** Everything handlers may use. Passed in by main.ts / tests; nothing here does I/O at import. */
export interface AppDeps {
  readonly config: AppConfig
  readonly db: Db
  /** The shared-state stores (PostgreSQL with DATABASE_URL); absent: the SQLite stores over `db`. */
  readonly stores?: Stores
  readonly logger: Logger
  readonly clock: Clock
  readonly dictionary: DictionaryProvider
  /** Reply channel per inbox source (stream and http → DingTalk; local → the terminal). */
  readonly repliers: Partial<Record<InboxSource, Replier>>
  /** The DingTalk OpenAPI (one per process: it holds the token and the QPS limiter); absent without credentials. */
  readonly dingtalk?: DingtalkApi
  /** The LLM (absent when OPENAI_API_KEY / LLM_MODEL are not set: every search still works without it). */
  readonly llm?: LlmClient
  /** The vision model (absent without OPENAI_API_KEY + LLM_VISION_MODEL): 图片 answers that it is not set up. */
  readonly vision?: VisionClient
  /** Prometheus metrics (GET /metrics); absent in the CLI and most tests. */
  readonly metrics?: Metrics
}

/** What handling one message produced: returned to `andy ask --json` and stored on the usage record. */
export interface HandleResult {
  intent: string
  status: 'ok' | 'failed' | 'rejected'
  /** Filters as applied, keyed by seed parameter names. */
  filters?: Record<string, unknown>
  /** Filters dropped to find something. */
  relaxed?: Array<{ key: string; label: string; value: unknown }>
  total?: number
  /** The rows shown, with their fields under the seed's names. */
  hits?: Array<Record<string, unknown>>
  /** Markdown parts sent, in order. */
  replies: string[]
  error?: string
  /** LLM tokens and cost spent on this message. */
  tokens?: number
  costRmb?: number
}

export interface ReplyOptions {
  /** Shown in the DingTalk conversation list. Defaults to the first line. */
  title?: string
  /** @-mention the sender (groups only; default true for the first part). */
  mention?: boolean
  /**
   * Bulk output of a long pipeline (its step answers): consecutive bulk replies are sent together as few
   * messages as fit (the conversation's send budget is 20 a minute), and after short answers when that
   * budget is tight. Any other reply, a file or the end of the message sends what is pending first.
   */
  bulk?: boolean
}

/** Per-message context handed to handlers. */
export interface BotContext {
  readonly deps: AppDeps
  readonly logger: Logger
  readonly msg: RobotMessage
  readonly inboxId: number
  readonly source: InboxSource
  readonly robotCode: string
  readonly userId: string
  readonly userNick: string
  readonly conversationId: string
  readonly conversationTitle?: string
  readonly isGroup: boolean
  readonly isAdmin: boolean
  /** The message text as received (trimmed; richText joined; audio = DingTalk's recognition). */
  readonly rawText: string
  /** The text the handler should act on (after a command prefix, truncated when huge). */
  text: string
  /** Resolved intent or control word ('more', 'export', 'unsupported' …). */
  intent: string
  /** Remarks added to the reply (e.g. the message was truncated). */
  readonly notes: string[]
  /** Scratch space between resolver and handler (e.g. a parsed sentence). */
  readonly state: Record<string, unknown>
  /** This user's state in this conversation (last search, active workflow), read before routing. */
  readonly conversation: ConversationSession
  readonly result: HandleResult
  /** Sends a markdown reply (split into parts under ~3500 characters). */
  reply(markdown: string, opts?: ReplyOptions): Promise<void>
  /**
   * Sends a file (xlsx, pdf, docx…; ≤ 20 MB) or an image (png/jpg) written to local disk: uploaded with
   * media/upload and sent through the robot OpenAPI (DingTalk); printed as a path in andy chat/ask.
   */
  replyFile(file: OutboundFile): Promise<void>
  /** AI cards, when the source's channel can show them and a card template is configured. */
  readonly cards?: MessageCards
  /** Sends the bulk replies still pending (coalesced pipeline answers) now. */
  flush?(): Promise<void>
  now(): number
  /** Aborted when the message passes its deadline (ANDY_HANDLER_TIMEOUT_MS): pass it to fetch/LLM calls. */
  readonly signal?: AbortSignal
}

/** AI cards in this message's conversation, through the source's Replier (core/delivery.ts CardReplier). */
export interface MessageCards {
  /** The next card's key (partKey `card<n>`: the same numbering when the message is handled again). */
  nextKey(): string
  create(key: string): Promise<void>
  stream(key: string, update: CardUpdate): Promise<void>
}

export interface OutboundFile {
  readonly kind: 'file' | 'image'
  readonly path: string
  /** Name shown in DingTalk (default: the file's base name). */
  readonly fileName?: string
}

export type HandlerFn = (ctx: BotContext) => Promise<void>
