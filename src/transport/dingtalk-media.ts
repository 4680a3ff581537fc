import { DingtalkApiError, FILE_TOO_LARGE } from './dingtalk-api-error.js'

/**
 * Size limits and byte handling for media upload / file download (dingtalk.md §4.2, §4.3).
 * Ref: https://open.dingtalk.com/document/development/upload-media-files
 */

export type MediaType = 'file' | 'image' | 'voice' | 'video'

const MB = 1024 * 1024

/** media/upload limits per type. */
export const MEDIA_LIMITS: Readonly<Record<MediaType, number>> = {
  image: 20 * MB,
  file: 20 * MB,
  video: 20 * MB,
  voice: 2 * MB,
}

export const DEFAULT_DOWNLOAD_MAX_BYTES = 20 * MB

export function formatMb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`
}

export function tooLarge(what: string, size: number | undefined, max: number, path: string): DingtalkApiError {
  const got = size === undefined ? 'more than' : `${formatMb(size)}, over`
  return new DingtalkApiError(`${what} is ${got} the ${formatMb(max)} limit`, FILE_TOO_LARGE, 0, false, { path })
}

/**
 * Reads a response body, giving up (and cancelling the transfer) as soon as it passes `maxBytes`.
 * The Content-Length header, when present, is checked first so nothing is read at all.
 */
export async function readLimited(res: Response, maxBytes: number, label: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined)
    throw tooLarge('the file', declared, maxBytes, label)
  }
  if (!res.body) return Buffer.alloc(0)
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge('the file', undefined, maxBytes, label)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, total)
}

/** The file name from a Content-Disposition header (RFC 6266 `filename*=UTF-8''…` preferred). */
export function fileNameFromDisposition(header: string | null): string | undefined {
  if (!header) return undefined
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header)
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(header)
  return plain?.[1]?.trim() || undefined
}

/** `sampleFile.fileType` from a file name (xlsx, pdf, zip, rar, doc, docx… per dingtalk.md §4.4). */
export function fileTypeOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.')
  return dot >= 0 ? fileName.slice(dot + 1).toLowerCase() : 'file'
}
