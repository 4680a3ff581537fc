import { randomUUID } from 'node:crypto'
import type { InboundEnvelope } from '../../src/core/message.js'
import { type LocalUser, localEnvelope } from '../../src/transport/local.js'
import { type RobotTextPayloadOptions, robotTextPayload } from './fake-gateway.js'

/**
 * Robot callbacks that carry files and pictures (dingtalk.md §2.2): `file` {downloadCode, fileName,
 * spaceId, fileId}, `picture` {downloadCode, pictureDownloadCode}, `richText` [{text}, {type:'picture',
 * downloadCode}]. As stream payloads (for the fake gateway) and as local envelopes (for handleNow).
 */

type Base = Omit<RobotTextPayloadOptions, 'text'>

function withoutText(p: Record<string, unknown>): Record<string, unknown> {
  const { text: _t, ...rest } = p
  return rest
}

export function robotFilePayload(o: Base & { downloadCode: string; fileName: string }): Record<string, unknown> {
  return {
    ...withoutText(robotTextPayload({ ...o, text: '' })),
    msgtype: 'file',
    content: {
      downloadCode: o.downloadCode,
      fileName: o.fileName,
      spaceId: '2010001',
      fileId: `f${randomUUID().slice(0, 8)}`,
    },
  }
}

export function robotPicturePayload(o: Base & { downloadCode: string }): Record<string, unknown> {
  return {
    ...withoutText(robotTextPayload({ ...o, text: '' })),
    msgtype: 'picture',
    content: { downloadCode: o.downloadCode, pictureDownloadCode: `pic-${o.downloadCode}` },
  }
}

export function robotRichTextPayload(o: Base & { text: string; downloadCode: string }): Record<string, unknown> {
  return {
    ...withoutText(robotTextPayload({ ...o, text: '' })),
    msgtype: 'richText',
    content: {
      richText: [
        { text: o.text },
        { type: 'picture', downloadCode: o.downloadCode, pictureDownloadCode: `pic-${o.downloadCode}` },
      ],
    },
  }
}

/** A local envelope (andy chat style) whose message carries a file / picture / richText instead of text. */
export function localAttachment(
  kind: 'file' | 'picture' | 'richText',
  o: { downloadCode: string; fileName?: string; text?: string; user?: Partial<LocalUser>; now?: number },
): InboundEnvelope {
  const base = localEnvelope(o.text ?? '', { nick: '小王', staffId: 'u-wang', ...o.user }, o.now ?? Date.now())
  const { text: _t, ...message } = base.message as Record<string, unknown>
  const content =
    kind === 'file'
      ? { downloadCode: o.downloadCode, fileName: o.fileName, spaceId: '2010001', fileId: 'f1' }
      : kind === 'picture'
        ? { downloadCode: o.downloadCode, pictureDownloadCode: `pic-${o.downloadCode}` }
        : { richText: [{ text: o.text ?? '' }, { type: 'picture', downloadCode: o.downloadCode }] }
  const msg = { ...message, msgtype: kind, content } as InboundEnvelope['message']
  return { ...base, message: msg, raw: JSON.stringify(msg) }
}
