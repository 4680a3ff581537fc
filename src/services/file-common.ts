import type { FileLimits, LimitKind } from '../core/file-limits.js'

/** Types and helpers shared by the file extractors (files.ts and file-*.ts). */

export type DocKind = 'pdf' | 'docx' | 'xlsx' | 'pptx' | 'text'
export type FileKind = DocKind | 'image' | 'legacy-office' | 'other'

export interface DetectedFile {
  readonly kind: FileKind
  /** Extension matching the content (pdf, docx, png, txt…). */
  readonly ext: string
  readonly mime: string
}

export interface Extracted {
  readonly kind: DocKind
  /** The text, paragraphs separated by blank lines, headings as markdown `#` lines. */
  readonly text: string
  /** Characters kept (≤ maxChars). */
  readonly chars: number
  /** More text was there than maxChars (or the time limit cut the reading short). */
  readonly truncated: boolean
  /** PDF pages / PPTX slides / XLSX sheets. */
  readonly pages?: number
  readonly slides?: number
  readonly sheets?: readonly string[]
  /** PDF pages without a text layer (scans). */
  readonly imagePages?: number
  /** Headings found (DOCX headings, slide titles, sheet names, markdown `#`), in order. */
  readonly headings: readonly string[]
  /** Text files: the encoding used. */
  readonly encoding?: string
}

export type FileErrorCode =
  | 'too_large'
  | 'unsupported'
  | 'legacy_office'
  | 'image'
  | 'scanned'
  | 'encrypted'
  | 'corrupt'
  | 'timeout'
  | 'empty'
  | 'limit'
  | 'encoding'

export interface FileErrorDetail {
  readonly pages?: number
  readonly kind?: FileKind
  readonly ext?: string
  /** code 'limit': which cap, the value found (when known) and the cap. */
  readonly limit?: LimitKind
  readonly actual?: number
  readonly max?: number
  /** The zip part concerned (code 'limit'). */
  readonly part?: string
  /** A picture's declared size, "50000×50000" (limit 'pixels'). */
  readonly dims?: string
  /** The parsing worker died (not a verdict on the file's format). */
  readonly crashed?: boolean
}

/** A file Andy cannot read, with what to tell the user (handlers turn the code into Chinese). */
export class FileError extends Error {
  constructor(
    readonly code: FileErrorCode,
    message: string,
    readonly detail: FileErrorDetail = {},
  ) {
    super(message)
    this.name = 'FileError'
  }
}

/** A cap passed (see file-limits.ts); `message` is for the log, surfaces word it from the detail. */
export function limitError(limit: LimitKind, message: string, detail: Omit<FileErrorDetail, 'limit'> = {}): FileError {
  return new FileError('limit', message, { ...detail, limit })
}

/** What the extractors get: stop reading past maxChars, give up past the deadline. */
export interface ExtractLimits {
  readonly maxChars: number
  /** Epoch ms. */
  readonly deadline: number
  /** The resource caps (zip sizes, rows, pages…). */
  readonly files: FileLimits
  /** The clock the deadline is read with (tests pass their own); Date.now otherwise. */
  readonly now?: () => number
}

/** The deadline has passed. */
export function expired(limits: Pick<ExtractLimits, 'deadline' | 'now'>): boolean {
  return (limits.now ?? Date.now)() > limits.deadline
}

/** Throws the timeout error once the deadline has passed (extractors call it between units of work). */
export function checkDeadline(limits: ExtractLimits, timeoutLabel = 'the file'): void {
  if (expired(limits)) throw new FileError('timeout', `reading ${timeoutLabel} took too long`)
}

/** Appends `piece` to `parts` while the total stays within maxChars; returns false once full. */
export class TextBuffer {
  private readonly parts: string[] = []
  private size = 0
  truncated = false

  constructor(private readonly maxChars: number) {}

  get length(): number {
    return this.size
  }

  push(piece: string): boolean {
    if (this.truncated) return false
    const room = this.maxChars - this.size
    if (piece.length > room) {
      if (room > 0) this.parts.push(piece.slice(0, room))
      this.size = this.maxChars
      this.truncated = true
      return false
    }
    this.parts.push(piece)
    this.size += piece.length
    return true
  }

  text(): string {
    return this.parts
      .join('')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  }
}

/** A table file that cannot be read as a table (the message is Chinese, for the user). */
export class FileFormatError extends Error {
  constructor(
    message: string,
    /** The reader's error, when the file itself was the problem (its code, the cap passed…). */
    readonly fileError?: FileError,
  ) {
    super(message)
    this.name = 'FileFormatError'
  }
}
