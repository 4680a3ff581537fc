import mammoth from 'mammoth'
import { trimDocx } from './docx-trim.js'
import { checkDeadline, type Extracted, type ExtractLimits, FileError, TextBuffer } from './file-common.js'
import { decodeEntities, htmlToText } from './file-text.js'
import { readRels, resolvePart } from './xlsx-rows.js'
import type { GuardedZip } from './zip-guard.js'

/**
 * Word and PowerPoint text, from a zip the GuardedZip has checked. DOCX through mammoth (headings kept
 * from the paragraph styles, images skipped without being decoded). A document longer than the text
 * budget is cut first (docx-trim.ts), so mammoth never builds the whole of a huge one; otherwise mammoth
 * inflates the zip itself (jszip), so its XML parts are inflated once first, counted and held to the
 * sizes the directory declares. PPTX by reading the slide XML through the GuardedZip in presentation order, one slide at a
 * time until the text budget is full: each slide's title as a heading, its text and tables, then its
 * speaker notes.
 */

/** The parts mammoth reads (pictures are never read: convertImage below does not open them). */
const DOCX_TEXT_PART = /\.(xml|rels)$/i

export async function extractDocx(zip: GuardedZip, buffer: Uint8Array, limits: ExtractLimits): Promise<Extracted> {
  const isText = (name: string) => DOCX_TEXT_PART.test(name)
  const trimmed = await trimDocx(zip, limits.maxChars, isText)
  if (!trimmed) await zip.verify(isText)
  checkDeadline(limits, 'the document')
  const input = trimmed?.zip ?? buffer
  let html: string
  try {
    const res = await mammoth.convertToHtml(
      { buffer: Buffer.from(input.buffer, input.byteOffset, input.byteLength) },
      // Pictures are not read at all (a data URI per image would only cost memory).
      { convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })), ignoreEmptyParagraphs: true },
    )
    html = res.value
  } catch (err) {
    throw new FileError('corrupt', `not a readable DOCX: ${(err as Error).message}`, { kind: 'docx' })
  }
  checkDeadline(limits, 'the document')
  const { text, headings } = htmlToText(html)
  const out = new TextBuffer(limits.maxChars)
  out.push(text)
  const kept = out.text()
  return { kind: 'docx', text: kept, chars: kept.length, truncated: out.truncated || trimmed !== undefined, headings }
}

const PARAGRAPH_OR_ROW = /<a:tr[\s>][\s\S]*?<\/a:tr>|<a:p[\s>][\s\S]*?<\/a:p>/g
const SHAPE = /<p:sp[\s>][\s\S]*?<\/p:sp>/g

/** The text of one <a:p> (runs, fields, line breaks). */
function paragraphText(p: string): string {
  let s = ''
  for (const m of p.matchAll(/<a:t(?:\s[^>]*)?>([\s\S]*?)<\/a:t>|<a:br\s*\/>/g))
    s += m[1] === undefined ? '\n' : decodeEntities(m[1])
  return s.trim()
}

/** Paragraphs in document order; a table row becomes one line, cells joined with " | ". */
function xmlLines(xml: string): string[] {
  const lines: string[] = []
  for (const m of xml.matchAll(PARAGRAPH_OR_ROW)) {
    const block = m[0]
    if (block.startsWith('<a:tr')) {
      const cells = [...block.matchAll(/<a:tc[\s>][\s\S]*?<\/a:tc>/g)].map((c) =>
        [...c[0].matchAll(/<a:p[\s>][\s\S]*?<\/a:p>/g)]
          .map((p) => paragraphText(p[0]))
          .filter(Boolean)
          .join(' '),
      )
      if (cells.some(Boolean)) lines.push(cells.join(' | '))
    } else {
      const t = paragraphText(block)
      if (t) lines.push(t)
    }
  }
  return lines
}

const isPlaceholder = (shape: string, types: readonly string[]) =>
  types.some((t) => shape.includes(`<p:ph type="${t}"`))

async function relTargets(zip: GuardedZip, part: string): Promise<Map<string, string>> {
  return new Map((await readRels(zip, part)).filter((r) => r.Id && r.Target).map((r) => [r.Id!, r.Target!]))
}

/** Slide part names in presentation order (sldIdLst), else by slide number. */
async function slideOrder(zip: GuardedZip): Promise<string[]> {
  const pres = await zip.text('ppt/presentation.xml')
  const rels = await relTargets(zip, 'ppt/presentation.xml')
  const ordered: string[] = []
  for (const m of (pres ?? '').matchAll(/<p:sldId\s[^>]*r:id="([^"]+)"/g)) {
    const target = rels.get(m[1]!)
    if (target) ordered.push(resolvePart('ppt/presentation.xml', target))
  }
  if (ordered.length && ordered.every((p) => zip.has(p))) return ordered
  const num = (p: string) => Number(/slide(\d+)\.xml$/i.exec(p)?.[1] ?? 0)
  return zip
    .names()
    .filter((p) => /^ppt\/slides\/slide\d+\.xml$/i.test(p))
    .sort((a, b) => num(a) - num(b))
}

export async function extractPptx(zip: GuardedZip, limits: ExtractLimits): Promise<Extracted> {
  const slides = await slideOrder(zip)
  const out = new TextBuffer(limits.maxChars)
  const headings: string[] = []
  let lines = 0
  for (let i = 0; i < slides.length; i++) {
    checkDeadline(limits, 'the presentation')
    const path = slides[i]!
    const xml = (await zip.text(path)) ?? ''
    const shapes = xml.match(SHAPE) ?? []
    const titleShape = shapes.find((s) => isPlaceholder(s, ['title', 'ctrTitle']))
    const title = titleShape ? xmlLines(titleShape).join(' ') : ''
    if (title) headings.push(title)
    const body = xmlLines(titleShape ? xml.replace(titleShape, '') : xml)
    const rels = await relTargets(zip, path)
    const notesTarget = [...rels.values()].find((t) => t.includes('notesSlide'))
    let notes: string[] = []
    if (notesTarget) {
      const notesXml = (await zip.text(resolvePart(path, notesTarget))) ?? ''
      notes = (notesXml.match(SHAPE) ?? []).filter((s) => isPlaceholder(s, ['body'])).flatMap(xmlLines)
    }
    lines += (title ? 1 : 0) + body.length + notes.length
    const block = [
      `## 第 ${i + 1} 页${title ? `：${title}` : ''}`,
      ...body,
      ...(notes.length ? [`备注：${notes.join(' ')}`] : []),
    ].join('\n')
    if (!out.push(`${block}\n\n`)) break
  }
  if (lines === 0)
    throw new FileError('empty', 'the slides have no text (pictures only?)', { kind: 'pptx', pages: slides.length })
  const text = out.text()
  return { kind: 'pptx', text, chars: text.length, truncated: out.truncated, slides: slides.length, headings }
}
