import type { FastifyRequest } from 'fastify'
import { badRequest } from './envelope.js'

/**
 * `Idempotency-Key` request header: endpoints that change something (ASaveAndyVardDtas, the export and
 * paging actions) run once per key and repeat their first answer for a repeated key (src/db/idempotency.ts).
 * Over the stream every invocation carries `graph:<messageId>`, so DingTalk's redeliveries are harmless.
 */
export const IDEMPOTENCY_HEADER = 'idempotency-key'

/** A claim older than this is taken over by a repeat (the first run died with its process). */
export const STALE_CLAIM_MS = 15 * 60_000

export function idempotencyKeyOf(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const raw = request.headers[IDEMPOTENCY_HEADER]
  if (raw === undefined || raw === '') return undefined
  if (typeof raw !== 'string' || raw.length > 200 || !/^[\x21-\x7e]+$/.test(raw)) {
    throw badRequest('请求头 Idempotency-Key 应为 1–200 个可见 ASCII 字符（同一个键的请求只执行一次）')
  }
  return raw
}
