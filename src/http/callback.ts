import { createHmac } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { App } from '../app.js'
import type { AppConfig } from '../config.js'
import { parseRobotMessage } from '../core/message.js'
import type { Metrics } from '../services/metrics.js'
import { dingtalkHosts, isDingtalkWebhook } from '../transport/url-guard.js'
import { safeEqual } from './auth.js'

/**
 * DingTalk HTTP (non-stream) callback mode: POST /dingtalk/callback with headers `timestamp` (ms) and
 * `sign` = Base64(HmacSHA256(key = app secret, timestamp + "\n" + app secret)); both the ±1 hour window
 * and the signature must pass (dingtalk.md §6). The message goes into the same inbox as the stream and
 * the answer is `{"msgtype":"empty"}` at once; the reply is sent later through the normal delivery path.
 * Ref: https://open.dingtalk.com/document/development/receive-message
 */

export const CALLBACK_PATH = '/dingtalk/callback'
export const MAX_SKEW_MS = 3600_000

export function callbackSign(timestamp: string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64')
}

export type CallbackCheck = { ok: true } | { ok: false; reason: string }

export function verifyCallback(timestamp: unknown, sign: unknown, secret: string, nowMs: number): CallbackCheck {
  if (typeof timestamp !== 'string' || typeof sign !== 'string' || !timestamp || !sign) {
    return { ok: false, reason: '缺少请求头 timestamp 或 sign' }
  }
  if (!/^\d{1,16}$/.test(timestamp)) return { ok: false, reason: '请求头 timestamp 应为毫秒时间戳' }
  if (Math.abs(nowMs - Number(timestamp)) > MAX_SKEW_MS)
    return { ok: false, reason: 'timestamp 与服务器时间相差超过 1 小时' }
  if (!safeEqual(sign, callbackSign(timestamp, secret))) return { ok: false, reason: 'sign 签名不正确' }
  return { ok: true }
}

export interface CallbackDeps {
  readonly config: AppConfig
  readonly app: App
  readonly metrics: Metrics
  now(): number
}

export function registerCallback(fastify: FastifyInstance, deps: CallbackDeps): void {
  fastify.post(CALLBACK_PATH, async (request, reply) => {
    const started = performance.now()
    const log = request.log
    const answer = (status: number, body: unknown) => {
      deps.metrics.observeHttp('dingtalk_callback', status, performance.now() - started)
      return reply.code(status).send(body)
    }
    const secret = deps.config.dingtalk.clientSecret
    if (!secret) {
      log.warn('DingTalk HTTP callback received but DINGTALK_CLIENT_SECRET is not set')
      return answer(403, { errcode: 403, errmsg: '未配置 DINGTALK_CLIENT_SECRET：HTTP 回调模式未启用' })
    }
    const check = verifyCallback(request.headers.timestamp, request.headers.sign, secret, deps.now())
    if (!check.ok) {
      log.warn({ reason: check.reason, ip: request.ip }, 'DingTalk callback rejected')
      return answer(401, { errcode: 401, errmsg: check.reason })
    }
    const parsed = parseRobotMessage(request.body)
    if (!parsed.ok) {
      log.warn({ error: parsed.error }, 'DingTalk callback payload is not a robot message')
      return answer(400, { errcode: 400, errmsg: `不是机器人消息：${parsed.error}` })
    }
    const msg = parsed.message
    if (msg.sessionWebhook && !isDingtalkWebhook(msg.sessionWebhook, deps.config.dingtalk)) {
      log.warn({ msgId: msg.msgId }, 'DingTalk callback refused: sessionWebhook is not on a DingTalk host')
      return answer(400, {
        errcode: 400,
        errmsg: `sessionWebhook 不是钉钉的地址（应在 ${dingtalkHosts(deps.config.dingtalk).join(' 或 ')}）`,
      })
    }
    const robotCode =
      msg.robotCode || deps.config.dingtalk.robotCode || deps.config.dingtalk.clientId || 'http-callback'
    try {
      const res = await deps.app.accept({ source: 'http', robotCode, message: msg, raw: JSON.stringify(request.body) })
      log.info({ msgId: msg.msgId, inboxId: res.inboxId, duplicate: res.duplicate }, 'DingTalk callback accepted')
    } catch (err) {
      if (/shutting down/.test((err as Error).message)) return answer(503, { errcode: 503, errmsg: '服务正在停止' })
      log.error({ err, msgId: msg.msgId, reqId: request.id }, 'DingTalk callback could not be stored')
      return answer(500, { errcode: 500, errmsg: `内部错误（请求 ID：${request.id}）` })
    }
    return answer(200, { msgtype: 'empty' })
  })
}
