import dns from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import { Readable } from 'node:stream'
import ipaddr from 'ipaddr.js'
import { bareHost } from './dingtalk-hosts.js'

export { dingtalkHosts, isDingtalkWebhook } from './dingtalk-hosts.js'

/**
 * Outbound URLs that come from a request or a callback payload (server-side request forgery guard).
 *
 * - A sessionWebhook must be on one of DingTalk's hosts: the host names of DINGTALK_API_BASE and
 *   DINGTALK_OAPI_BASE (api.dingtalk.com, oapi.dingtalk.com by default).
 * - Other URLs (AJdyyReportData's `webhook` and `file_url`) may reach public addresses only: a host that
 *   is, or resolves to, a private, loopback, link-local, CGNAT, multicast or reserved address is refused
 *   unless it is listed in ANDY_URL_ALLOWLIST (`host` or `host:port`). The check runs before the request
 *   and again on the addresses the connection actually uses (a custom `lookup`), so DNS rebinding cannot
 *   slip past it, and on every redirect hop.
 */

/** Why a URL was refused; `message` is a Chinese sentence for the caller. */
export class UrlRefusedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UrlRefusedError'
  }
}

export interface UrlPolicy {
  /** `host` or `host:port` entries that may be private (ANDY_URL_ALLOWLIST), lower case. */
  readonly allowlist: readonly string[]
  /** Name resolution (tests inject one); default dns.lookup. */
  readonly lookup?: (hostname: string) => Promise<string[]>
}

const defaultLookup = async (hostname: string): Promise<string[]> =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address)

/** The host as written in a URL, without IPv6 brackets. */
const portOf = (u: URL): string => u.port || (u.protocol === 'https:' ? '443' : '80')

/** True for a public unicast address; false for private, loopback, link-local, CGNAT, multicast, reserved… */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  let ip = ipaddr.parse(address)
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address()
  return ip.range() === 'unicast'
}

export function isAllowlisted(u: URL, allowlist: readonly string[]): boolean {
  const host = bareHost(u)
  return allowlist.some((entry) => {
    const e = entry
      .trim()
      .toLowerCase()
      .replace(/^\[|\](?=:\d+$|$)/g, '')
    return e === host || e === `${host}:${portOf(u)}`
  })
}

/** Parses and checks the form of an outbound URL: http(s), a host, no credentials in it. */
export function parseOutboundUrl(raw: string, param: string): URL {
  let u: URL
  try {
    u = new URL(raw.trim())
  } catch {
    throw new UrlRefusedError(`参数 ${param} 不是有效的网址`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UrlRefusedError(`参数 ${param} 只能是 http(s) 地址`)
  if (u.username || u.password) throw new UrlRefusedError(`参数 ${param} 不能在网址里带用户名或密码`)
  return u
}

const refusal = (param: string, u: URL, what: string) =>
  new UrlRefusedError(
    `参数 ${param} 指向${what}（${bareHost(u)}），出于安全不予访问；内网地址需由管理员加入 ANDY_URL_ALLOWLIST`,
  )

/**
 * Refuses a URL whose host is, or resolves to, a non-public address (unless allowlisted).
 * Returns the parsed URL. Throws UrlRefusedError with a Chinese message naming the parameter.
 */
export async function checkOutboundUrl(raw: string, param: string, policy: UrlPolicy): Promise<URL> {
  const u = parseOutboundUrl(raw, param)
  if (isAllowlisted(u, policy.allowlist)) return u
  const host = bareHost(u)
  if (ipaddr.isValid(host)) {
    if (!isPublicAddress(host)) throw refusal(param, u, '内网、本机或保留地址')
    return u
  }
  let addresses: string[]
  try {
    addresses = await (policy.lookup ?? defaultLookup)(host)
  } catch (err) {
    throw new UrlRefusedError(
      `参数 ${param} 的域名 ${host} 无法解析：${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    )
  }
  if (addresses.length === 0 || addresses.some((a) => !isPublicAddress(a)))
    throw refusal(param, u, '解析到内网、本机或保留地址的域名')
  return u
}

/** A `lookup` for node:http(s) that refuses non-public addresses at connect time (unless the URL is allowlisted). */
function guardedLookup(u: URL, param: string, policy: UrlPolicy): LookupFunction {
  const allowed = isAllowlisted(u, policy.allowlist)
  return (hostname, options, callback) => {
    const done = (err: NodeJS.ErrnoException | null, addresses: string[]) => {
      if (err) return callback(err, '', 4)
      const bad = addresses.find((a) => !allowed && !isPublicAddress(a))
      if (bad || addresses.length === 0)
        return callback(refusal(param, u, '解析到内网、本机或保留地址的域名') as NodeJS.ErrnoException, '', 4)
      const list = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
      if ((options as dns.LookupOptions).all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list)
      callback(null, list[0]!.address, list[0]!.family)
    }
    if (policy.lookup)
      policy.lookup(hostname).then(
        (a) => done(null, a),
        (err: NodeJS.ErrnoException) => done(err, []),
      )
    else dns.lookup(hostname, { all: true, verbatim: true }, (err, a) => done(err, err ? [] : a.map((x) => x.address)))
  }
}

export interface GuardedRequest {
  readonly method?: 'GET' | 'POST'
  readonly headers?: Record<string, string>
  readonly body?: string | Buffer
  readonly signal?: AbortSignal
  /** Redirects followed (each hop checked again); 0 = a redirect is an error (POSTs). Default 5 for GET, 0 for POST. */
  readonly maxRedirects?: number
}

function requestOnce(u: URL, o: GuardedRequest, param: string, policy: UrlPolicy): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = u.protocol === 'https:' ? https : http
    const req = mod.request(
      u,
      {
        method: o.method ?? 'GET',
        headers: o.headers,
        signal: o.signal,
        lookup: guardedLookup(u, param, policy),
        agent: false,
      },
      resolve,
    )
    req.on('error', reject)
    req.end(o.body)
  })
}

/**
 * fetch() for a URL taken from a request: checked before the request, at connect time and on every
 * redirect. Answers a WHATWG Response (the body streams). Refusals throw UrlRefusedError.
 */
export async function guardedFetch(
  raw: string,
  param: string,
  policy: UrlPolicy,
  o: GuardedRequest = {},
): Promise<Response> {
  let u = await checkOutboundUrl(raw, param, policy)
  const maxRedirects = o.maxRedirects ?? (o.method === 'POST' ? 0 : 5)
  for (let hop = 0; ; hop++) {
    let res: http.IncomingMessage
    try {
      res = await requestOnce(u, o, param, policy)
    } catch (err) {
      if (err instanceof UrlRefusedError) throw err
      if ((err as Error).name === 'AbortError' && o.signal?.reason instanceof Error) throw o.signal.reason
      throw err
    }
    const status = res.statusCode ?? 0
    const location = res.headers.location
    if (status >= 300 && status < 400 && location) {
      res.resume()
      if (hop >= maxRedirects)
        throw new UrlRefusedError(
          `参数 ${param} 的地址返回了重定向（HTTP ${status}），${maxRedirects ? `超过 ${maxRedirects} 次` : '此处不跟随重定向'}`,
        )
      u = await checkOutboundUrl(new URL(location, u).toString(), param, policy)
      continue
    }
    const headers = new Headers()
    for (const [k, v] of Object.entries(res.headers))
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v)
    const body = status === 204 || status === 304 ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>)
    return new Response(body, { status: status >= 200 && status <= 599 ? status : 502, headers })
  }
}
