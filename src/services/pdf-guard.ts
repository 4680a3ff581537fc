import { Readable } from 'node:stream'
import { constants, createInflate } from 'node:zlib'
import { type FileLimits, MB } from '../core/file-limits.js'
import { limitError } from './file-common.js'

/**
 * A PDF's compressed streams, measured before pdf.js sees the file: every FlateDecode stream is
 * inflated here (chunk by chunk, output thrown away) and the bytes counted, one stream against the
 * part cap and all of them against the total. A PDF whose streams inflate past the caps — a
 * decompression bomb in a content stream, an object stream or a picture — is refused before pdf.js
 * allocates its buffers (which live outside the worker's heap limit).
 */

const FLATE = /\/(FlateDecode|Fl)\b/

/** Objects of the form `N G obj <integer> endobj` (indirect /Length values). */
function indirectIntegers(pdf: Buffer): Map<string, number> {
  const map = new Map<string, number>()
  const text = pdf.toString('latin1')
  for (const m of text.matchAll(/(\d+)\s+(\d+)\s+obj\s*(\d+)\s*endobj/g)) map.set(`${m[1]} ${m[2]}`, Number(m[3]))
  return map
}

/** Inflated size of `data`, stopping as soon as it passes `cap` (returns cap + 1 then). Damaged data counts what came out. */
async function inflatedSize(data: Buffer, cap: number): Promise<number> {
  let size = 0
  const inflate = createInflate({ finishFlush: constants.Z_SYNC_FLUSH })
  try {
    for await (const chunk of Readable.from([data]).pipe(inflate)) {
      size += (chunk as Buffer).length
      if (size > cap) {
        inflate.destroy()
        return cap + 1
      }
    }
  } catch {
    // a damaged stream: pdf.js stops there too
  }
  return size
}

export interface PdfStreamStats {
  streams: number
  inflatedBytes: number
}

export async function checkPdfStreams(pdf: Buffer, limits: FileLimits): Promise<PdfStreamStats> {
  let lengths: Map<string, number> | undefined
  let total = 0
  let streams = 0
  let pos = 0
  for (;;) {
    const at = pdf.indexOf('stream', pos, 'latin1')
    if (at === -1) break
    pos = at + 6
    if (at >= 3 && pdf.toString('latin1', at - 3, at) === 'end') continue
    let start = at + 6
    if (pdf[start] === 0x0d) start++
    if (pdf[start] === 0x0a) start++
    else if (pdf[start - 1] !== 0x0d) continue // "stream" inside other text
    const head = pdf.toString('latin1', Math.max(0, at - 2048), at)
    const dict = head.slice(head.lastIndexOf('obj') + 1)
    if (!FLATE.test(dict)) continue
    let length: number | undefined
    const direct = /\/Length\s+(\d+)(\s+(\d+)\s+R)?/.exec(dict)
    if (direct && !direct[2]) length = Number(direct[1])
    else if (direct) length = (lengths ??= indirectIntegers(pdf)).get(`${direct[1]} ${direct[3]}`)
    const endByKeyword = pdf.indexOf('endstream', start, 'latin1')
    // The larger of /Length and the keyword's position: pdf.js uses /Length, and falls back to the keyword.
    const end = Math.min(
      pdf.length,
      Math.max(length !== undefined ? start + length : 0, endByKeyword === -1 ? pdf.length : endByKeyword),
    )
    const room = Math.min(limits.maxPartBytes, limits.maxUnpackedBytes - total)
    const size = await inflatedSize(pdf.subarray(start, end), room)
    streams++
    if (size > limits.maxPartBytes)
      throw limitError('part', `a PDF stream inflates past ${limits.maxPartBytes / MB} MB`, {
        max: limits.maxPartBytes,
        kind: 'pdf',
      })
    total += size
    if (total > limits.maxUnpackedBytes)
      throw limitError('unpacked', `the PDF's streams inflate past ${limits.maxUnpackedBytes / MB} MB`, {
        max: limits.maxUnpackedBytes,
        kind: 'pdf',
      })
    pos = Math.max(pos, end)
  }
  return { streams, inflatedBytes: total }
}
