/**
 * Character n-grams for the FTS5 indexes (see drizzle/0001_fts.sql). FTS5's trigram tokenizer cannot
 * find two-character Chinese words (制造, 国企), and unicode61 alone treats a whole CJK run as one
 * token, so Andy writes the tokens itself: every character and every overlapping pair of characters
 * of each run of letters/digits, lower-cased, space-separated.
 */

const RUN = /[\p{L}\p{N}]+/gu

function runs(text: string): string[] {
  return text.toLowerCase().match(RUN) ?? []
}

/** Index-side tokens for one column value: unique unigrams and bigrams, space-separated. */
export function indexGrams(text: string | null | undefined): string {
  if (!text) return ''
  const out = new Set<string>()
  for (const run of runs(text)) {
    const chars = [...run]
    for (let i = 0; i < chars.length; i++) {
      out.add(chars[i]!)
      if (i + 1 < chars.length) out.add(chars[i]! + chars[i + 1]!)
    }
  }
  return [...out].join(' ')
}

/**
 * Query-side tokens for a search word: its bigrams (or the single character of a one-character run).
 * All must be present for the word to possibly occur; the caller re-checks the exact substring.
 * Empty when the word has no letters or digits (e.g. "%"), which means: no index help, scan.
 */
export function queryGrams(word: string): string[] {
  const out = new Set<string>()
  for (const run of runs(word)) {
    const chars = [...run]
    if (chars.length === 1) out.add(chars[0]!)
    for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!)
  }
  return [...out]
}

/** An FTS5 MATCH sub-expression requiring all grams of `word`, or undefined when it has none. */
export function matchAll(word: string): string | undefined {
  const g = queryGrams(word)
  if (g.length === 0) return undefined
  return g.length === 1 ? quote(g[0]!) : `(${g.map(quote).join(' AND ')})`
}

function quote(token: string): string {
  return `"${token.replaceAll('"', '""')}"`
}
