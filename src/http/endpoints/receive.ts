import { parseRobotMessage } from '../../core/message.js'
import { dingtalkHosts, isDingtalkWebhook } from '../../transport/url-guard.js'
import { data, type Endpoint, type EndpointCall, objectSchema } from '../endpoint.js'
import { ApiError, badRequest } from '../envelope.js'
import type { ParamSpec } from '../params.js'

/**
 * AReceiveMsg, ACpsReceiveSearch, ARjkhSaleCaseReceiveSearch: a robot message posted by an integration
 * (the seed's fields, everything as strings; text/atUsers/content as JSON). It goes into the same inbox
 * as the stream (deduplicated on robotCode + msgId) and is handled by the same dispatcher; the reply goes
 * out through the payload's sessionWebhook. Answers the inbox id at once; a repeated msgId answers the
 * same id and produces no second reply.
 */

const s = (name: string, description: string, extra: Partial<ParamSpec> = {}): ParamSpec => ({
  name,
  type: 'string',
  description,
  ...extra,
})

export const ROBOT_PARAMS: readonly ParamSpec[] = [
  s('msgId', '消息ID（去重依据：同一 robotCode 下相同 msgId 只处理一次）', { required: true }),
  s('msgtype', '消息类型：text、richText、picture、audio、video、file'),
  { name: 'text', type: 'json', description: '消息文本，JSON：{"content":"…"}' },
  { name: 'content', type: 'json', description: '非文本消息内容，JSON：{"downloadCode":"…","fileName":"…"}' },
  { name: 'atUsers', type: 'json', description: '被@人的信息，JSON 数组：[{"dingtalkId":"…"}]' },
  s('robotCode', '机器人编码（缺省为服务端 DINGTALK_ROBOT_CODE）'),
  s('conversationId', '会话ID'),
  s('conversationType', '会话类型：1单聊、2群聊'),
  s('conversationTitle', '群聊时的会话标题'),
  s('senderId', '加密的发送者ID'),
  s('senderStaffId', '发送者 userId'),
  s('senderNick', '发送者昵称'),
  s('senderCorpId', '发送者企业 corpId'),
  s('senderPlatform', '消息发送平台'),
  s('chatbotCorpId', '机器人所在企业 corpId'),
  s('chatbotUserId', '加密的机器人ID'),
  s('isAdmin', '是否为管理员：true/false'),
  s('isInAtList', '是否在@列表中'),
  s('createAt', '消息时间戳（毫秒）'),
  s('sessionWebhook', '当前会话的 Webhook 地址（回复从这里发出）'),
  s('sessionWebhookExpiredTime', 'Webhook 地址过期时间（毫秒）'),
  s(
    'customType',
    '自定义类型：1图片、2报告、3打单、4客户案例、5运营活动设计、6使用次数统计、7平台竞对切换案例、rcfz人才发展、hyps会议评审',
  ),
  s('modelType', '模型类型：trigger、openapi'),
]

async function accept(call: EndpointCall, defaultCustomType: string | undefined) {
  const { deps, values, extra, logger } = call
  const payload: Record<string, unknown> = { ...extra }
  for (const p of ROBOT_PARAMS) if (values[p.name] !== undefined) payload[p.name] = values[p.name]
  if (defaultCustomType && !payload.customType) payload.customType = defaultCustomType
  const parsed = parseRobotMessage(payload)
  if (!parsed.ok) throw badRequest(`消息内容不符合机器人消息格式：${parsed.error}`)
  // Replies are POSTed to sessionWebhook: only DingTalk's own hosts, never a URL of the caller's choosing.
  const webhook = parsed.message.sessionWebhook
  if (webhook && !isDingtalkWebhook(webhook, deps.config.dingtalk)) {
    throw badRequest(
      `参数 sessionWebhook 必须是钉钉的会话地址（主机 ${dingtalkHosts(deps.config.dingtalk).join(' 或 ')}），请原样传入钉钉回调里的 sessionWebhook`,
    )
  }
  const robotCode = parsed.message.robotCode || deps.config.dingtalk.robotCode || 'http-api'
  let res
  try {
    res = await deps.app.accept({ source: 'http', robotCode, message: parsed.message, raw: JSON.stringify(payload) })
  } catch (err) {
    if (/shutting down/.test((err as Error).message)) throw new ApiError(503, '服务正在停止，请稍后重试（消息未保存）')
    throw err
  }
  logger.info(
    { msgId: parsed.message.msgId, inboxId: res.inboxId, duplicate: res.duplicate },
    'robot message accepted over HTTP',
  )
  const notes: string[] = []
  if (res.duplicate) notes.push('该 msgId 已收到过（重复投递）：返回原记录 id，不会重复回复')
  if (!parsed.message.sessionWebhook) notes.push('未提供 sessionWebhook，回复可能无法送达')
  return data({ id: String(res.inboxId) }, notes.join('；'))
}

function receiveEndpoint(action: string, summary: string, defaultCustomType?: string): Endpoint {
  return {
    action,
    summary,
    tag: '机器人消息',
    params: ROBOT_PARAMS,
    passthrough: true,
    response: objectSchema({ id: '主键id（收件箱记录 id，字符串）' }),
    notes: defaultCustomType
      ? `未给 customType 时按 ${defaultCustomType} 处理。消息字段之外的参数原样保存。`
      : '按 customType（若有）或消息内容识别意图。消息字段之外的参数原样保存。',
    run: (call) => accept(call, defaultCustomType),
  }
}

export const receiveEndpoints = (): Endpoint[] => [
  receiveEndpoint('AReceiveMsg', '接收来自群里@机器人的消息回调'),
  receiveEndpoint('ACpsReceiveSearch', '内容售卖案例想查就查（内容产品售卖）', 'procurement'),
  receiveEndpoint('ARjkhSaleCaseReceiveSearch', '软件客户售卖案例查询（平台合作客户）', 'software'),
]
