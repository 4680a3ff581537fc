import type { Db } from '../db/client.js'
import { type Dimension, TABLES, type TableKey, type TableSpec } from '../tables/index.js'
import { CaseIndex } from './case-index.js'
import { buildCaseIndex, buildCaseIndexAsync } from './case-index-builder.js'
import type { CaseSource, CategoryValues } from './case-source.js'
import { isFunctionWord } from './function-words.js'
import {
  ASCII_CHAR,
  ASCII_WORD,
  bestHits,
  type DictHit,
  derivedForms,
  type PhraseMatch,
  STOP_VALUES,
} from './phrases.js'
import { segmenter } from './segmenter.js'
import { SYNTAX_WORDS } from './syntax.js'
import { groupOfDim, normTerm, type TaxGroup, type TaxNode, type Taxonomy } from './taxonomy.js'
import { shippedTaxonomy } from './taxonomy-file.js'

export { bestHits, conceptOf, type DictHit, type PhraseMatch } from './phrases.js'

/**
 * The words Andy knows without an LLM: every category value present in the data (industries,
 * enterprise types, provinces, competitors, products, series, crowds, sales…), short forms derived from
 * them (制造业→制造, 江苏省→江苏, 民营企业→民营) and the taxonomy's terms (data/taxonomy.json: 国企 →
 * 国有企业 + 地方国企 + 央企, 金融 → 银行, 保险, 证券…, 华东 → its provinces). A phrase resolves to the
 * exact stored values it stands for, so searches use indexed IN (...) lookups.
 */

export class Dictionary {
  private readonly phrases = new Map<string, DictHit[]>()
  private readonly indexes = new Map<TableKey, CaseSource>()
  /** Stored values labelled with a taxonomy node itself (not with one of its children): node → table → column → values. */
  private readonly ownLabels = new Map<TaxNode, Map<TableKey, Map<string, Set<string>>>>()
  private maxLen = 0
  /** lookupNormalized's answers (null: no hit in that scope), frozen: callers share them. */
  private readonly best = new Map<string, readonly DictHit[] | null>()

  private constructor(readonly taxonomy: Taxonomy) {}

  /**
   * Builds the in-memory case indexes of all five tables and, from their category values and the
   * taxonomy, the phrase dictionary. (It is also what searches run on: see CaseIndex.)
   */
  static build(db: Db, taxonomy: Taxonomy = shippedTaxonomy()): Dictionary {
    return Dictionary.fromSources(
      TABLES.map((spec) => buildCaseIndex(db, spec)),
      taxonomy,
    )
  }

  /** Same as build, but reads big tables in chunks and yields to the event loop (acks keep flowing). */
  static async buildAsync(db: Db, taxonomy: Taxonomy = shippedTaxonomy()): Promise<Dictionary> {
    const indexes: CaseIndex[] = []
    for (const spec of TABLES) indexes.push(await buildCaseIndexAsync(db, spec))
    return Dictionary.fromSources(indexes, taxonomy)
  }

  /**
   * The dictionary of the given case sources (one per table): in-memory indexes, or SQL while they are
   * being built (see dictionary-provider.ts) — the same phrases either way.
   */
  static fromSources(indexes: readonly CaseSource[], taxonomy: Taxonomy): Dictionary {
    const dict = new Dictionary(taxonomy)
    for (const index of indexes) {
      const spec = index.spec
      dict.indexes.set(spec.key, index)
      for (const col of spec.columns) {
        if (!col.dim) continue
        const values = index.categoryValues(col.name)
        if (values)
          dict.addColumn(
            spec,
            col.name,
            col.dim,
            values.map((v) => v.value),
          )
      }
    }
    const groups: TaxGroup[] = ['industry', 'enterpriseType', 'crowd', 'region']
    dict.addParentReadings(groups)
    // The segmenter learns every phrase and taxonomy term, so they come out of a sentence whole. (Not the
    // function words: as user words they would steal characters from values — 新|签的 — so the parser
    // joins their pieces instead.)
    segmenter().addWords([...dict.phrases.keys(), ...groups.flatMap((g) => taxonomy.terms(g)), ...SYNTAX_WORDS])
    return dict
  }

  /** Rows held in the case indexes (all tables). */
  get rows(): number {
    let n = 0
    for (const i of this.indexes.values()) n += i.size
    return n
  }

  /** The in-memory index of a case table (or, while it is being built, its SQL stand-in). */
  caseIndex(table: TableKey): CaseSource {
    const index = this.indexes.get(table)
    if (!index) throw new Error(`no index for ${table}`)
    return index
  }

  /** Whether every table is searched in memory (not by SQL while its index is built). */
  get indexed(): boolean {
    return [...this.indexes.values()].every((i) => i instanceof CaseIndex)
  }

  /** What the dictionary was built from, per table: row count and the dimension columns' values (see fromSources). */
  snapshot(): DictionarySnapshot {
    const tables: DictionarySnapshot = {}
    for (const [key, index] of this.indexes) {
      const cats: Record<string, CategoryValues> = {}
      for (const col of index.spec.columns) {
        const values = col.dim ? index.categoryValues(col.name) : undefined
        if (values) cats[col.name] = values
      }
      tables[key] = { size: index.size, cats }
    }
    return tables
  }

  private add(phrase: string, hit: DictHit): void {
    const key = normTerm(phrase)
    if ([...key].length < 2 || STOP_VALUES.has(key) || isFunctionWord(key)) return
    const list = this.phrases.get(key) ?? []
    const same = list.findIndex((h) => h.table === hit.table && h.column === hit.column && h.value === hit.value)
    if (same < 0) list.push(hit)
    else {
      const old = list[same]!
      list[same] = {
        ...old,
        tier: Math.min(old.tier, hit.tier) as DictHit['tier'],
        node: old.node ?? hit.node,
        child: old.child ?? hit.child,
      }
    }
    this.phrases.set(key, list)
    this.maxLen = Math.max(this.maxLen, key.length)
  }

  private addColumn(spec: TableSpec, column: string, dim: Dimension, values: string[]): void {
    const group = groupOfDim(dim)
    const nodes = group ? this.taxonomy.nodes(group) : []
    for (const value of values) {
      if (STOP_VALUES.has(value.toLowerCase())) continue
      const base = { table: spec.key, column, dim, value }
      this.add(value, { ...base, tier: 0 })
      for (const form of derivedForms(dim, value)) this.add(form, { ...base, tier: 1 })
      if (!nodes.length) continue
      const deepest = this.labelsOf(group!, nodes, value)
      for (const d of deepest) {
        const byTable = this.ownLabels.get(d) ?? new Map<TableKey, Map<string, Set<string>>>()
        const byCol = byTable.get(spec.key) ?? new Map<string, Set<string>>()
        byCol.set(column, (byCol.get(column) ?? new Set<string>()).add(value))
        byTable.set(spec.key, byCol)
        this.ownLabels.set(d, byTable)
      }
      const covering = new Set<TaxNode>(deepest)
      for (const d of deepest) for (const a of this.taxonomy.ancestors(d)) covering.add(a)
      const normValue = normTerm(value)
      for (const n of covering) {
        const via = deepest.find((d) => d !== n && this.taxonomy.ancestors(d).includes(n))
        const child = via ? [via, ...this.taxonomy.ancestors(via)].find((x) => x.parents.includes(n)) : undefined
        for (const t of n.terms) {
          this.add(t, {
            ...base,
            tier: normValue === t ? 0 : 2,
            node: n.name,
            ...(child ? { child: child.name } : {}),
          })
        }
      }
    }
  }

  /**
   * A taxonomy node a table has no label for, while it has labels of an ancestor (银行 asked; the pitch
   * plans only say 金融): its terms become phrases of the table through the ancestor's labels.
   */
  private addParentReadings(groups: readonly TaxGroup[]): void {
    for (const group of groups) {
      for (const node of this.taxonomy.nodes(group)) {
        const ancestors = this.taxonomy.ancestors(node)
        if (!ancestors.length) continue
        for (const spec of TABLES) {
          const cols = spec.columns.filter((c) => c.dim && groupOfDim(c.dim) === group)
          if (!cols.length) continue
          const covered = node.terms.some((t) =>
            this.phrases.get(t)?.some((h) => h.table === spec.key && !h.viaParent && h.node === node.name),
          )
          if (covered) continue
          for (const a of ancestors) {
            const byCol = this.ownLabels.get(a)?.get(spec.key)
            for (const c of cols) {
              for (const value of byCol?.get(c.name) ?? []) {
                for (const t of node.terms)
                  this.add(t, {
                    table: spec.key,
                    column: c.name,
                    dim: c.dim!,
                    value,
                    tier: 2,
                    node: node.name,
                    viaParent: true,
                  })
              }
            }
          }
        }
      }
    }
  }

  private readonly labelCache = new Map<string, TaxNode[]>()

  /** The taxonomy nodes a stored value is labelled with: those whose own terms occur in it, the deepest of them. */
  private labelsOf(group: TaxGroup, nodes: readonly TaxNode[], value: string): TaxNode[] {
    const key = `${group}\u0000${value}`
    let out = this.labelCache.get(key)
    if (!out) {
      const owned = this.taxonomy.ownMatches(nodes, value)
      out = owned.filter((n) => !owned.some((o) => o !== n && this.taxonomy.ancestors(o).includes(n)))
      this.labelCache.set(key, out)
    }
    return out
  }

  /** The hits of one phrase (normalised), best reading per table; undefined when it is not a phrase. */
  lookup(phrase: string, tables?: readonly TableKey[]): readonly DictHit[] | undefined {
    return this.lookupNormalized(normTerm(phrase), tables)
  }

  private lookupNormalized(key: string, tables?: readonly TableKey[]): readonly DictHit[] | undefined {
    const hits = this.phrases.get(key)
    if (!hits) return undefined
    // The dictionary does not change once built: each phrase's best hits are worked out once per scope.
    const memoKey = tables ? `${key}\u0000${tables.join(',')}` : key
    const memo = this.best.get(memoKey)
    if (memo !== undefined) return memo ?? undefined
    const inScope = tables ? hits.filter((h) => tables.includes(h.table)) : hits
    const best = inScope.length ? Object.freeze(bestHits(inScope)) : null
    this.best.set(memoKey, best)
    return best ?? undefined
  }

  /**
   * When a phrase names a taxonomy node that has ancestors, rows labelled with an ancestor itself (金融)
   * whose customer name shows they belong to the node (…银行…) match it too. Returns the ancestors'
   * stored labels in this table's columns and the words to look for in the name.
   */
  parentLabels(
    table: TableKey,
    columns: readonly string[],
    group: TaxGroup,
    phrase: string,
  ): { labels: Array<{ column: string; values: string[] }>; ancestors: string[]; nameTerms: string[] } | undefined {
    const node = this.taxonomy.nodesFor(group, phrase)[0]
    if (!node || node.parents.length === 0) return undefined
    const labels = new Map<string, Set<string>>()
    const ancestors: string[] = []
    for (const a of this.taxonomy.ancestors(node)) {
      const byCol = this.ownLabels.get(a)?.get(table)
      if (!byCol) continue
      let used = false
      for (const c of columns) {
        const vs = byCol.get(c)
        if (!vs?.size) continue
        labels.set(c, new Set([...(labels.get(c) ?? []), ...vs]))
        used = true
      }
      if (used) ancestors.push(a.name)
    }
    if (labels.size === 0) return undefined
    const nameTerms = [...new Set(this.taxonomy.subtree(node).flatMap((n) => n.terms))].filter(
      (t) => [...t].length >= 2,
    )
    return { labels: [...labels].map(([column, vs]) => ({ column, values: [...vs] })), ancestors, nameTerms }
  }

  /** Whether the column is a category column whose every value is known (in the case index). */
  isCategory(table: TableKey, column: string): boolean {
    return this.indexes.get(table)?.isCategory(column) ?? false
  }

  /** Stored values of a category column that contain `text` (case-insensitive). */
  valuesContaining(table: TableKey, column: string, text: string): string[] {
    const needle = text.toLowerCase()
    return this.values(table, column).filter((v) => v.toLowerCase().includes(needle))
  }

  /** Distinct stored values of a category column, most common first. */
  values(table: TableKey, column: string): readonly string[] {
    return (this.indexes.get(table)?.categoryValues(column) ?? []).map((v) => v.value)
  }

  /**
   * Longest phrases in `text` (already normalised and lower-cased), left to right, without overlaps.
   * With `tables`, only phrases with hits in those tables count.
   */
  scan(text: string, tables?: readonly TableKey[]): PhraseMatch[] {
    const out: PhraseMatch[] = []
    let i = 0
    while (i < text.length) {
      let found: PhraseMatch | undefined
      for (let len = Math.min(this.maxLen, text.length - i); len >= 2; len--) {
        const phrase = text.slice(i, i + len)
        const hits = this.lookupNormalized(phrase, tables)
        if (!hits) continue
        // Latin phrases (IT, SAP…) only as whole words, never inside another word.
        if (ASCII_WORD.test(phrase) && (ASCII_CHAR.test(text[i - 1] ?? '') || ASCII_CHAR.test(text[i + len] ?? '')))
          continue
        found = { start: i, end: i + len, phrase, hits }
        break
      }
      if (found) {
        out.push(found)
        i = found.end
      } else {
        i++
      }
    }
    return out
  }

  get size(): number {
    return this.phrases.size
  }
}

/** Per table: its row count and the values of its dimension columns (what the dictionary is made of). */
export type DictionarySnapshot = Partial<Record<TableKey, { size: number; cats: Record<string, CategoryValues> }>>
