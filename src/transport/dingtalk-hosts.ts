/**
 * DingTalk's hosts, as configured (DINGTALK_API_BASE, DINGTALK_OAPI_BASE): where a sessionWebhook may point.
 * Apart from url-guard.ts (which loads dns, http, https and ipaddr.js) so that checking a webhook does not
 * load them.
 */

export const bareHost = (u: URL): string => u.hostname.replace(/^\[|\]$/g, '').toLowerCase()

/** The host names a sessionWebhook may point at: those of the configured DingTalk bases. */
export function dingtalkHosts(bases: { apiBase: string; oapiBase: string }): string[] {
  const hosts = new Set<string>()
  for (const b of [bases.apiBase, bases.oapiBase]) {
    try {
      hosts.add(bareHost(new URL(b)))
    } catch {
      // config validation already refused it
    }
  }
  return [...hosts]
}

/** Whether a sessionWebhook is an http(s) URL on one of DingTalk's (configured) hosts. */
export function isDingtalkWebhook(raw: string, bases: { apiBase: string; oapiBase: string }): boolean {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return false
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false
  if (u.username || u.password) return false
  return dingtalkHosts(bases).includes(bareHost(u))
}
