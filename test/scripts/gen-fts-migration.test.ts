import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DRIZZLE, generateFtsMigration } from '../../scripts/gen-fts-migration.js'
import { TABLES, type TableSpec, tableByIntent } from '../../src/tables/index.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function copyOfMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'andy-fts-'))
  dirs.push(dir)
  cpSync(DRIZZLE, dir, { recursive: true })
  return dir
}

const contents = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.sql'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  )

describe('scripts/gen-fts-migration', () => {
  it('writes nothing when the applied migrations already create the indexes the specs need', () => {
    const dir = copyOfMigrations()
    const before = contents(dir)
    expect(generateFtsMigration({ dir }).file).toBeUndefined()
    expect(contents(dir)).toEqual(before)
  })

  it('adds a new migration for a new table and changed columns, leaving every applied migration as it was', () => {
    const dir = copyOfMigrations()
    const before = contents(dir)
    const base = tableByIntent('case')!
    const bids: TableSpec = { ...base, key: 'bid-records' as TableSpec['key'], table: 'bid_records' }
    // pitch_plans' index loses a column: dropped and created again, and flagged for re-import.
    const pitch = tableByIntent('pitch')!
    const narrower: TableSpec = {
      ...pitch,
      columns: pitch.columns.map((c) => (c.name === 'xm_name' ? { ...c, free: false } : c)),
    }
    const tables = [...TABLES.map((t) => (t.intent === 'pitch' ? narrower : t)), bids]
    const { file, plan } = generateFtsMigration({ dir, tables, now: 1 })
    const journal = JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8')) as {
      entries: Array<{ tag: string }>
    }
    const tag = journal.entries.at(-1)!.tag
    expect(file).toBe(join(dir, `${tag}.sql`))
    expect(tag).toMatch(/^\d{4}_fts$/)
    expect(Object.keys(before)).not.toContain(`${tag}.sql`)
    const sql = readFileSync(file!, 'utf8')
    expect(sql).toContain('CREATE VIRTUAL TABLE `bid_records_fts`')
    expect(sql).toContain('DROP TABLE `pitch_plans_fts`;')
    expect(sql).not.toContain('content_cases_fts')
    expect(plan.reindex).toEqual(['pitch_plans'])
    // Every migration that was there is byte for byte the same.
    const after = contents(dir)
    for (const [f, text] of Object.entries(before)) expect(after[f]).toBe(text)
    // Run again: the new migration is now applied, nothing more to write.
    expect(generateFtsMigration({ dir, tables }).file).toBeUndefined()
  })
})
