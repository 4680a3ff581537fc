/**
 * DingTalk markdown helpers. No tables and no fenced code (they break on mobile; dingtalk.md §3);
 * replies are split below PART_LIMIT characters at paragraph or line boundaries.
 */

/**
 * The one split limit of every reply: a markdown message (outbox part) and an AI card hold at most this
 * many characters (cards render blank past ~3,000; pipelines/card-stream.ts continues in a new card).
 */
export const PART_LIMIT = 3000

/** Splits markdown into parts of at most `limit` characters, preferring blank lines, then lines. */
export function splitMarkdown(text: string, limit = PART_LIMIT): string[] {
  if (text.length <= limit) return [text]
  const parts: string[] = []
  let rest = text
  while (rest.length > limit) {
    let cut = rest.lastIndexOf('\n\n', limit)
    if (cut < limit / 3) cut = rest.lastIndexOf('\n', limit)
    if (cut < limit / 3) cut = limit
    parts.push(rest.slice(0, cut).trimEnd())
    rest = rest.slice(cut).replace(/^\n+/, '')
  }
  if (rest.trim()) parts.push(rest)
  return parts
}

/** Escapes characters that would turn user text into markdown structure. */
export function escapeMd(s: string): string {
  return s.replace(/([\\`*_[\]#>|])/g, '\\$1').replace(/\n+/g, ' ')
}

/** A markdown link, or the plain label when the URL is not http(s). */
export function mdLink(label: string, url: string | null | undefined): string {
  if (!url || !/^https?:\/\//i.test(url)) return label
  return `[${label}](${url.replace(/[()\s]/g, encodeURIComponent)})`
}

/** First heading or line of a markdown text, for the message title shown in the conversation list. */
export function titleOf(markdown: string, fallback = 'Andy'): string {
  const line = markdown.split('\n').find((l) => l.trim()) ?? fallback
  return (
    line
      .replace(/^[#>\s*-]+/, '')
      .replace(/[*_`[\]]/g, '')
      .slice(0, 40) || fallback
  )
}
