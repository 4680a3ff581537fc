import JSZip from 'jszip'
import { MB } from '../core/file-limits.js'
import { readRels, resolvePart } from './xlsx-rows.js'
import type { GuardedZip } from './zip-guard.js'

/**
 * A long Word document is cut before mammoth sees it: mammoth builds the whole document in memory, but
 * a report only needs the text up to the model's budget. document.xml is streamed through a small tag
 * scanner that counts the characters of <w:t> runs; once the budget (or XML_BUDGET bytes of XML) is
 * reached, the XML is cut after the last element closed directly under <w:body> (a paragraph or a whole
 * table, so nothing is left half open), the open ancestors are closed, and mammoth converts a small zip
 * of the text parts with that document. The rest of the document is never read.
 */

/** XML kept for mammoth at most (its document tree is ~10× this). */
const XML_BUDGET = 16 * MB

export interface TrimmedDocx {
  /** A zip of the text parts with document.xml cut. */
  readonly zip: Uint8Array
  readonly truncated: true
}

interface Scan {
  depth: number
  bodyDepth: number
  inText: boolean
  chars: number
  /** Offset (in the kept XML) just after the last element closed directly under <w:body>. */
  safeEnd: number
  /** Names of the elements open at safeEnd (document, body). */
  open: string[]
  stack: string[]
}

const TAG = /<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>|<[!?][^>]*>/g

/** Scans `text` (starting at `offset` in the kept XML); returns true once the budget is reached at a safe point. */
function scan(s: Scan, text: string, offset: number, maxChars: number): boolean {
  TAG.lastIndex = 0
  let last = 0
  for (let m = TAG.exec(text); m; m = TAG.exec(text)) {
    if (s.inText) s.chars += m.index - last
    last = TAG.lastIndex
    const [, close, name, selfClose] = m
    if (!name) continue
    const local = name.slice(name.indexOf(':') + 1)
    if (close) {
      s.stack.pop()
      s.depth--
      if (local === 't') s.inText = false
      if (s.depth === s.bodyDepth) {
        s.safeEnd = offset + TAG.lastIndex
        s.open = [...s.stack]
        if (s.chars >= maxChars) return true
      }
    } else if (!selfClose) {
      s.stack.push(name)
      s.depth++
      if (local === 'body' && s.bodyDepth < 0) s.bodyDepth = s.depth
      if (local === 't') s.inText = true
    }
  }
  if (s.inText) s.chars += text.length - last
  return false
}

/** The main document part (from the package relationships; word/document.xml by default). */
async function mainPart(zip: GuardedZip): Promise<string> {
  const target = (await readRels(zip, '')).find((r) => r.Type?.endsWith('/officeDocument'))?.Target
  return target ? resolvePart('', target) : 'word/document.xml'
}

/** A zip for mammoth with document.xml cut at the text budget; undefined when the whole document fits. */
export async function trimDocx(
  zip: GuardedZip,
  maxChars: number,
  textPart: (name: string) => boolean,
): Promise<TrimmedDocx | undefined> {
  const main = await mainPart(zip)
  if (!zip.has(main)) return undefined
  const s: Scan = { depth: 0, bodyDepth: -1, inText: false, chars: 0, safeEnd: 0, open: [], stack: [] }
  let kept = ''
  let carry = ''
  let cut = false
  const stream = await zip.stream(main)
  const decoder = new TextDecoder('utf-8')
  for await (const chunk of stream) {
    let text = carry + decoder.decode(chunk as Buffer, { stream: true })
    // Scan whole tags only: keep an unfinished '<…' for the next chunk.
    const lt = text.lastIndexOf('<')
    carry = lt > text.lastIndexOf('>') ? text.slice(lt) : ''
    text = carry ? text.slice(0, lt) : text
    const at = kept.length
    kept += text
    if (scan(s, text, at, maxChars) || (kept.length > XML_BUDGET && s.safeEnd > 0)) {
      cut = true
      break
    }
  }
  stream.destroy()
  if (!cut) return undefined
  const xml =
    kept.slice(0, s.safeEnd) +
    s.open
      .slice()
      .reverse()
      .map((n) => `</${n}>`)
      .join('')
  const out = new JSZip()
  for (const name of zip.names()) {
    if (name === main) out.file(name, xml)
    else if (textPart(name)) out.file(name, (await zip.buffer(name))!)
  }
  return { zip: await out.generateAsync({ type: 'uint8array', compression: 'STORE' }), truncated: true }
}
