import { conceptOf } from './dictionary.js'
import { BRACKET_OPENERS } from './syntax.js'
import type { Item } from './tokens.js'
import type { NamedValue } from './value-filters.js'

/**
 * Which values and words of a sentence are wanted and which are excluded. The scope of a negation:
 *  - 除了 / 除 … 以外 / 之外 / 外: everything between the two (除了江苏和浙江以外);
 *  - otherwise the next value, with the values joined to it by 和 / 或 / 、 in the same field
 *    (不要国企和央企; 非国企和制造业 excludes only 国企);
 *  - with nothing after it in the clause, the value before it (国企除外, 国企的不要, 国企以外的客户).
 * A clause ends at ，。；！？. Function words do not end a scope (不是 新签 的).
 */

export interface Collected {
  positive: NamedValue[]
  negative: NamedValue[]
  words: Array<{ word: string; parts: string[]; negated: boolean; orWithPrevious: boolean }>
  functionWords: number
  /** Wanted values of different fields joined by 或 (银行或者央企): searched as both, and the reply says so. */
  orAcross: Array<[string, string]>
}

interface Entry {
  item: Extract<Item, { kind: 'value' } | { kind: 'word' }>
  concept: string
  clause: number
  /** Joined to the previous entry by a connector, same field. */
  linked: boolean
  or: boolean
  negated: boolean
}

type Marker =
  | { kind: 'neg'; bracket: boolean; at: number; clause: number }
  | { kind: 'close'; at: number; clause: number; used?: boolean }

interface Scanned {
  entries: Entry[]
  markers: Marker[]
  singles: string[]
  functionWords: number
  /** Indexes of entries joined by 或 to the entry before them, in another field. */
  orAcross: number[]
}

export function collect(items: readonly Item[]): Collected {
  const { entries, markers, singles, functionWords, orAcross } = scan(items)
  applyNegations(entries, markers)
  const out: Collected = {
    positive: [],
    negative: [],
    words: singles.map((w) => ({ word: w, parts: [w], negated: false, orWithPrevious: false })),
    functionWords,
    orAcross: [],
  }
  for (const k of orAcross) {
    const [a, b] = [entries[k - 1]!, entries[k]!]
    if (a.item.kind === 'value' && b.item.kind === 'value' && !a.negated && !b.negated)
      out.orAcross.push([a.item.phrase, b.item.phrase])
  }
  for (const e of entries) {
    if (e.item.kind === 'value')
      (e.negated ? out.negative : out.positive).push({ phrase: e.item.phrase, hits: e.item.hits, orWithPrevious: e.or })
    else out.words.push({ word: e.item.word, parts: e.item.parts, negated: e.negated, orWithPrevious: e.or })
  }
  return out
}

/** The values and words of a sentence (with their clause and links) and the negation markers between them. */
function scan(items: readonly Item[]): Scanned {
  const s: Scanned = { entries: [], markers: [], singles: [], functionWords: 0, orAcross: [] }
  const { entries, markers } = s
  let clause = 0
  let connector: 'or' | 'and' | undefined
  for (const item of items) {
    switch (item.kind) {
      case 'neg':
        markers.push({ kind: 'neg', bracket: BRACKET_OPENERS.has(item.word), at: entries.length, clause })
        connector = undefined
        break
      case 'close':
        markers.push({ kind: 'close', at: entries.length, clause })
        break
      case 'clause':
        clause++
        connector = undefined
        break
      case 'or':
      case 'and':
        connector = item.kind
        break
      case 'function':
        s.functionWords++
        break
      case 'word':
      case 'value': {
        // One character is no keyword (and no target for a negation): set aside as unused.
        if (item.kind === 'word' && [...item.word].length < 2) {
          s.singles.push(item.word)
          break
        }
        const concept =
          item.kind === 'word' ? 'keyword' : [...new Set(item.hits.map((h) => conceptOf(h.dim)))].sort().join('|')
        const prev = entries.at(-1)
        const linked = !!connector && !!prev && prev.clause === clause && prev.concept === concept
        if (connector === 'or' && prev && prev.clause === clause && !linked) s.orAcross.push(entries.length)
        entries.push({ item, concept, clause, linked, or: linked && connector === 'or', negated: false })
        connector = undefined
        break
      }
      default:
        break
    }
  }
  return s
}

/** Marks the entries each negation marker covers (the scope rules at the top of this file). */
function applyNegations(entries: Entry[], markers: Marker[]): void {
  /** The entry at `i` and those linked after it. */
  const chainFrom = (i: number): number[] => {
    const out = [i]
    for (let k = i + 1; k < entries.length && entries[k]!.linked; k++) out.push(k)
    return out
  }
  /** The entry at `i` and those it is linked to before it. */
  const chainTo = (i: number): number[] => {
    const out = [i]
    for (let k = i; k > 0 && entries[k]!.linked; k--) out.unshift(k - 1)
    return out
  }
  const negate = (ks: number[]) => ks.forEach((k) => (entries[k]!.negated = true))
  for (const m of markers) {
    if (m.kind === 'neg') {
      const closer = m.bracket
        ? markers.find(
            (c): c is Extract<Marker, { kind: 'close' }> =>
              c.kind === 'close' && !c.used && c.clause === m.clause && c.at >= m.at,
          )
        : undefined
      if (closer) {
        closer.used = true
        negate(range(m.at, closer.at))
        continue
      }
      const next = entries[m.at]
      if (next && next.clause === m.clause) negate(chainFrom(m.at))
      else if (m.at > 0 && entries[m.at - 1]!.clause === m.clause) negate(chainTo(m.at - 1))
    } else if (!m.used && m.at > 0 && entries[m.at - 1]!.clause === m.clause) {
      // 以外 / 之外 / 除外 with no 除了 before it: 国企以外的客户.
      negate(chainTo(m.at - 1))
    }
  }
}

function range(a: number, b: number): number[] {
  const out: number[] = []
  for (let k = a; k < b; k++) out.push(k)
  return out
}
