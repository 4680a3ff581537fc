import type { FastifyInstance } from 'fastify'
import { pingDb } from '../db/api-queries.js'
import type { Db } from '../db/client.js'
import type { Metrics } from '../services/metrics.js'
import type { JsonSchema } from './endpoint.js'

/** GET /healthz, GET /metrics, GET /openapi.json. No auth: they carry no secrets and no customer data. */

export interface OpsDeps {
  readonly db: Db
  /** Messages not finished, from the inbox store: with DATABASE_URL every instance's, in PostgreSQL (which it pings). */
  readonly backlog: () => Promise<number>
  readonly metrics: Metrics
  /** The stream transport's state ('connected', 'connecting', 'backoff', 'stopped'); absent when no stream runs. */
  readonly streamState?: () => string
  /** The stream's last connect error while it is not connected. */
  readonly streamError?: () => string | undefined
  readonly openapi: () => JsonSchema
}

export interface Health {
  status: 'ok' | 'unhealthy'
  db: string
  stream: string
  /** While the stream is not connected: why (its last connect error); it keeps reconnecting in the background. */
  stream_error?: string
  backlog: number | null
  uptime_s: number
}

/** Healthy when the databases (the local file, and PostgreSQL with DATABASE_URL) answer and the stream (if any) is connected. */
export async function checkHealth(
  deps: Pick<OpsDeps, 'db' | 'backlog' | 'streamState' | 'streamError'>,
): Promise<Health> {
  let db = 'ok'
  let backlog: number | null = null
  try {
    pingDb(deps.db)
    backlog = await deps.backlog()
  } catch (err) {
    db = `error: ${(err as Error).message}`
  }
  let stream = 'disabled'
  try {
    if (deps.streamState) stream = deps.streamState()
  } catch (err) {
    stream = `error: ${(err as Error).message}`
  }
  const streamOk = stream === 'disabled' || stream === 'connected'
  const healthy = db === 'ok' && streamOk
  let streamError: string | undefined
  try {
    streamError = streamOk ? undefined : deps.streamError?.()
  } catch {
    streamError = undefined
  }
  return {
    status: healthy ? 'ok' : 'unhealthy',
    db,
    stream,
    ...(streamError ? { stream_error: streamError } : {}),
    backlog,
    uptime_s: Math.round(process.uptime()),
  }
}

export function registerOps(fastify: FastifyInstance, deps: OpsDeps): void {
  fastify.get('/healthz', async (request, reply) => {
    const h = await checkHealth(deps)
    if (h.status !== 'ok') request.log.warn({ health: h }, 'health check failed')
    return reply.code(h.status === 'ok' ? 200 : 503).send(h)
  })

  fastify.get('/metrics', async (request, reply) => {
    try {
      const text = await deps.metrics.render()
      return reply.code(200).type(deps.metrics.registry.contentType).send(text)
    } catch (err) {
      request.log.error({ err, reqId: request.id }, 'metrics scrape failed')
      return reply.code(500).type('text/plain; charset=utf-8').send(`# metrics unavailable (request ${request.id})\n`)
    }
  })

  let doc: string | undefined
  fastify.get('/openapi.json', async (_request, reply) => {
    doc ??= JSON.stringify(deps.openapi())
    return reply.code(200).type('application/json; charset=utf-8').send(doc)
  })
}
