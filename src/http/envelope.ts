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
export function authOf(data: unknown, t: number, secret: string, dataJson = JSON.stringify(data)): string {
  return md5Hex(`${dataJson}${t}${secret}`)
}

/** The JSON of an envelope's data, serialised once for both `_auth` and the body. */
const serialised = new WeakMap<Envelope, string>()

export function buildEnvelope(ret: number, data: unknown, msg: string, nowMs: number, secret?: string): Envelope {
  const t = Math.floor(nowMs / 1000)
  const env: Envelope = { ret, data, msg, _t: t }
  const json = JSON.stringify(data) as string | undefined
  if (json !== undefined) serialised.set(env, json)
  if (secret) env._auth = authOf(data, t, secret, json)
  return env
}

/**
 * The JSON body to send. With `return_data=1` a successful answer is `data` alone (as in the seed);
 * errors always keep the full envelope, so the msg is never lost.
 */
export function envelopeBody(env: Envelope, returnDataOnly: boolean): string {
  const data = serialised.get(env)
  if (returnDataOnly && env.ret === 200) return data ?? JSON.stringify(env.data)
  if (data === undefined || Object.keys(env).some((k) => !ENVELOPE_KEYS.has(k))) return JSON.stringify(env)
  // Same text as JSON.stringify(env) (same key order), without serialising the data a second time.
  let out = `{"ret":${JSON.stringify(env.ret)},"data":${data},"msg":${JSON.stringify(env.msg)},"_t":${JSON.stringify(env._t)}`
  if (env._auth !== undefined) out += `,"_auth":${JSON.stringify(env._auth)}`
  if (env.content !== undefined) out += `,"content":${JSON.stringify(env.content)}`
  return `${out}}`
}

const ENVELOPE_KEYS = new Set(['ret', 'data', 'msg', '_t', '_auth', 'content'])
