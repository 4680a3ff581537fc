import { beforeAll, describe, expect, it } from 'vitest'
import { clearCases, createCaseInserter, transaction } from '../../src/db/case-write.js'
import { type Db, openDb } from '../../src/db/client.js'
import { bumpCasesVersion, getMeta, setMeta } from '../../src/db/meta.js'
import { iterateRecords } from '../../src/demo/generate.js'
import { buildCaseIndexAsync } from '../../src/search/case-index-builder.js'
import { Dictionary as Dict } from '../../src/search/dictionary.js'
import {
  createDictionaryProvider,
  loadSnapshot,
  storeSnapshotAfterImport,
} from '../../src/search/dictionary-provider.js'
import { parseSentence } from '../../src/search/parser.js'
import { runSearch } from '../../src/search/service.js'
import { TABLES, tableByKey } from '../../src/tables/index.js'
import { prepareRow } from '../../src/tables/rows.js'

/**
 * A long-running process with big tables (andy start) answers its first questions by SQL while the
 * in-memory indexes are built in the background. Those answers must be the ones the indexes give: same
 * understanding, same rows in the same order, same totals.
 */

const SENTENCES = [
  '制造业 5000人以上 国企 的客户案例',
  '银行 中层管理者 领导力发展 的案例',
  '近两年 医药 新员工 客户案例',
  '有没有做过安全生产的央企客户案例',
  '江苏 汽车 数字化转型 案例',
  '非国有企业的金融案例',
  '除了国企以外的制造业客户案例',
  '零售或者餐饮的新员工案例，不要外企',
  '国企的案例有多少',
  '金融行业不要保险的高管案例',
  '华东 国企 的方案',
  '换掉了云学堂的客户',
  '2024年 招标 医药',
  '软件客户 制造业',
]

function fill(db: Db, rows: number): void {
  transaction(db, () => {
    for (const spec of TABLES) {
      clearCases(db, spec)
      const insert = createCaseInserter(db, spec)
      for (const record of iterateRecords(spec.key, rows, 11)) insert(prepareRow(spec, record).row)
    }
  })
  bumpCasesVersion(db)
}

/** What a rep sees of an answer: the table, the filters understood, the total and the rows (ids, in order). */
function answer(db: Db, dict: Dict, sentence: string) {
  const parsed = parseSentence(sentence, { dict, nowYear: 2026 })
  const out = runSearch(db, dict, {
    table: parsed.table ?? tableByKey('content-cases')!,
    filters: parsed.filters,
    page: 1,
    perpage: 20,
    relax: parsed.contradictions.length === 0,
    keepFilters: parsed.count,
  })
  return {
    table: out.table.key,
    filters: out.filters.map((f) => [f.key, f.value, f.exclude ?? false]),
    relaxed: out.relaxed.map((f) => f.key),
    unused: out.unused.map((f) => f.value),
    total: out.total,
    ids: out.rows.map((r) => r.id),
  }
}

let db: Db
beforeAll(() => {
  db = openDb(':memory:')
  fill(db, 400)
})

describe('dictionary provider with big tables', () => {
  it('answers by SQL while the indexes are being built, exactly as the indexes then do', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let building = false
    const provider = createDictionaryProvider(db, {
      backgroundAbove: 1,
      beforeIndexBuild: () => {
        building = true
        return gate
      },
    })
    await provider.warm()
    const early = provider.get()
    expect(building).toBe(true)
    expect(early.indexed).toBe(false)
    const bySql = SENTENCES.map((s) => answer(db, early, s))
    release()
    await provider.indexed()
    const late = provider.get()
    expect(late.indexed).toBe(true)
    expect(late).not.toBe(early)
    for (const [i, s] of SENTENCES.entries()) expect(bySql[i], s).toEqual(answer(db, late, s))
    // Not a vacuous comparison: most sentences find rows.
    expect(bySql.filter((a) => a.total > 0).length).toBeGreaterThan(SENTENCES.length / 2)
  })

  it('leaves the connection free for writes and searches between the chunks of a background build', async () => {
    const spec = tableByKey('content-cases')!
    const sql = createDictionaryProvider(db, { backgroundAbove: 1, beforeIndexBuild: () => new Promise(() => {}) })
    await sql.warm()
    // The build has read its first chunk and waits for the event loop: an arriving message must still be
    // stored (any write: an open cursor made them fail with "connection is busy") and a search run.
    const building = buildCaseIndexAsync(db, spec, 50)
    setMeta(db, 'probe', 'written during the build')
    const during = answer(db, sql.get(), SENTENCES[0]!)
    const index = await building
    expect(index.size).toBe(400)
    expect(during.ids.length).toBeGreaterThan(0)
  })

  it('starts the next process from the snapshot of the same data, and not from one of older data', async () => {
    const first = createDictionaryProvider(db, { backgroundAbove: 1 })
    await first.warm()
    await first.indexed()
    expect(JSON.parse(getMeta(db, 'dictionary_snapshot')!).tables['content-cases'].size).toBe(400)

    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const next = createDictionaryProvider(db, { backgroundAbove: 1, beforeIndexBuild: () => gate })
    await next.warm()
    const fromSnapshot = next.get()
    expect(fromSnapshot.indexed).toBe(false)
    for (const s of SENTENCES) expect(answer(db, fromSnapshot, s), s).toEqual(answer(db, first.get(), s))
    release()
    await next.indexed()

    // New data: the stored snapshot is of the old version and is not used.
    fill(db, 300)
    const after = createDictionaryProvider(db, { backgroundAbove: 1, beforeIndexBuild: () => gate })
    await after.warm()
    expect(after.get().caseIndex('content-cases').size).toBe(300)
    await after.indexed()
    expect(JSON.parse(getMeta(db, 'dictionary_snapshot')!).tables['content-cases'].size).toBe(300)
  })

  it('a one-shot process (andy ask) answers from the snapshot by SQL as the indexes do; the first one stores it', () => {
    fill(db, 250)
    expect(loadSnapshot(db)).toBeUndefined()
    const first = createDictionaryProvider(db, { oneShot: true }).get()
    expect(first.indexed).toBe(true)
    expect(loadSnapshot(db)?.['content-cases']?.size).toBe(250)
    expect(getMeta(db, 'segmenter_frequencies')).toBeDefined()

    const next = createDictionaryProvider(db, { oneShot: true }).get()
    expect(next.indexed).toBe(false)
    for (const s of SENTENCES) expect(answer(db, next, s), s).toEqual(answer(db, first, s))
    expect(SENTENCES.filter((s) => answer(db, next, s).total > 0).length).toBeGreaterThan(SENTENCES.length / 2)
  })

  it('after an import by another process (andy import), stores the snapshot the bot then starts from', async () => {
    const warmed = createDictionaryProvider(db, { backgroundAbove: 1 })
    await warmed.warm()
    await warmed.indexed()
    const before = loadSnapshot(db)
    expect(before).toBeDefined()
    // The import: one table's rows change, the data version moves on; the old snapshot no longer applies.
    const spec = tableByKey('procurements')!
    transaction(db, () => {
      clearCases(db, spec)
      const insert = createCaseInserter(db, spec)
      for (const record of iterateRecords(spec.key, 250, 99)) insert(prepareRow(spec, record).row)
    })
    bumpCasesVersion(db)
    expect(loadSnapshot(db)).toBeUndefined()
    await storeSnapshotAfterImport(db, spec.key, before)
    // What the indexes of the new data would store, entry for entry.
    expect(loadSnapshot(db)).toEqual(Dict.build(db).snapshot())
    expect(loadSnapshot(db)?.procurements?.size).toBe(250)
  })
})
