import type { DeliveryTarget, OutboundPart } from '../core/delivery.js'
import { asDisplayed } from '../transport/local.js'
import { renderMarkdown } from './render.js'

/** What andy chat and andy ask share: how a reply part shows in the terminal, and who is asking. */

/** The local path of a file/image part (its body is JSON {path, fileName, fileType}). */
export function partFilePath(part: OutboundPart): string {
  try {
    return (JSON.parse(part.body) as { path?: string }).path ?? part.body
  } catch {
    return part.body
  }
}

/** A reply part as the terminal shows it: markdown rendered (mentions as DingTalk shows them); a file or picture as the path it was written to. */
export function renderPart(part: OutboundPart, target?: DeliveryTarget): string {
  const shown = target ? asDisplayed(part, target) : part
  return shown.kind === 'markdown' ? renderMarkdown(shown.body) : `已生成文件：${partFilePath(shown)}`
}

export const userArgs = {
  user: { type: 'string', description: 'Your nick as a rep', default: '本地用户' },
  staff: { type: 'string', description: 'Staff id (admins are listed in ANDY_ADMIN_STAFF_IDS)' },
  group: { type: 'string', description: 'Talk as if in this DingTalk group (default: direct chat)' },
} as const
