import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDb } from '../../src/db/client.js'
import { Dictionary } from '../../src/search/dictionary.js'
import { createDictionaryProvider } from '../../src/search/dictionary-provider.js'
import { parseSentence } from '../../src/search/parser.js'
import { Taxonomy, TaxonomyError, termIn } from '../../src/search/taxonomy.js'
import { createTaxonomyProvider, defaultTaxonomyPath, shippedTaxonomy } from '../../src/search/taxonomy-file.js'
import { loadMixedLabels } from '../helpers/mixed-labels.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tempFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'andy-tax-'))
  dirs.push(dir)
  const path = join(dir, 'taxonomy.json')
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

const shipped = () => JSON.parse(readFileSync(defaultTaxonomyPath(), 'utf8')) as Record<string, unknown>

describe('the taxonomy file', () => {
  it('ships valid, with levels under 金融 and 国企 and provinces in regions', () => {
    const t = shippedTaxonomy()
    const finance = t.nodesFor('industry', '金融')[0]!
    expect(finance.children.map((c) => c.name)).toEqual(expect.arrayContaining(['银行', '保险', '证券', '基金']))
    const soe = t.nodesFor('enterpriseType', '国有企业')[0]!
    expect(soe.name).toBe('国企')
    expect(t.subtree(soe).map((n) => n.name)).toEqual(expect.arrayContaining(['央企', '地方国企']))
    const js = t.nodesFor('region', '江苏省')[0]!
    expect(js.name).toBe('江苏')
    expect(t.ancestors(js).map((n) => n.name)).toEqual(expect.arrayContaining(['华东', '长三角']))
  })

  it('rejects a term used twice, a region naming an unknown province, bad JSON and wrong shapes — in Chinese', () => {
    const dup = shipped()
    ;(dup.industries as Array<{ aliases: string[] }>)[1]!.aliases.push('银行')
    expect(() => Taxonomy.parse(dup)).toThrow(/「银行」出现了两次/)
    const region = {
      version: 1,
      provinces: [{ name: '江苏' }],
      regions: [{ name: '华东', provinces: ['江苏', '火星'] }],
    }
    expect(() => Taxonomy.parse(region)).toThrow(/省份「火星」不在 provinces 里/)
    expect(() => Taxonomy.fromText('{ "version": 1,')).toThrow(TaxonomyError)
    expect(() => Taxonomy.parse({ version: 1, industries: [{ nam: '金融' }] })).toThrow(/未知的键/)
    expect(() => Taxonomy.parse({ version: 0 })).toThrow(/version/)
  })

  it('reads a term in a label, but not after 非/不/无 and Latin only as a word', () => {
    expect(termIn('国有', '国有企业')).toBe(true)
    expect(termIn('国有', '非国有企业')).toBe(false)
    expect(termIn('上市', '非上市公司')).toBe(false)
    expect(termIn('银行', '城市商业银行')).toBe(true)
    expect(termIn('it', 'it服务')).toBe(true)
    expect(termIn('it', 'digital')).toBe(false)
  })

  it('does not count a label that says "not" as the node', () => {
    const db = openDb(':memory:')
    loadMixedLabels(db)
    const dict = Dictionary.build(db)
    const soe = dict.lookup('国企', ['content-cases'])!.map((h) => h.value)
    expect(soe).toEqual(expect.arrayContaining(['国企', '国有企业', '地方国企', '地方国有企业', '央企']))
  })
})

describe('editing the taxonomy file', () => {
  it('is picked up with the next search, and a broken edit keeps the last good version', () => {
    const db = openDb(':memory:')
    loadMixedLabels(db)
    const file = shipped()
    const path = tempFile(file)
    const errors: string[] = []
    const taxonomy = createTaxonomyProvider(path, { checkEveryMs: 0, onError: (e) => errors.push(e.message) })
    const dictionary = createDictionaryProvider(db, { taxonomy })
    const industryOf = (s: string) =>
      parseSentence(s, { dict: dictionary.get(), nowYear: 2026 }).filters.find((f) => f.label === '行业')
    // 股份行 is no word Andy knows yet.
    expect(industryOf('股份行的打单方案')).toBeUndefined()

    const finance = (
      file.industries as Array<{ name: string; children: Array<{ name: string; aliases: string[] }> }>
    ).find((n) => n.name === '金融')!
    finance.children.find((c) => c.name === '银行')!.aliases.push('股份行')
    file.version = 2
    writeFileSync(path, JSON.stringify(file))
    const f = industryOf('股份行的打单方案')
    expect(f?.display).toContain('股份行')
    expect(taxonomy.get().version).toBe(2)

    writeFileSync(path, '{ "version": 3, "industries": [ { "name": ')
    expect(industryOf('股份行的打单方案')?.display).toContain('股份行')
    expect(taxonomy.get().version).toBe(2)
    expect(errors.join('\n')).toContain('不是有效的 JSON')
  })

  it('falls back to the shipped taxonomy when the configured file cannot be read at start', () => {
    const errors: string[] = []
    const p = createTaxonomyProvider(join(tmpdir(), 'no-such-dir-andy', 'taxonomy.json'), {
      onError: (e) => errors.push(e.message),
    })
    expect(p.get().nodesFor('industry', '金融')).toHaveLength(1)
    expect(errors).toHaveLength(1)
  })
})

describe('the shipped taxonomy as checked by the build (compiled dist/)', () => {
  it('gives the validated taxonomy without validating it again, and still validates any other text', async () => {
    const compiled = (await import(new URL('../../dist/search/taxonomy.js', import.meta.url).href)) as {
      Taxonomy: typeof Taxonomy
      taxonomySchema: { parse(x: unknown): unknown }
    }
    const text = readFileSync(defaultTaxonomyPath(), 'utf8')
    const stored = JSON.parse(readFileSync(new URL('../../dist/search/taxonomy-checked.json', import.meta.url), 'utf8'))
    expect(stored.sha1).toBe(createHash('sha1').update(text).digest('hex'))
    const fast = compiled.Taxonomy.fromText(text)
    expect(fast.file).toEqual(compiled.taxonomySchema.parse(JSON.parse(text)))
    expect(fast.terms('industry')).toEqual(shippedTaxonomy().terms('industry'))
    // One character more is another text: validated, and refused when invalid.
    const edited = text.replace(/"version":\s*\d+/, '"version": 0')
    expect(edited).not.toBe(text)
    expect(() => compiled.Taxonomy.fromText(edited)).toThrow(/version/)
  })
})
