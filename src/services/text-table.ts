import { createReadStream } from 'node:fs'
import papa from 'papaparse'
import { FileError, limitError } from './file-common.js'

/**
 * Delimited text tables as admins save them (.csv / .tsv / .txt): the encoding is detected — a BOM
 * (UTF-8, UTF-16 LE/BE), NUL bytes in every other position (UTF-16 without a BOM), strict UTF-8, or
 * GB18030 (what Excel on Chinese Windows saves as "CSV"/"ANSI"; a superset of GBK and GB2312) when its
 * double-byte characters look like Chinese text — and decoded strictly: a byte sequence the encoding
 * does not allow is an error ('encoding'), never a U+FFFD. The delimiter (comma, tab, semicolon) is
 * taken from the first lines. Records are split by papaparse (quoted fields with line breaks, "" escapes).
 */

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030'

export interface TextTableFormat {
  readonly encoding: TextEncoding
  readonly bom: boolean
  readonly delimiter: string
}

/** How far the encoding and delimiter are judged (a bigger file is decoded strictly all the way anyway). */
const SAMPLE_BYTES = 256 * 1024

function bomOf(b: Uint8Array): { encoding: TextEncoding; length: number } | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', length: 3 }
  if (b[0] === 0xff && b[1] === 0xfe && !(b[2] === 0 && b[3] === 0)) return { encoding: 'utf-16le', length: 2 }
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', length: 2 }
  return undefined
}

/** UTF-16 without a BOM: ASCII characters leave a NUL in every other byte. */
function utf16ByNuls(b: Uint8Array): TextEncoding | undefined {
  const n = Math.min(b.length, 4096) & ~1
  if (n < 4) return undefined
  let even = 0
  let odd = 0
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) even++
    if (b[i + 1] === 0) odd++
  }
  const half = n / 2
  if (odd > half * 0.3 && even < half * 0.05) return 'utf-16le'
  if (even > half * 0.3 && odd < half * 0.05) return 'utf-16be'
  return undefined
}

function decodes(encoding: string, b: Uint8Array): boolean {
  try {
    new TextDecoder(encoding, { fatal: true }).decode(b, { stream: true })
    return true
  } catch {
    return false
  }
}

/**
 * Whether GB18030-valid bytes look like Chinese text: most double-byte characters of real GBK text are
 * GB2312 characters (both bytes 0xA1–0xFE); Big5, Shift-JIS or random bytes fall mostly outside.
 */
function looksLikeGbk(b: Uint8Array): boolean {
  let pairs = 0
  let common = 0
  for (let i = 0; i < b.length - 1; ) {
    const c = b[i]!
    if (c < 0x80) {
      i++
      continue
    }
    const d = b[i + 1]!
    if (d >= 0x30 && d <= 0x39) {
      pairs++ // a four-byte GB18030 sequence: rare in GBK-era files
      i += 4
      continue
    }
    pairs++
    if (c >= 0xa1 && c <= 0xf7 && d >= 0xa1 && d <= 0xfe) common++
    i += 2
  }
  return pairs === 0 || common / pairs >= 0.7
}

/** The encoding of a text table from its first bytes; FileError 'encoding' when it cannot be told. */
export function detectEncoding(sample: Uint8Array): { encoding: TextEncoding; bomLength: number } {
  const bom = bomOf(sample)
  if (bom) return { encoding: bom.encoding, bomLength: bom.length }
  const wide = utf16ByNuls(sample)
  if (wide) return { encoding: wide, bomLength: 0 }
  if (sample.includes(0))
    throw new FileError('encoding', 'NUL bytes in a text table (a binary file?)', { kind: 'text' })
  if (decodes('utf-8', sample)) return { encoding: 'utf-8', bomLength: 0 }
  if (decodes('gb18030', sample) && looksLikeGbk(sample)) return { encoding: 'gb18030', bomLength: 0 }
  throw new FileError('encoding', 'neither UTF-8, UTF-16 nor GB18030', { kind: 'text' })
}

/** Comma, tab or semicolon: the one that splits the first lines into the same, largest number of fields. */
export function detectDelimiter(text: string, ext: string): string {
  const lines = text
    .split(/\r\n|\n|\r/)
    .filter((l) => l.trim())
    .slice(0, 10)
  let best = ext === '.tsv' ? '\t' : ','
  let bestScore = 0
  for (const d of ['\t', ',', ';', '|']) {
    const counts = lines.map((l) => l.split(d).length - 1)
    const max = Math.max(0, ...counts)
    if (max === 0) continue
    // Lines with the most common count (title rows above the header have fewer).
    const mode = counts.filter((c) => c === max).length
    const score = max * mode
    if (score > bestScore || (score === bestScore && d === '\t')) {
      best = d
      bestScore = score
    }
  }
  return best
}

function newlineOf(text: string): '\r\n' | '\n' | '\r' {
  const i = text.search(/\r\n|\n|\r/)
  if (i < 0) return '\n'
  return text[i] === '\r' ? (text[i + 1] === '\n' ? '\r\n' : '\r') : '\n'
}

async function* byteChunks(
  source: { path?: string; buffer?: Uint8Array },
  onBytes?: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  if (source.buffer) {
    const b = source.buffer
    for (let i = 0; i < b.length; i += 1 << 20) {
      const chunk = b.subarray(i, Math.min(b.length, i + (1 << 20)))
      onBytes?.(chunk.length)
      yield chunk
    }
    return
  }
  for await (const chunk of createReadStream(source.path!, { highWaterMark: 1 << 20 })) {
    onBytes?.((chunk as Buffer).length)
    yield chunk as Buffer
  }
}

export interface TextTableOptions {
  readonly ext: string
  /** A record (a line, or a quoted field with line breaks) longer than this is refused. */
  readonly maxRecordChars: number
  readonly onBytes?: (n: number) => void
  /** Told the format once it is known (before the first record). */
  readonly onFormat?: (f: TextTableFormat) => void
}

/** The records of a delimited text file, in order; FileError 'encoding' / 'corrupt' / 'limit'. */
export async function* textTableRecords(
  source: { path?: string; buffer?: Uint8Array },
  o: TextTableOptions,
): AsyncGenerator<string[]> {
  let decoder: InstanceType<typeof TextDecoder> | undefined
  let parser: papa.Parser | undefined
  let carry = ''
  let head: Uint8Array | undefined
  let format: TextTableFormat | undefined
  const parse = (text: string, last: boolean): string[][] => {
    const input = carry + text
    if (!parser) {
      const delimiter = detectDelimiter(input.slice(0, 64 * 1024), o.ext)
      format = { ...format!, delimiter }
      o.onFormat?.(format)
      parser = new papa.Parser({ delimiter, newline: newlineOf(input), quoteChar: '"' })
    }
    const res = parser.parse(input, 0, !last) as { data: string[][]; meta: { cursor: number } }
    carry = last ? '' : input.slice(res.meta.cursor)
    if (carry.length > o.maxRecordChars)
      throw limitError('chars', `a record is longer than ${o.maxRecordChars} characters`, { max: o.maxRecordChars })
    return res.data
  }
  const start = (bytes: Uint8Array): Uint8Array => {
    const { encoding, bomLength } = detectEncoding(bytes)
    format = { encoding, bom: bomLength > 0, delimiter: ',' }
    decoder = new TextDecoder(encoding, { fatal: true })
    return bytes.subarray(bomLength)
  }
  const decode = (bytes: Uint8Array, last: boolean): string => {
    try {
      return decoder!.decode(bytes, { stream: !last })
    } catch {
      throw new FileError('encoding', `bytes that are not valid ${format?.encoding}`, { kind: 'text' })
    }
  }
  for await (const chunk of byteChunks(source, o.onBytes)) {
    if (!decoder) {
      head = head ? concat(head, chunk) : chunk
      if (head.length < SAMPLE_BYTES) continue
      const text = decode(start(head), false)
      head = undefined
      yield* parse(text, false)
      continue
    }
    yield* parse(decode(chunk, false), false)
  }
  if (!decoder) {
    if (!head || head.length === 0) return
    const text = decode(start(head), true)
    yield* parse(text, true)
    return
  }
  yield* parse(decode(new Uint8Array(0), true), true)
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
