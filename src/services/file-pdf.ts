import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { type Extracted, type ExtractLimits, expired, FileError, limitError, TextBuffer } from './file-common.js'
import { checkPdfStreams } from './pdf-guard.js'

/**
 * PDF text with Mozilla's pdf.js (pdfjs-dist 4.x legacy build: runs on Node 20 in-process, no native
 * code needed for text). The packed CMaps shipped with pdfjs-dist are passed in, so Chinese PDFs whose
 * fonts use Adobe's predefined encodings (UniGB-UCS2-H, STSong-Light…) come out as text too.
 * Before pdf.js runs, the compressed streams are measured (pdf-guard.ts); the page count is checked
 * before any page is read.
 */

/**
 * When no page has this many visible characters the PDF is a scan (a page number or a scanner's stamp
 * is not a text layer). A single page with less, in a PDF with text, is a short page (「谢谢」), not a scan:
 * only pages with no text at all are reported as unread.
 */
const TEXT_PAGE_MIN = 20

let assets: { cMapUrl: string; standardFontDataUrl: string } | undefined

function pdfjsAssets(): { cMapUrl: string; standardFontDataUrl: string } {
  if (!assets) {
    const root = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'))
    assets = { cMapUrl: `${join(root, 'cmaps')}/`, standardFontDataUrl: `${join(root, 'standard_fonts')}/` }
  }
  return assets
}

function visibleChars(s: string): number {
  let n = 0
  for (const ch of s) if (!/\s/.test(ch)) n++
  return n
}

type PdfDoc = Awaited<ReturnType<Awaited<typeof import('pdfjs-dist/legacy/build/pdf.mjs')>['getDocument']>['promise']>

/** The text of every page (until the caps or the deadline); a PDF (nearly) without text is a scan. */
async function readPages(doc: PdfDoc, limits: ExtractLimits): Promise<Extracted> {
  const out = new TextBuffer(limits.maxChars)
  let imagePages = 0
  let sparsePages = 0
  let stoppedAt = doc.numPages
  for (let p = 1; p <= doc.numPages; p++) {
    if (expired(limits)) {
      if (p === 1) throw new FileError('timeout', 'reading the PDF took too long', { pages: doc.numPages, kind: 'pdf' })
      // Keep what was read; the handler says the rest was not read.
      out.truncated = true
      stoppedAt = p - 1
      break
    }
    const page = await doc.getPage(p)
    const content = await page.getTextContent()
    let pageText = ''
    for (const item of content.items) {
      if (!('str' in item)) continue
      pageText += item.str
      if (item.hasEOL) pageText += '\n'
    }
    page.cleanup()
    const v = visibleChars(pageText)
    if (v === 0) imagePages++
    if (v < TEXT_PAGE_MIN) sparsePages++
    if (!out.push(`${pageText.trim()}\n\n`)) {
      stoppedAt = p
      break
    }
  }
  // Every page (nearly) without text: a scan or pictures. A page number or a scanner's stamp is not a text layer.
  if (sparsePages === doc.numPages && stoppedAt === doc.numPages) {
    throw new FileError('scanned', 'the PDF has no text layer (scanned pages)', {
      pages: doc.numPages,
      kind: 'pdf',
      ext: 'pdf',
    })
  }
  const text = out.text()
  return {
    kind: 'pdf',
    text,
    chars: text.length,
    truncated: out.truncated,
    pages: doc.numPages,
    imagePages,
    headings: [],
  }
}

export async function extractPdf(buffer: Uint8Array, limits: ExtractLimits): Promise<Extracted> {
  // Bounded by the caps (at most ANDY_FILE_MAX_UNPACKED_MB inflated); the worker's hard deadline covers it.
  await checkPdfStreams(Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength), limits.files)
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs')
  // pdf.js takes ownership of (and detaches) the array it is given: hand it a copy.
  const data = new Uint8Array(buffer)
  const task = pdfjs.getDocument({
    data,
    ...pdfjsAssets(),
    cMapPacked: true,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
    // Pictures are not needed for text; none is decoded past this many pixels.
    maxImageSize: limits.files.maxImagePixels,
  })
  let doc: Awaited<typeof task.promise>
  try {
    doc = await task.promise
  } catch (err) {
    await task.destroy().catch(() => undefined)
    const name = (err as { name?: string }).name
    if (name === 'PasswordException') throw new FileError('encrypted', 'the PDF is password-protected')
    throw new FileError('corrupt', `not a readable PDF: ${(err as Error).message}`)
  }
  try {
    if (doc.numPages > limits.files.maxPdfPages) {
      throw limitError('pages', `the PDF has ${doc.numPages} pages (cap ${limits.files.maxPdfPages})`, {
        kind: 'pdf',
        actual: doc.numPages,
        max: limits.files.maxPdfPages,
      })
    }
    return await readPages(doc, limits)
  } catch (err) {
    if (err instanceof FileError) throw err
    // e.g. "Pages tree contains circular reference."
    throw new FileError('corrupt', `not a readable PDF: ${(err as Error).message}`, { kind: 'pdf' })
  } finally {
    await doc.destroy().catch(() => undefined)
  }
}
