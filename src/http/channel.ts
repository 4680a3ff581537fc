import { randomBytes } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { safeEqual } from './auth.js'

/**
 * Marks requests that arrive through DingTalk's stream (AI 助理 ability invocations, injected in-process by
 * src/http/graph.ts) so the HTTP API can tell them from requests off the network. The stream connection
 * itself is the credential: DingTalk authenticated it with the app's client id and secret, and only
 * DingTalk can put a frame on it. So the seed API's app_key/sign check is satisfied by the channel, not
 * by parameters. The marker is a random 256-bit token made per process and never written anywhere; a
 * network caller cannot guess it, and without it a request is checked like any other HTTP call.
 */
export const CHANNEL_HEADER = 'x-andy-channel'

export class TrustedChannel {
  private readonly token = randomBytes(32).toString('hex')

  /** The header an in-process injection adds. */
  header(): Record<string, string> {
    return { [CHANNEL_HEADER]: this.token }
  }

  /** Whether the request came through the stream (constant-time comparison). */
  isTrusted(request: Pick<FastifyRequest, 'headers'>): boolean {
    const given = request.headers[CHANNEL_HEADER]
    return typeof given === 'string' && safeEqual(given, this.token)
  }
}
