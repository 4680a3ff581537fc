import { TABLES } from '../tables/index.js'

/**
 * Which usage records count as 内容缺口 (a question Andy had no answer for), derived from the table
 * specs: every case table's search intent (its record carries the search total in `hits`; 0 = a gap),
 * and 'unanswered' (a question it could not place, recorded with hits = 0). A registered table is in.
 */

/** The intents whose usage record carries a search total in `hits`: one per case table. */
export function searchIntents(): string[] {
  return TABLES.map((t) => t.intent)
}

export function gapIntents(): string[] {
  return [...searchIntents(), 'unanswered']
}

export function isGapIntent(intent: string): boolean {
  return intent === 'unanswered' || TABLES.some((t) => t.intent === intent)
}

/** The gap intents as an SQL list (`'case','pitch',…`): registry names, never user text. */
export function gapInSql(): string {
  return gapIntents()
    .map((i) => `'${i.replace(/'/g, "''")}'`)
    .join(',')
}
