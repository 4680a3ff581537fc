import { createHash } from 'node:crypto'

/**
 * The seed's response envelope: `{ret, data, msg, _t, _auth}`. `ret` 200 is success, 4xx a client
 * mistake (the msg says what to fix), 5xx a server fault. `_auth = md5(JSON of data + _t + secret)`
 * (lowercase hex) lets a client check the answer was not tampered with; it is left out when no
 * API_APP_SECRET is set. The body is serialised here, once, so the `data` substring of the body is
 * byte for byte the JSON that was hashed.
 */

export interface Envelope {
  ret: number
  data: unknown
  msg: string
  _t: number
  _auth?: string
  /** AI 助理 actions only: the markdown to show (data.content, or msg on errors), for x-dingtalk-display-result: markdown. */
  content?: string
}

/** A client (4xx) or server (5xx) error with the msg the developer sees. */
export class ApiError extends Error {
  constructor(
    readonly ret: number,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export const badRequest = (msg: string): ApiError => new ApiError(400, msg)

export function md5Hex(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex')
}

/** `_auth` for a data value and timestamp: md5(JSON.stringify(data) + String(t) + secret). */
export function authOf(data: unknown, t: number, secret: string): string {
  return md5Hex(`${JSON.stringify(data)}${t}${secret}`)
}

export function buildEnvelope(ret: number, data: unknown, msg: string, nowMs: number, secret?: string): Envelope {
  const t = Math.floor(nowMs / 1000)
  const env: Envelope = { ret, data, msg, _t: t }
  if (secret) env._auth = authOf(data, t, secret)
  return env
}

/**
 * The JSON body to send. With `return_data=1` a successful answer is `data` alone (as in the seed);
 * errors always keep the full envelope, so the msg is never lost.
 */
export function envelopeBody(env: Envelope, returnDataOnly: boolean): string {
  if (returnDataOnly && env.ret === 200) return JSON.stringify(env.data)
  return JSON.stringify(env)
}
