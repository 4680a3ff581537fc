/**
 * Character bigrams for the FTS5 indexes (see drizzle/0001_fts.sql). FTS5's trigram tokenizer cannot
 * find two-character Chinese words (制造, 国企), and unicode61 alone treats a whole CJK run as one token,
 * so Andy writes the tokens itself: the overlapping two-character grams of each run of letters/digits,
 * lower-cased and space-separated (a one-character run is kept as itself). A search word becomes "all
 * of its bigrams", and the caller re-checks the exact substring on the row.
 */

const isWordChar = (c: number): boolean =>
  (c >= 48 && c <= 57) ||
  (c >= 97 && c <= 122) ||
  (c >= 0x4e00 && c <= 0x9fff) ||
  (c >= 0x3400 && c <= 0x4dbf) ||
  (c > 127 && /[\p{L}\p{N}]/u.test(String.fromCharCode(c)))

/** The runs of letters/digits of a lower-cased text. */
function runs(text: string): string[] {
  const s = text.toLowerCase()
  const out: string[] = []
  let start = -1
  for (let i = 0; i <= s.length; i++) {
    const word = i < s.length && isWordChar(s.charCodeAt(i))
    if (word && start < 0) start = i
    else if (!word && start >= 0) {
      out.push(s.slice(start, i))
      start = -1
    }
  }
  return out
}

/**
 * isWordChar per UTF-16 code unit, filled as met (0 unknown, 1 word, 2 not): the \p{…} test is slow. Not
 * filled up front: a loop over 65,536 code units at import cost every CLI command ~13 ms.
 */
const WORD = new Uint8Array(65536)

const isWord = (c: number): boolean => {
  let w = WORD[c]!
  if (w === 0) WORD[c] = w = isWordChar(c) ? 1 : 2
  return w === 1
}

/** Output buffer of indexGrams (grown as needed): the tokens are written as code units, decoded once. */
let buf = new Uint16Array(4096)
const UTF16 = new TextDecoder('utf-16le')

/**
 * Index-side tokens for one column value: the bigrams of each run in order (a one-character run as
 * itself). Positions matter: a word is found as the phrase of its consecutive bigrams, which is exactly
 * "the column contains the word" — no re-check of the row needed. (Written into a code-unit buffer: an
 * import of 200,000 rows builds tens of millions of grams, and string concatenation was most of it.)
 */
export function indexGrams(text: string | null | undefined): string {
  if (!text) return ''
  const s = text.toLowerCase()
  const n = s.length
  if (buf.length < n * 3 + 1) buf = new Uint16Array(n * 3 + 1024)
  const b = buf
  let o = 0
  let prev = -1 // the previous code unit when it is a word character
  let runLen = 0
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (!isWord(c)) {
      if (runLen === 1) {
        if (o) b[o++] = 32
        b[o++] = prev
      }
      runLen = 0
      continue
    }
    if (runLen > 0) {
      if (o) b[o++] = 32
      b[o++] = prev
      b[o++] = c
    }
    prev = c
    runLen++
  }
  if (runLen === 1) {
    if (o) b[o++] = 32
    b[o++] = prev
  }
  if (o === 0) return ''
  return o < 64
    ? String.fromCharCode.apply(null, b.subarray(0, o) as unknown as number[])
    : UTF16.decode(b.subarray(0, o))
}

/**
 * An FTS5 phrase matching `word` as a substring, or undefined when the index cannot help: a word with no
 * letters/digits ("%"), a one-character run ("银"), or several runs ("a b", where the separator itself
 * would not be checked) — those are found by scanning.
 */
export function phraseOf(word: string): string | undefined {
  const rs = runs(word)
  if (rs.length !== 1 || rs[0]!.length < 2 || rs[0]!.length !== word.trim().length) return undefined
  const run = rs[0]!
  const grams: string[] = []
  for (let i = 0; i + 1 < run.length; i++) grams.push(run.slice(i, i + 2))
  return `"${grams.join(' ').replaceAll('"', '""')}"`
}

/** An FTS5 MATCH restricted to columns: `{a b} : "phrase"`. */
export function columnPhrase(columns: readonly string[], word: string): string | undefined {
  const p = phraseOf(word)
  return p && `{${columns.join(' ')}} : ${p}`
}
