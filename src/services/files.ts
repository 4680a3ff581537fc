import { fileTypeFromBuffer } from 'file-type'
import { extractPdf } from './file-pdf.js'
import { extractDocx, extractPptx } from './file-office.js'
import { extractXlsx } from './file-sheet.js'
import { FileError, TextBuffer, type DetectedFile, type DocKind, type Extracted, type ExtractLimits } from './file-common.js'
import { decodeText, looksLikeText, markdownHeadings } from './file-text.js'

export { FileError, type DetectedFile, type DocKind, type Extracted, type FileErrorCode, type FileKind } from './file-common.js'

/**
 * Files users send (报告解读 / 图片): what a file is — judged from its bytes (magic numbers, the entries
 * of an Office zip), not from its name — and its text. PDF (pdfjs-dist), DOCX (mammoth), XLSX (exceljs
 * streaming reader), PPTX (jszip + slide XML), TXT/MD/CSV (UTF-8, UTF-16 with BOM, else GB18030).
 * Limits: 20 MB per file (DingTalk's own limit), a time limit, and a cap on the characters kept.
 */

export const MB = 1024 * 1024
/** DingTalk's file limit, and Andy's. */
export const MAX_FILE_BYTES = 20 * MB
export const DEFAULT_MAX_CHARS = 300_000
export const DEFAULT_TIMEOUT_MS = 60_000

export interface ExtractOptions {
  /** Used only when the content does not tell (text files: .md / .csv). */
  readonly fileName?: string
  readonly maxChars?: number
  readonly timeoutMs?: number
  readonly maxBytes?: number
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
  return { kind: 'text', ext, mime: ext === 'csv' ? 'text/csv' : ext === 'md' || ext === 'markdown' ? 'text/markdown' : 'text/plain' }
}

/** The file's type from its content; the name only breaks ties (text flavours, legacy Office). */
export async function detectFile(buffer: Uint8Array, fileName?: string): Promise<DetectedFile> {
  const nameExt = extOf(fileName)
  const ft = await fileTypeFromBuffer(buffer).catch(() => undefined)
  if (ft) {
    if (ft.ext === 'pdf') return { kind: 'pdf', ext: 'pdf', mime: ft.mime }
    if (OOXML.has(ft.ext)) return { kind: ft.ext as DocKind, ext: ft.ext, mime: ft.mime }
    if (IMAGE_EXTS.has(ft.ext)) return { kind: 'image', ext: ft.ext, mime: ft.mime }
    // Office 97–2003 (.doc/.xls/.ppt) and password-protected OOXML are both OLE compound files.
    if (ft.ext === 'cfb') return { kind: 'legacy-office', ext: ['doc', 'xls', 'ppt', 'docx', 'xlsx', 'pptx'].includes(nameExt) ? nameExt : 'cfb', mime: ft.mime }
    // Short text can look like an audio frame or the like to a magic-number table: text wins for those.
    if (!['zip', 'rar', '7z', 'gz', 'tar'].includes(ft.ext) && looksLikeText(buffer)) return textType(nameExt)
    return { kind: 'other', ext: ft.ext, mime: ft.mime }
  }
  if (looksLikeText(buffer)) return textType(nameExt)
  return { kind: 'other', ext: nameExt || 'bin', mime: 'application/octet-stream' }
}

function timeoutError(ms: number): FileError {
  return new FileError('timeout', `reading the file took longer than ${Math.round(ms / 1000)} s`)
}

/** Detects the type and extracts the text. Throws FileError for anything that is not a readable document. */
export async function extractText(buffer: Uint8Array, opts: ExtractOptions = {}): Promise<Extracted & { detected: DetectedFile }> {
  const maxBytes = opts.maxBytes ?? MAX_FILE_BYTES
  if (buffer.byteLength > maxBytes) throw new FileError('too_large', `the file is ${(buffer.byteLength / MB).toFixed(1)} MB, over ${(maxBytes / MB).toFixed(0)} MB`)
  if (buffer.byteLength === 0) throw new FileError('empty', 'the file is empty')
  const detected = await detectFile(buffer, opts.fileName)
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const limits: ExtractLimits = { maxChars: opts.maxChars ?? DEFAULT_MAX_CHARS, deadline: Date.now() + timeoutMs }
  let work: Promise<Extracted>
  switch (detected.kind) {
    case 'pdf':
      work = extractPdf(buffer, limits)
      break
    case 'docx':
      work = extractDocx(buffer, limits)
      break
    case 'pptx':
      work = extractPptx(buffer, limits)
      break
    case 'xlsx':
      work = extractXlsx(buffer, limits)
      break
    case 'text':
      work = Promise.resolve(extractPlain(buffer, limits))
      break
    case 'image':
      throw new FileError('image', 'the file is a picture', { kind: 'image', ext: detected.ext })
    case 'legacy-office':
      throw new FileError('legacy_office', 'legacy or encrypted Office file (OLE compound document)', { kind: detected.kind, ext: detected.ext })
    default:
      throw new FileError('unsupported', `unsupported file type ${detected.ext}`, { kind: detected.kind, ext: detected.ext })
  }
  // Extractors check the deadline between pages/rows; the race also covers a single long library call.
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError(timeoutMs)), timeoutMs + 1000)
  })
  try {
    const res = await Promise.race([work, deadline])
    if (res.text.trim() === '' && res.kind !== 'pdf') throw new FileError('empty', 'the document has no text', { kind: res.kind })
    return { ...res, detected }
  } finally {
    clearTimeout(timer)
    work.catch(() => undefined)
  }
}

function extractPlain(buffer: Uint8Array, limits: ExtractLimits): Extracted {
  const { text, encoding } = decodeText(buffer)
  const out = new TextBuffer(limits.maxChars)
  out.push(text.replace(/\r\n?/g, '\n'))
  const body = out.text()
  return { kind: 'text', text: body, chars: body.length, truncated: out.truncated, headings: markdownHeadings(body), encoding }
}
