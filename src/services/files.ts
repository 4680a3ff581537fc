import { DEFAULT_FILE_LIMITS, type FileLimits, MB } from '../core/file-limits.js'
import { type DetectedFile, type DocKind, type Extracted, FileError, TextBuffer } from './file-common.js'
import type { ExtractJob } from './file-extract.js'
import { filePool } from './file-pool.js'
import { decodeText, looksLikeText, markdownHeadings } from './file-text.js'

export { MB } from '../core/file-limits.js'
export {
  type DetectedFile,
  type DocKind,
  type Extracted,
  FileError,
  type FileErrorCode,
  type FileKind,
} from './file-common.js'

/**
 * Files users send (报告解读 / 图片): what a file is — judged from its bytes (magic numbers, the entries
 * of an Office zip), not from its name — and its text. PDF (pdfjs-dist), DOCX (mammoth), XLSX (exceljs'
 * parsers, xlsx-rows.ts), PPTX (slide XML), TXT/MD/CSV (UTF-8, UTF-16 with BOM, else GB18030).
 * Limits: 20 MB per file (DingTalk's own limit), a time limit, a cap on the characters kept, and the
 * resource caps of file-limits.ts. PDF and Office files are parsed in a worker thread (file-pool.ts):
 * a hostile file costs one refusal, never the bot.
 */
/** DingTalk's file limit, and Andy's. */
export const MAX_FILE_BYTES = 20 * MB
export const DEFAULT_MAX_CHARS = 300_000
/** Past the extractors' own deadline, this long more before the worker is terminated. */
const HARD_DEADLINE_GRACE_MS = 5_000

export interface ExtractOptions {
  /** Used only when the content does not tell (text files: .md / .csv). */
  readonly fileName?: string
  readonly maxChars?: number
  readonly timeoutMs?: number
  readonly maxBytes?: number
  /** Resource caps (ANDY_FILE_*); the defaults otherwise. */
  readonly limits?: FileLimits
}

const IMAGE_EXTS = new Set(['png', 'jpg', 'gif', 'webp', 'bmp'])
const OOXML = new Set(['docx', 'xlsx', 'pptx'])
const TEXT_EXTS = new Set(['txt', 'md', 'markdown', 'csv', 'tsv', 'log', 'json'])

export function extOf(fileName: string | undefined): string {
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(fileName ?? '')
  return m ? m[1]!.toLowerCase() : ''
}

function textType(nameExt: string): DetectedFile {
  const ext = TEXT_EXTS.has(nameExt) ? nameExt : 'txt'
  return {
    kind: 'text',
    ext,
    mime: ext === 'csv' ? 'text/csv' : ext === 'md' || ext === 'markdown' ? 'text/markdown' : 'text/plain',
  }
}

/** The file's type from its content; the name only breaks ties (text flavours, legacy Office). */
export async function detectFile(buffer: Uint8Array, fileName?: string): Promise<DetectedFile> {
  const nameExt = extOf(fileName)
  const { fileTypeFromBuffer } = await import('file-type') // on first file, not at start-up
  const ft = await fileTypeFromBuffer(buffer).catch(() => undefined)
  if (ft) {
    if (ft.ext === 'pdf') return { kind: 'pdf', ext: 'pdf', mime: ft.mime }
    if (OOXML.has(ft.ext)) return { kind: ft.ext as DocKind, ext: ft.ext, mime: ft.mime }
    // file-type looks at a bounded number of entries: an Office zip it could not place keeps its name's type.
    if (ft.ext === 'zip' && OOXML.has(nameExt)) return { kind: nameExt as DocKind, ext: nameExt, mime: ft.mime }
    if (IMAGE_EXTS.has(ft.ext)) return { kind: 'image', ext: ft.ext, mime: ft.mime }
    // Office 97–2003 (.doc/.xls/.ppt) and password-protected OOXML are both OLE compound files.
    if (ft.ext === 'cfb')
      return {
        kind: 'legacy-office',
        ext: ['doc', 'xls', 'ppt', 'docx', 'xlsx', 'pptx'].includes(nameExt) ? nameExt : 'cfb',
        mime: ft.mime,
      }
    // Short text can look like an audio frame or the like to a magic-number table: text wins for those.
    if (!['zip', 'rar', '7z', 'gz', 'tar'].includes(ft.ext) && looksLikeText(buffer)) return textType(nameExt)
    return { kind: 'other', ext: ft.ext, mime: ft.mime }
  }
  if (looksLikeText(buffer)) return textType(nameExt)
  return { kind: 'other', ext: nameExt || 'bin', mime: 'application/octet-stream' }
}

/** Detects the type and extracts the text. Throws FileError for anything that is not a readable document. */
export async function extractText(
  buffer: Uint8Array,
  opts: ExtractOptions = {},
): Promise<Extracted & { detected: DetectedFile }> {
  const maxBytes = opts.maxBytes ?? MAX_FILE_BYTES
  if (buffer.byteLength > maxBytes)
    throw new FileError(
      'too_large',
      `the file is ${(buffer.byteLength / MB).toFixed(1)} MB, over ${(maxBytes / MB).toFixed(0)} MB`,
    )
  if (buffer.byteLength === 0) throw new FileError('empty', 'the file is empty')
  const detected = await detectFile(buffer, opts.fileName)
  const limits = opts.limits ?? DEFAULT_FILE_LIMITS
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS
  let res: Extracted
  switch (detected.kind) {
    case 'pdf':
    case 'docx':
    case 'pptx':
    case 'xlsx': {
      const timeoutMs = opts.timeoutMs ?? limits.timeoutMs
      // A copy the worker owns (transferred, not cloned twice).
      const copy = new Uint8Array(buffer)
      const job: ExtractJob = { buffer: copy, kind: detected.kind, maxChars, timeoutMs, limits }
      // The worker's own deadline ends the job with what was read; this one ends a worker that hangs.
      res = await filePool(limits).run<Extracted>(
        { type: 'extract', job },
        [copy.buffer as ArrayBuffer],
        timeoutMs + HARD_DEADLINE_GRACE_MS,
      )
      break
    }
    case 'text':
      res = extractPlain(buffer, maxChars)
      break
    case 'image':
      throw new FileError('image', 'the file is a picture', { kind: 'image', ext: detected.ext })
    case 'legacy-office':
      throw new FileError('legacy_office', 'legacy or encrypted Office file (OLE compound document)', {
        kind: detected.kind,
        ext: detected.ext,
      })
    default:
      throw new FileError('unsupported', `unsupported file type ${detected.ext}`, {
        kind: detected.kind,
        ext: detected.ext,
      })
  }
  if (res.text.trim() === '' && res.kind !== 'pdf')
    throw new FileError('empty', 'the document has no text', { kind: res.kind })
  return { ...res, detected }
}

function extractPlain(buffer: Uint8Array, maxChars: number): Extracted {
  const { text, encoding } = decodeText(buffer)
  const out = new TextBuffer(maxChars)
  out.push(text.replace(/\r\n?/g, '\n'))
  const body = out.text()
  return {
    kind: 'text',
    text: body,
    chars: body.length,
    truncated: out.truncated,
    headings: markdownHeadings(body),
    encoding,
  }
}
