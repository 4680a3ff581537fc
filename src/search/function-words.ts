import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * The curated function-word list (data/function-words.txt): politeness, question words, verbs that carry
 * no condition, pronouns, generic nouns, particles, measure words. A function word never becomes a
 * keyword and never stands for a stored value. Read once, on first use.
 */

export function functionWordsPath(): string {
  return fileURLToPath(new URL('../../data/function-words.txt', import.meta.url))
}

/** Words of the list file format: whitespace-separated, `#` comments, `[section]` headings. */
export function parseWordList(text: string): string[] {
  const out: string[] = []
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim()
    if (!line || /^\[.*\]$/.test(line)) continue
    for (const w of line.split(/\s+/)) if (w) out.push(w.normalize('NFKC').toLowerCase())
  }
  return [...new Set(out)]
}

let cached: ReadonlySet<string> | undefined

export function functionWords(): ReadonlySet<string> {
  cached ??= new Set(parseWordList(readFileSync(functionWordsPath(), 'utf8')))
  return cached
}

export function isFunctionWord(w: string): boolean {
  return functionWords().has(w)
}
