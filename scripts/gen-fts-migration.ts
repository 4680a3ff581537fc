// Writes a NEW migration for the case tables' bigram FTS indexes when the table specs ask for indexes the
// applied migrations do not create (a new table, changed free-text columns): `npx tsx scripts/gen-fts-migration.ts`.
// It never edits a migration that exists (a database that ran it would never see the change).
import { randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ftsColumns, TABLES, type TableSpec } from '../src/tables/index.js'

export const DRIZZLE = fileURLToPath(new URL('../drizzle/', import.meta.url))

const HEADER = [
  '-- Bigram full-text indexes over the free-text columns of the case tables (names, reasons, summaries).',
  '-- Andy writes the tokens itself (src/db/grams.ts): the overlapping two-character grams of every run of',
  '-- letters/digits, so two-character Chinese words (制造, 国企) are found (trigram FTS cannot).',
  "-- A word is matched as the phrase of its consecutive bigrams = an exact substring. Contentless; rowid = the case row's id.",
]

const create = (table: string, cols: readonly string[]) =>
  `CREATE VIRTUAL TABLE \`${table}_fts\` USING fts5(${cols.join(', ')}, content='', contentless_delete=1, detail='full', tokenize='unicode61 remove_diacritics 0');`

interface Journal {
  version: string
  dialect: string
  entries: Array<{ idx: number; version: string; when: number; tag: string; breakpoints: boolean }>
}

/** The FTS indexes the migrations create (in order; a later DROP or CREATE wins): table → columns. */
export function appliedFts(sqlTexts: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  const re =
    /CREATE VIRTUAL TABLE (?:IF NOT EXISTS )?`?(\w+)_fts`? USING fts5\(([^)]*)\)|DROP TABLE (?:IF EXISTS )?`?(\w+)_fts`?/gi
  for (const sql of sqlTexts) {
    for (const m of sql.matchAll(re)) {
      if (m[3]) out.delete(m[3])
      else
        out.set(
          m[1]!,
          m[2]!
            .split(',')
            .map((s) => s.trim())
            .filter((s) => !s.includes('=')),
        )
    }
  }
  return out
}

export interface FtsPlan {
  readonly statements: string[]
  /** Tables whose index is rebuilt with other columns: their rows must be imported again to be found by free words. */
  readonly reindex: string[]
}

/** What a new migration must do so the indexes match the specs; empty when they already do. */
export function planFts(
  applied: ReadonlyMap<string, readonly string[]>,
  tables: readonly TableSpec[] = TABLES,
): FtsPlan {
  const statements: string[] = []
  const reindex: string[] = []
  for (const t of tables) {
    const want = ftsColumns(t)
    const have = applied.get(t.table)
    if (have && have.join(',') === want.join(',')) continue
    if (have) {
      statements.push(`DROP TABLE \`${t.table}_fts\`;`)
      reindex.push(t.table)
    }
    statements.push(create(t.table, want))
  }
  return { statements, reindex }
}

/** Reads the migrations of `dir`, and writes the next one (SQL, journal entry, snapshot) when the specs need it. */
export function generateFtsMigration(o: { dir?: string; tables?: readonly TableSpec[]; now?: number } = {}): {
  file?: string
  plan: FtsPlan
} {
  const dir = o.dir ?? DRIZZLE
  const journalPath = join(dir, 'meta', '_journal.json')
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal
  const applied = appliedFts(journal.entries.map((e) => readFileSync(join(dir, `${e.tag}.sql`), 'utf8')))
  const plan = planFts(applied, o.tables)
  if (plan.statements.length === 0) return { plan }
  const last = journal.entries.at(-1)!
  const idx = last.idx + 1
  const tag = `${String(idx).padStart(4, '0')}_fts`
  const file = join(dir, `${tag}.sql`)
  writeFileSync(file, `${HEADER.join('\n')}\n${plan.statements.join('\n--> statement-breakpoint\n')}\n`, { flag: 'wx' })
  // drizzle-kit keeps one schema snapshot per migration; FTS tables are not in it, so the schema is unchanged.
  const prevSnapshot = JSON.parse(
    readFileSync(join(dir, 'meta', `${String(last.idx).padStart(4, '0')}_snapshot.json`), 'utf8'),
  ) as { id: string; prevId: string }
  writeFileSync(
    join(dir, 'meta', `${String(idx).padStart(4, '0')}_snapshot.json`),
    `${JSON.stringify({ ...prevSnapshot, id: randomUUID(), prevId: prevSnapshot.id }, null, 2)}\n`,
    { flag: 'wx' },
  )
  journal.entries.push({ idx, version: last.version, when: o.now ?? Date.now(), tag, breakpoints: true })
  writeFileSync(journalPath, `${JSON.stringify(journal, null, 2)}\n`)
  return { file, plan }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(
      'Usage: npx tsx scripts/gen-fts-migration.ts\n\nCompares the FTS indexes the case table specs need (src/tables/) with those the migrations in drizzle/\ncreate, and writes the next migration (drizzle/NNNN_fts.sql + journal) when they differ. Never edits an existing migration.',
    )
  } else {
    const { file, plan } = generateFtsMigration()
    if (!file) console.log('FTS indexes match the table specs: no migration written.')
    else {
      console.log(`Wrote ${file} (${plan.statements.length} statement(s)).`)
      if (plan.reindex.length)
        console.log(
          `Rebuilt with other columns: ${plan.reindex.join(', ')} — import those tables again (andy import) so free words find their rows.`,
        )
    }
  }
}
