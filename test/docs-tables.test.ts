import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LLM_BASE_RULE } from '../src/cli/doctor.js'
import { TABLES_BEGIN, TABLES_END, tablesMarkdown } from '../src/cli/table-docs.js'
import { outputColumns, TABLES } from '../src/tables/index.js'

const root = join(import.meta.dirname, '..')
const read = (f: string) => readFileSync(join(root, f), 'utf8')

describe('docs/tables.md', () => {
  it('lists exactly the columns the table specs accept (regenerate with npm run docs:tables)', () => {
    const doc = read('docs/tables.md')
    const generated = doc.slice(doc.indexOf(TABLES_BEGIN) + TABLES_BEGIN.length, doc.indexOf(TABLES_END)).trim()
    expect(generated).toBe(tablesMarkdown())
    for (const t of TABLES) {
      expect(generated).toContain(`### ${t.key} — ${t.title}`)
      for (const c of outputColumns(t)) {
        expect(generated).toContain(`| ${c.label} | \`${c.name}\` |`)
        for (const a of c.aliases ?? []) expect(generated).toContain(a)
      }
    }
  })

  it('is linked from the README next to andy import, with the empty-table template', () => {
    const readme = read('README.md')
    expect(readme).toContain('docs/tables.md')
    expect(read('docs/tables.md')).toContain('empty table')
  })
})

describe('LLM base URL rule', () => {
  it('is the same in andy doctor, docs/llm.md and .env.example: DeepSeek with or without /v1', () => {
    expect(LLM_BASE_RULE).toContain('https://api.deepseek.com（加不加 /v1 都可以）')
    expect(read('docs/llm.md')).toContain('`https://api.deepseek.com` (DeepSeek accepts it with or without `/v1`')
    expect(read('.env.example')).toContain('https://api.deepseek.com (with or without /v1)')
    expect(LLM_BASE_RULE).not.toMatch(/需以 \/v1/)
  })
})
