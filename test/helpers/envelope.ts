import { type InboundEnvelope, parseRobotMessage } from '../../src/core/message.js'

/**
 * A stored-message envelope of a robot text message, as the stream delivers it (store tests that insert
 * into the inbox directly). A direct message unless a group title is given.
 */
export function textEnvelope(o: {
  msgId: string
  text?: string
  user?: string
  nick?: string
  conversationId?: string
  groupTitle?: string
}): InboundEnvelope {
  const user = o.user ?? 'u1'
  const raw = {
    msgId: o.msgId,
    msgtype: 'text',
    text: { content: o.text ?? '央企 客户案例' },
    conversationId: o.conversationId ?? 'c1',
    conversationType: o.groupTitle ? '2' : '1',
    ...(o.groupTitle ? { conversationTitle: o.groupTitle } : {}),
    senderStaffId: user,
    senderNick: o.nick ?? user,
    robotCode: 'robot',
    createAt: 1,
    sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=x',
    sessionWebhookExpiredTime: 9e12,
  }
  const parsed = parseRobotMessage(raw)
  if (!parsed.ok) throw new Error(parsed.error)
  return { source: 'stream', robotCode: 'robot', message: parsed.message, raw: JSON.stringify(raw) }
}
