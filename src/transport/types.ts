import type { InboundEnvelope } from '../core/message.js'

/** What the app says about a message a transport hands it; the transport acks after this returns. */
export interface AcceptResult {
  readonly inboxId: number
  /** true when this (robotCode, msgId) was seen before: no new work, ack again and move on. */
  readonly duplicate: boolean
}

/** The sink every transport feeds: store-then-ack, handle later. */
export interface MessageSink {
  /** Stores the message in the inbox (durable when it resolves) and schedules its handling. */
  accept(envelope: InboundEnvelope): Promise<AcceptResult>
}

/** A long-lived inbound transport (the DingTalk stream). */
export interface Transport {
  start(): Promise<void>
  stop(): Promise<void>
  /** 'connected' | 'connecting' | 'stopped' … for /healthz. */
  state(): string
}
