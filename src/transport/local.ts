import { randomUUID } from 'node:crypto'
import type { DeliveryResult, DeliveryTarget, OutboundPart, Replier } from '../core/delivery.js'
import type { InboundEnvelope } from '../core/message.js'

/** Local use (andy chat / andy ask): messages typed in a terminal, replies collected in memory. */

export interface LocalUser {
  nick: string
  staffId?: string
  /** A group title makes it a group message (conversationType 2). */
  group?: string
}

export const LOCAL_ROBOT = 'andy-local'

export function localEnvelope(text: string, user: LocalUser, now: number): InboundEnvelope {
  const staffId = user.staffId ?? `local-${user.nick}`
  const group = user.group?.trim()
  const message = {
    msgId: `local-${randomUUID()}`,
    msgtype: 'text',
    robotCode: LOCAL_ROBOT,
    conversationId: group ? `local-group-${group}` : `local-dm-${staffId}`,
    conversationType: group ? '2' : '1',
    conversationTitle: group,
    senderStaffId: staffId,
    senderNick: user.nick,
    createAt: now,
    text: { content: text },
  }
  return { source: 'local', robotCode: LOCAL_ROBOT, message, raw: JSON.stringify(message) }
}

/**
 * A part as DingTalk shows it: the `@<staffId>` that makes DingTalk notify the asker is displayed as
 * `@<nick>` in the chat, so the terminal shows it that way too (not `@local-张三`).
 */
export function asDisplayed(
  part: OutboundPart,
  target: Pick<DeliveryTarget, 'senderStaffId' | 'senderNick'>,
): OutboundPart {
  const id = target.senderStaffId
  if (part.kind !== 'markdown' || !id || !target.senderNick || !part.atUserIds?.includes(id)) return part
  return { ...part, body: part.body.split(`@${id}`).join(`@${target.senderNick}`) }
}

/** Keeps every delivered part; the CLI prints them. */
export class LocalReplier implements Replier {
  readonly parts: Array<{ target: DeliveryTarget; part: OutboundPart }> = []
  private listener?: (part: OutboundPart, target: DeliveryTarget) => void

  onPart(fn: (part: OutboundPart, target: DeliveryTarget) => void): void {
    this.listener = fn
  }

  async deliver(target: DeliveryTarget, part: OutboundPart): Promise<DeliveryResult> {
    this.parts.push({ target, part })
    this.listener?.(part, target)
    return { channel: 'local' }
  }
}
