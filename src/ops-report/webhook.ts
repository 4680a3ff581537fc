import { createHmac } from 'node:crypto'
import { safeUrl } from '../logger.js'
import { OpsReportError } from './errors.js'

/**
 * Posts markdown to a DingTalk custom-robot webhook (…/robot/send?access_token=…). With the robot's
 * `SEC…` secret the URL is signed: sign = base64(HmacSHA256(key = secret, timestamp + "\n" + secret)),
 * `timestamp` (ms) and the URL-encoded `sign` added to the query string (dingtalk.md §6). DingTalk answers
 * HTTP 200 with an errcode; anything but 0 is an error (310000: signature/keyword/IP check failed).
 * https://open.dingtalk.com/document/development/custom-robots-send-group-messages
 */

export function robotSign(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64')
}

export function signedWebhookUrl(url: string, secret: string | undefined, timestamp: number): string {
  if (!secret) return url
  const u = new URL(url)
  u.searchParams.set('timestamp', String(timestamp))
  u.searchParams.set('sign', robotSign(secret, timestamp))
  return u.toString()
}

export interface WebhookPostOptions {
  secret?: string
  now?: () => number
  timeoutMs?: number
  fetch?: typeof fetch
}

/** Custom robots accept about 20 messages a minute; one report is one message. */
export async function postRobotMarkdown(
  url: string,
  title: string,
  text: string,
  o: WebhookPostOptions = {},
): Promise<void> {
  if (!/^https?:\/\//i.test(url)) throw new OpsReportError('webhook', 'webhook 地址要以 http(s):// 开头。')
  if (o.secret !== undefined && !/^SEC\w+$/.test(o.secret))
    throw new OpsReportError('webhook', '加签密钥应以 SEC 开头（钉钉群机器人「安全设置 → 加签」里复制）。')
  const target = signedWebhookUrl(url, o.secret, (o.now ?? Date.now)())
  let res: Response
  try {
    res = await (o.fetch ?? fetch)(target, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ msgtype: 'markdown', markdown: { title, text } }),
      signal: AbortSignal.timeout(o.timeoutMs ?? 15_000),
    })
  } catch (err) {
    throw new OpsReportError('webhook', `无法连接 webhook（${safeUrl(url)}）：${(err as Error).message}`, {
      cause: err,
    })
  }
  const body = (await res.json().catch(() => undefined)) as { errcode?: number; errmsg?: string } | undefined
  if (!res.ok || !body || body.errcode !== 0) {
    const why = body?.errcode === 310000 ? '（签名、关键词或 IP 校验没通过：检查 SEC 密钥和机器人安全设置）' : ''
    throw new OpsReportError(
      'webhook',
      `webhook 返回错误：HTTP ${res.status} errcode ${body?.errcode ?? '无'} ${body?.errmsg ?? ''}${why}`.trim(),
    )
  }
}
