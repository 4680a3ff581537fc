/** Text helpers for the extractors: encodings of plain-text files, XML/HTML to readable text. */

const SAMPLE = 64 * 1024

/** No NUL bytes (outside a UTF-16 BOM file) and few control characters in the first 64 KB. */
export function looksLikeText(buf: Uint8Array): boolean {
  if (bomOf(buf)) return true
  const n = Math.min(buf.length, SAMPLE)
  if (n === 0) return false
  let control = 0
  for (let i = 0; i < n; i++) {
    const b = buf[i]!
    if (b === 0) return false
    if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) control++
  }
  return control / n < 0.01
}

function bomOf(buf: Uint8Array): 'utf-8' | 'utf-16le' | 'utf-16be' | undefined {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return 'utf-8'
  if (buf[0] === 0xff && buf[1] === 0xfe) return 'utf-16le'
  if (buf[0] === 0xfe && buf[1] === 0xff) return 'utf-16be'
  return undefined
}

/**
 * Decodes a text file: a BOM decides; otherwise strict UTF-8, and when that fails GB18030 (a superset
 * of GBK/GB2312, what Chinese Windows saves as "ANSI"). Node's TextDecoder has both (full ICU).
 */
export function decodeText(buf: Uint8Array): { text: string; encoding: string } {
  const bom = bomOf(buf)
  if (bom) return { text: new TextDecoder(bom).decode(buf), encoding: bom }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf), encoding: 'utf-8' }
  } catch {
    return { text: new TextDecoder('gb18030').decode(buf), encoding: 'gb18030' }
  }
}

/** `# Heading` lines of a markdown-ish text (at most `limit`). */
export function markdownHeadings(text: string, limit = 50): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    out.push(m[1]!.trim())
    if (out.length >= limit) break
  }
  return out
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }

/** Decodes XML/HTML character references. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m
    }
    return ENTITIES[e] ?? m
  })
}

/**
 * mammoth's HTML → text with markdown headings and list dashes; table cells joined with " | ".
 * Headings are returned separately too.
 */
export function htmlToText(html: string): { text: string; headings: string[] } {
  const headings: string[] = []
  const text = html
    // Table cells first, so the paragraphs inside a cell stay on the row's line.
    .replace(
      /<t([dh])(?:\s[^>]*)?>([\s\S]*?)<\/t\1>/gi,
      (_m, _t: string, inner: string) =>
        `<td>${inner.replace(/<\/p>\s*<p[^>]*>|<br\s*\/?>/gi, ' ').replace(/<\/?p[^>]*>/gi, '')}</td>`,
    )
    .replace(/<h([1-6])[^>]*>([\s\S]*?)<\/h\1>/gi, (_m, level: string, inner: string) => {
      const t = decodeEntities(inner.replace(/<[^>]+>/g, '')).trim()
      if (!t) return ''
      headings.push(t)
      return `\n\n${'#'.repeat(Number(level))} ${t}\n\n`
    })
    .replace(/<li[^>]*>/gi, '\n- ')
    .replace(/<\/t[dh]>\s*<t[dh](?:\s[^>]*)?>/gi, ' | ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|li|tr|table|ul|ol)>/gi, '\n')
    .replace(/<p[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, '')
  return {
    text: decodeEntities(text)
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim(),
    headings,
  }
}
