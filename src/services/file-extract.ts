import type { FileLimits } from '../core/file-limits.js'
import { type DocKind, type Extracted, type ExtractLimits, FileError } from './file-common.js'
import { extractDocx, extractPptx } from './file-office.js'
import { extractPdf } from './file-pdf.js'
import { extractXlsx } from './file-sheet.js'
import { GuardedZip } from './zip-guard.js'

/**
 * The text of a PDF or Office document, inside a parsing worker (file-worker.ts). Office files are
 * zips: their central directory is checked first (zip-guard.ts) and every part is read through it.
 */

export interface ExtractJob {
  readonly buffer: Uint8Array
  readonly kind: Exclude<DocKind, 'text'>
  readonly maxChars: number
  /** From the start of the job: past it the extractors stop (a PDF keeps the pages read). */
  readonly timeoutMs: number
  readonly limits: FileLimits
}

export async function extractDocument(job: ExtractJob): Promise<Extracted> {
  // pdf.js loads on the first PDF; the deadline counts from after that.
  if (job.kind === 'pdf') await import('pdfjs-dist/legacy/build/pdf.mjs')
  const limits: ExtractLimits = { maxChars: job.maxChars, deadline: Date.now() + job.timeoutMs, files: job.limits }
  if (job.kind === 'pdf') return extractPdf(job.buffer, limits)
  let zip: GuardedZip
  try {
    zip = await GuardedZip.open(job.buffer, job.limits)
  } catch (err) {
    if (err instanceof FileError && err.code === 'corrupt')
      throw new FileError('corrupt', err.message, { ...err.detail, kind: job.kind })
    throw err
  }
  try {
    if (job.kind === 'docx') return await extractDocx(zip, job.buffer, limits)
    if (job.kind === 'pptx') return await extractPptx(zip, limits)
    return await extractXlsx(zip, limits)
  } finally {
    zip.close()
  }
}
