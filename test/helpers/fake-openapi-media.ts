import { randomBytes } from 'node:crypto'
import type http from 'node:http'

/** Byte-level pieces of the fake OpenAPI: multipart upload parsing and temporary-URL file serving. */

export interface ParsedUpload {
  readonly type: string
  readonly fileName: string
  readonly bytes: Buffer
  readonly mediaId: string
}

/** A file a test registered for download. */
export interface FakeFile {
  readonly buffer: Buffer
  readonly contentType: string
  readonly fileName?: string
  /** Serve without Content-Length (chunked), so a size limit must be enforced while reading. */
  readonly omitLength?: boolean
}

/**
 * Parses a media/upload multipart body with Node's own FormData parser (undici, the same code `fetch`
 * uses) and answers the way oapi does: HTTP 200 with errcode. dingtalk.md §4.3.
 */
export async function parseUpload(
  contentType: string,
  raw: Buffer,
): Promise<{ ok: true; upload: ParsedUpload } | { ok: false; answer: { errcode: number; errmsg: string } }> {
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData().catch(() => undefined)
  const media = form?.get('media')
  const type = form?.get('type')
  if (!form || typeof type !== 'string' || !['image', 'voice', 'video', 'file'].includes(type))
    return { ok: false, answer: { errcode: 40004, errmsg: '不合法的媒体文件类型' } }
  if (!media || typeof media === 'string') return { ok: false, answer: { errcode: 41001, errmsg: '缺少media参数' } }
  const bytes = Buffer.from(await media.arrayBuffer())
  if (bytes.length > 20 * 1024 * 1024) return { ok: false, answer: { errcode: 40006, errmsg: '不合法的文件大小' } }
  return { ok: true, upload: { type, fileName: media.name, bytes, mediaId: `@lA${randomBytes(10).toString('hex')}` } }
}

/** Streams a file in 64 KB chunks with back-pressure; reports whether the client read it all. */
export function serveFile(f: FakeFile, res: http.ServerResponse, onDone: (complete: boolean) => void): void {
  const headers: Record<string, string | number> = { 'Content-Type': f.contentType }
  if (f.fileName) headers['Content-Disposition'] = `attachment; filename*=UTF-8''${encodeURIComponent(f.fileName)}`
  if (!f.omitLength) headers['Content-Length'] = f.buffer.length
  res.writeHead(200, headers)
  res.on('close', () => onDone(res.writableFinished))
  let offset = 0
  const pump = (): void => {
    while (offset < f.buffer.length && !res.destroyed) {
      const chunk = f.buffer.subarray(offset, offset + 64 * 1024)
      offset += chunk.length
      if (!res.write(chunk)) return void res.once('drain', pump)
    }
    if (!res.destroyed) res.end()
  }
  pump()
}

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
