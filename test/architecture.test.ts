import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  type ImportEdge,
  importEdges,
  LAYERS,
  layerOf,
  layerViolations,
  longFunctions,
  MAX_FUNCTION_LINES,
  runtimeCycles,
  sqlOutsideDb,
} from '../scripts/architecture.js'

/** docs/architecture.md: one direction of dependencies, no import cycles at runtime. */
describe('architecture', () => {
  const edges = importEdges()

  it('parses the imports of every module (static, type-only and dynamic)', () => {
    expect(edges.length).toBeGreaterThan(500)
    expect(edges.some((e) => e.typeOnly)).toBe(true)
    expect(edges.some((e) => e.dynamic)).toBe(true)
  })

  it('puts every module in a layer', () => {
    for (const e of edges) {
      expect(() => layerOf(e.from)).not.toThrow()
      expect(() => layerOf(e.to)).not.toThrow()
    }
  })

  it('imports only from the same layer or the layers below', () => {
    expect(layerViolations(edges)).toEqual([])
  })

  it('has no runtime import cycle', () => {
    expect(runtimeCycles(edges)).toEqual([])
  })

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(longFunctions()).toEqual([])
  })

  it('would catch a function over the limit (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'andy-arch-'))
    try {
      const file = join(dir, 'long.ts')
      const body = Array.from({ length: MAX_FUNCTION_LINES - 1 }, (_, i) => `  const v${i} = ${i}`).join('\n')
      writeFileSync(file, `export function long(): void {\n${body}\n}\nexport const short = () => 1\n`)
      expect(longFunctions([file]).map((f) => f.replace(/^.*long\.ts/, 'long.ts'))).toEqual([
        `long.ts:1 long: ${MAX_FUNCTION_LINES + 1} lines`,
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('would catch an import against the layer order and a cycle (the checks can fail)', () => {
    const up: ImportEdge = { from: 'db/inbox.ts', to: 'bot/outbox.ts', line: 1, typeOnly: true, dynamic: false }
    expect(layerViolations([up])).toEqual(['src/db/inbox.ts:1 (db) imports src/bot/outbox.ts (bot) [type]'])
    const loop: ImportEdge[] = [
      { from: 'search/a.ts', to: 'search/b.ts', line: 1, typeOnly: false, dynamic: false },
      { from: 'search/b.ts', to: 'search/a.ts', line: 1, typeOnly: false, dynamic: false },
    ]
    expect(runtimeCycles(loop)).toEqual([['search/a.ts', 'search/b.ts']])
    // A type-only or dynamic edge does not make a runtime cycle.
    expect(runtimeCycles([loop[0]!, { ...loop[1]!, typeOnly: true }])).toEqual([])
    expect(runtimeCycles([loop[0]!, { ...loop[1]!, dynamic: true }])).toEqual([])
    expect(LAYERS.map((l) => l.name)).toEqual([
      'core',
      'db',
      'services',
      'search',
      'transport',
      'bot',
      'features',
      'app',
    ])
  })

  it('keeps SQL in src/db/: no SQLite handle, prepared statement, query or driver import elsewhere', () => {
    expect(sqlOutsideDb()).toEqual([])
  })

  it('would catch SQL outside src/db/ (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'andy-arch-'))
    try {
      const file = join(dir, 'sql.ts')
      writeFileSync(
        file,
        [
          "import pg from 'pg'",
          "export const n = (db: any) => db.sqlite.prepare('SELECT 1').get()",
          "export const q = (pool: any) => pool.query('SELECT 1')",
          'export const fine = (s: { query: string }) => [/a/.exec(s.query), String(s.query)]',
        ].join('\n'),
      )
      expect(sqlOutsideDb([file]).map((f) => f.replace(/^.*sql\.ts/, 'sql.ts'))).toEqual([
        'sql.ts:1 imports the driver pg',
        'sql.ts:2 runs SQL (.prepare())',
        'sql.ts:2 uses the SQLite handle (.sqlite)',
        'sql.ts:3 runs SQL (.query())',
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
