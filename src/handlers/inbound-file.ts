import type { BotContext } from '../bot/context.js'
import { UserError } from '../core/errors.js'
import type { RobotMessage } from '../core/message.js'
import { describeFileError } from '../services/file-messages.js'
import { type FileError, MAX_FILE_BYTES, MB } from '../services/files.js'
import { LlmError } from '../services/llm.js'
import { DingtalkApiError, DOWNLOAD_CODE_EXPIRED, FILE_TOO_LARGE } from '../transport/dingtalk-api.js'

/**
 * The file or picture a message carries (dingtalk.md §2.2), its download through the robot OpenAPI
 * (§4.2: downloadCode + robotCode → temporary URL, 20 MB and a time limit), and the Chinese replies for
 * everything that can go wrong on the way.
 */

export interface InboundAttachment {
  readonly kind: 'file' | 'picture'
  readonly downloadCode: string
  readonly fileName?: string
}

/** How long a download may take. */
export const DOWNLOAD_TIMEOUT_MS = 60_000

function contentOf(msg: RobotMessage): Record<string, unknown> {
  return msg.content && typeof msg.content === 'object' ? (msg.content as Record<string, unknown>) : {}
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined)

/** The first picture of a picture or richText message. */
export function pictureOf(msg: RobotMessage): InboundAttachment | undefined {
  const c = contentOf(msg)
  if (msg.msgtype === 'picture') {
    const code = str(c.downloadCode) ?? str(c.pictureDownloadCode)
    return code ? { kind: 'picture', downloadCode: code } : undefined
  }
  if (msg.msgtype === 'richText' && Array.isArray(c.richText)) {
    for (const seg of c.richText as Array<Record<string, unknown>>) {
      const code = str(seg.downloadCode) ?? str(seg.pictureDownloadCode)
      if (code && (seg.type === 'picture' || seg.type === undefined)) return { kind: 'picture', downloadCode: code }
    }
  }
  return undefined
}

/** The document of a file message. */
export function fileOf(msg: RobotMessage): InboundAttachment | undefined {
  if (msg.msgtype !== 'file') return undefined
  const c = contentOf(msg)
  const code = str(c.downloadCode)
  return code ? { kind: 'file', downloadCode: code, fileName: str(c.fileName) } : undefined
}

export const FILES_NEED_APP =
  '接收文件和图片需要接入钉钉企业内部应用（管理员配置 DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET）。现在可以直接用文字搜索客户案例、打单方案等。'

/** Downloads the attachment; every failure becomes a UserError with a clear reply (and a log line). */
export async function downloadAttachment(
  ctx: BotContext,
  a: InboundAttachment,
  maxBytes = MAX_FILE_BYTES,
): Promise<{ buffer: Buffer; fileName?: string }> {
  const api = ctx.deps.dingtalk
  if (!api) throw new UserError('files_need_app', FILES_NEED_APP)
  const what = a.kind === 'picture' ? '图片' : '文件'
  const started = Date.now()
  try {
    const res = await api.downloadFile(a.downloadCode, {
      maxBytes,
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
      robotCode: ctx.robotCode || undefined,
    })
    ctx.logger.info({ kind: a.kind, bytes: res.buffer.length, ms: Date.now() - started }, 'attachment downloaded')
    return { buffer: res.buffer, fileName: a.fileName ?? res.fileName }
  } catch (err) {
    const code = err instanceof DingtalkApiError ? err.code : 'internal'
    ctx.logger.warn({ kind: a.kind, code, err }, 'attachment download failed')
    if (code === DOWNLOAD_CODE_EXPIRED)
      throw new UserError('download_expired', `这个${what}的下载链接已经过期（或无效），请重新发送一次${what}。`)
    if (code === FILE_TOO_LARGE)
      throw new UserError(
        'file_too_large',
        `${what}超过 ${Math.round(maxBytes / MB)} MB，Andy 处理不了这么大的${what}。请压缩或拆分后再发。`,
      )
    if (code === 'timeout' || code === 'network')
      throw new UserError('download_failed', `${what}下载失败（网络超时），请稍后重新发送。`)
    throw new UserError(
      'download_failed',
      `${what}下载失败（钉钉返回 ${code}），请稍后重新发送；如果一直失败，请联系管理员。`,
    )
  }
}

const LEGACY: Record<string, string> = {
  doc: 'Word 97-2003（.doc）',
  xls: 'Excel 97-2003（.xls）',
  ppt: 'PowerPoint 97-2003（.ppt）',
}

/**
 * A file that passed a resource cap, missed the parse deadline or crashed its parser: the message is
 * marked failed (not retried: nothing is left 'processing'), the reason is logged with the msgId, and
 * the rep gets the Chinese reply. Ordinary unreadable files (a scan, an old .doc) stay 'rejected'.
 */
export function refuseFile(ctx: BotContext, err: FileError, fileName?: string): UserError {
  const hostile = err.code === 'limit' || err.code === 'timeout' || err.detail.crashed === true
  const log = { msgId: ctx.msg.msgId, code: err.code, detail: err.detail, reason: err.message, fileName }
  if (hostile) {
    ctx.result.status = 'failed'
    ctx.logger.warn(log, 'file refused')
  } else ctx.logger.info(log, 'document not readable')
  return fileErrorReply(err, fileName)
}

/** A FileError as the reply a rep reads. */
export function fileErrorReply(err: FileError, fileName?: string): UserError {
  const name = fileName ? `「${fileName}」` : '这个文件'
  switch (err.code) {
    case 'limit':
      return new UserError(`file_limit_${err.detail.limit ?? 'other'}`, describeFileError(err, fileName))
    case 'too_large':
      return new UserError('file_too_large', `${name}超过 ${MAX_FILE_BYTES / MB} MB，请压缩或拆分后再发。`)
    case 'scanned':
      return new UserError(
        'file_scanned',
        `${name}${err.detail.pages ? `共 ${err.detail.pages} 页，但` : ''}没有可以读取的文字层——看起来是扫描件或图片做成的 PDF。Andy 不做文字识别（OCR），没法可靠地解读。请发原始的 Word/PDF 文件；如果只有扫描件，可以把关键页截图后作为图片发给我。`,
      )
    case 'encrypted':
      return new UserError('file_encrypted', `${name}有密码保护，Andy 打不开。请去掉密码后再发。`)
    case 'legacy_office': {
      const legacy = err.detail.ext ? LEGACY[err.detail.ext] : undefined
      return new UserError(
        'file_legacy',
        legacy
          ? `${name}是旧版 ${legacy}格式，暂时读不了。请另存为 .docx / .xlsx / .pptx 或 PDF 后再发。`
          : `${name}是旧版 Office 格式或加了密码，暂时读不了。请另存为 .docx / .xlsx / .pptx 或 PDF（去掉密码）后再发。`,
      )
    }
    case 'empty':
      return new UserError(
        'file_empty',
        `${name}里没有找到文字${err.detail.kind === 'pptx' ? '（幻灯片可能全是图片）' : ''}，没有可以解读的内容。`,
      )
    case 'timeout':
      return new UserError(
        'file_timeout',
        `${name}太复杂，读取超时了。可以把需要解读的部分另存为一个小一些的文件再发。`,
      )
    case 'corrupt':
      if (err.detail.crashed) return new UserError('file_parser_crashed', describeFileError(err, fileName))
      if (err.detail.kind === 'image')
        return new UserError(
          'image_corrupt',
          `${name}打不开：图片文件已损坏，或不是它看起来的格式。请重新截图或导出后再发。`,
        )
      return new UserError('file_corrupt', `${name}打不开，文件可能已损坏，或扩展名和实际格式不符。请重新导出后再发。`)
    case 'image':
      return new UserError('file_image', `${name}是一张图片。`)
    default:
      return new UserError(
        'file_unsupported',
        `暂时读不了${name}${err.detail.ext ? `（.${err.detail.ext}）` : ''}。Andy 能解读 PDF、Word（.docx）、Excel（.xlsx）、PPT（.pptx）和 TXT/Markdown/CSV 文本文件。`,
      )
  }
}

/** A failed model call as a reply: what happened and what to do (no "progress saved": nothing is kept). */
export function modelFailureReply(err: unknown, retry: string, who = '大模型'): UserError {
  const kind = err instanceof LlmError ? err.kind : 'network'
  const what =
    kind === 'timeout'
      ? `${who}这次响应超时了`
      : kind === 'rate_limit'
        ? `${who}当前太忙（限流）`
        : kind === 'auth'
          ? `${who}拒绝了请求（密钥或权限有误，请联系管理员）`
          : kind === 'bad_request'
            ? `${who}不接受这次请求（内容格式或大小不支持）`
            : kind === 'bad_output'
              ? `${who}返回的内容格式不对`
              : `${who}暂时不可用`
  return new UserError(`llm_${kind}`, `${what}，请${retry}。`)
}
