// Prints drizzle/0001_fts.sql from the table specs: npx tsx scripts/gen-fts-migration.ts > drizzle/0001_fts.sql
import { TABLES, ftsColumns } from '../src/tables/index.js'
const lines = [
  '-- Bigram full-text indexes over the free-text columns of the case tables (names, reasons, summaries).',
  '-- Andy writes the tokens itself (src/search/grams.ts): the overlapping two-character grams of every run of',
  '-- letters/digits, so two-character Chinese words (制造, 国企) are found (trigram FTS cannot).',
  "-- A word is matched as the phrase of its consecutive bigrams = an exact substring. Contentless; rowid = the case row's id.",
]
const stmts = TABLES.map((t) => `CREATE VIRTUAL TABLE \`${t.table}_fts\` USING fts5(${ftsColumns(t).join(', ')}, content='', contentless_delete=1, detail='full', tokenize='unicode61 remove_diacritics 0');`)
process.stdout.write(`${lines.join('\n')}\n${stmts.join('\n--> statement-breakpoint\n')}\n`)
