import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import * as z from 'zod'
import zhCN from 'zod/v4/locales/zh-CN.js'
import type { Dimension } from '../tables/index.js'

/**
 * The taxonomy (data/taxonomy.json): industries with levels and aliases, enterprise types, crowds,
 * provinces (short forms, cities) and regions. It tells the dictionary which stored labels a word stands
 * for: a node stands for every stored value in which one of its terms (name or alias) occurs, and for
 * everything its children stand for — 金融 covers 银行, 保险…; 国企 covers 地方国企 and 央企; 江苏 and
 * 江苏省 are one province. A term right after 非/不/无/未 does not count (「非国有企业」 is not a 国企).
 */

export type TaxGroup = 'industry' | 'enterpriseType' | 'crowd' | 'region'

export const GROUP_LABELS: Record<TaxGroup, string> = {
  industry: '行业',
  enterpriseType: '企业性质',
  crowd: '人群',
  region: '地区',
}

export function groupOfDim(dim: Dimension): TaxGroup | undefined {
  if (dim === 'industry' || dim === 'industry2') return 'industry'
  if (dim === 'enterpriseType' || dim === 'crowd' || dim === 'region') return dim
  return undefined
}

// ---- file format (zod) ------------------------------------------------------------------------

const word = z.string().trim().min(1, '不能是空字符串').max(40, '太长（最多 40 个字）')
const words = z.array(word).default([])

export interface TreeNodeInput {
  name: string
  aliases?: string[]
  children?: TreeNodeInput[]
}

const treeNode: z.ZodType<TreeNodeInput> = z.lazy(() =>
  z.strictObject({ name: word, aliases: words.optional(), children: z.array(treeNode).optional() }),
)

export const taxonomySchema = z.strictObject({
  version: z.number().int().min(1),
  updated: z.string().optional(),
  about: z.string().optional(),
  industries: z.array(treeNode).default([]),
  enterpriseTypes: z.array(treeNode).default([]),
  crowds: z.array(treeNode).default([]),
  provinces: z.array(z.strictObject({ name: word, aliases: words.optional(), cities: words.optional() })).default([]),
  regions: z
    .array(
      z.strictObject({ name: word, aliases: words.optional(), provinces: z.array(word).min(1, '至少列出一个省份') }),
    )
    .default([]),
})

export type TaxonomyFile = z.infer<typeof taxonomySchema>

export class TaxonomyError extends Error {
  constructor(readonly problems: string[]) {
    super(`分类表有 ${problems.length} 处问题：\n  ${problems.slice(0, 20).join('\n  ')}`)
    this.name = 'TaxonomyError'
  }
}

// ---- model ------------------------------------------------------------------------------------

export interface TaxNode {
  readonly id: number
  readonly group: TaxGroup
  readonly name: string
  /** Name and aliases, NFKC + lower-case. */
  readonly terms: readonly string[]
  readonly children: TaxNode[]
  readonly parents: TaxNode[]
}

export function normTerm(s: string): string {
  // Han characters (U+4E00–U+9FFF), digits and lower-case Latin letters are their own NFKC form: most terms.
  if (PLAIN.test(s)) return s
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, '')
}

const PLAIN = /^[\u4e00-\u9fff0-9a-z]*$/

const ASCII = /^[a-z0-9]+$/
const NEGATED_BEFORE = /[非不无未]$/

/** Whether `term` occurs in `value` (both normalised) as a label: not right after 非/不/无/未; Latin terms as whole words. */
export function termIn(term: string, value: string): boolean {
  let from = 0
  for (;;) {
    const at = value.indexOf(term, from)
    if (at < 0) return false
    const before = value.slice(0, at)
    const after = value[at + term.length] ?? ''
    const wordOk = !ASCII.test(term) || (!/[a-z0-9]$/.test(before) && !/^[a-z0-9]/.test(after))
    if (wordOk && !NEGATED_BEFORE.test(before)) return true
    from = at + 1
  }
}

export class Taxonomy {
  private readonly byGroup = new Map<TaxGroup, TaxNode[]>()
  private readonly byTerm = new Map<TaxGroup, Map<string, TaxNode[]>>()
  private readonly descCache = new Map<TaxNode, TaxNode[]>()

  private constructor(readonly file: TaxonomyFile) {}

  get version(): number {
    return this.file.version
  }

  /** Validates a parsed JSON document; throws TaxonomyError listing every problem (in Chinese). */
  static parse(json: unknown): Taxonomy {
    // Messages in Chinese (the admins read them), without changing zod's language for the rest of Andy.
    const res = taxonomySchema.safeParse(json, { error: zhCN().localeError })
    if (!res.success) {
      throw new TaxonomyError(res.error.issues.map((i) => `${i.path.join('.') || '(根)'}：${i.message}`))
    }
    const t = new Taxonomy(res.data)
    t.build()
    return t
  }

  static fromText(text: string, source = '分类表'): Taxonomy {
    const checked = checkedAtBuild(text)
    if (checked) {
      const t = new Taxonomy(checked)
      t.build()
      return t
    }
    let json: unknown
    try {
      json = JSON.parse(text.replace(/^\uFEFF/, ''))
    } catch (err) {
      throw new TaxonomyError([`${source} 不是有效的 JSON：${err instanceof Error ? err.message : String(err)}`])
    }
    return Taxonomy.parse(json)
  }

  static load(path: string): Taxonomy {
    return Taxonomy.fromText(readFileSync(path, 'utf8'), path)
  }

  static empty(): Taxonomy {
    return Taxonomy.parse({ version: 1 })
  }

  private build(): void {
    const problems: string[] = []
    let id = 0
    const make = (group: TaxGroup, name: string, aliases: readonly string[] = []): TaxNode => {
      const terms = [...new Set([name, ...aliases].map(normTerm).filter(Boolean))]
      const node: TaxNode = { id: id++, group, name: name.trim(), terms, children: [], parents: [] }
      const list = this.byGroup.get(group) ?? []
      list.push(node)
      this.byGroup.set(group, list)
      const index = this.byTerm.get(group) ?? new Map<string, TaxNode[]>()
      for (const t of terms) {
        const owners = index.get(t) ?? []
        if (owners.length)
          problems.push(`${GROUP_LABELS[group]}里「${t}」出现了两次（${owners[0]!.name}、${node.name}）`)
        owners.push(node)
        index.set(t, owners)
      }
      this.byTerm.set(group, index)
      return node
    }
    const tree = (group: TaxGroup, input: TreeNodeInput, parent: TaxNode | undefined, depth: number) => {
      if (depth > 4) problems.push(`${GROUP_LABELS[group]}「${input.name}」层级太深（最多 4 层）`)
      const node = make(group, input.name, input.aliases)
      if (parent) link(parent, node)
      for (const c of input.children ?? []) tree(group, c, node, depth + 1)
    }
    const link = (parent: TaxNode, child: TaxNode) => {
      parent.children.push(child)
      child.parents.push(parent)
    }
    for (const n of this.file.industries) tree('industry', n, undefined, 1)
    for (const n of this.file.enterpriseTypes) tree('enterpriseType', n, undefined, 1)
    for (const n of this.file.crowds) tree('crowd', n, undefined, 1)
    const provinces = new Map<string, TaxNode>()
    for (const p of this.file.provinces) {
      const node = make('region', p.name, p.aliases)
      provinces.set(normTerm(p.name), node)
      for (const city of p.cities ?? []) link(node, make('region', city))
    }
    for (const r of this.file.regions) {
      const node = make('region', r.name, r.aliases)
      for (const p of r.provinces) {
        const child = provinces.get(normTerm(p))
        if (child) link(node, child)
        else problems.push(`区域「${r.name}」里的省份「${p}」不在 provinces 里`)
      }
    }
    if (problems.length) throw new TaxonomyError(problems)
  }

  nodes(group: TaxGroup): readonly TaxNode[] {
    return this.byGroup.get(group) ?? []
  }

  /** The nodes a word names (normally one). */
  nodesFor(group: TaxGroup, term: string): readonly TaxNode[] {
    return this.byTerm.get(group)?.get(normTerm(term)) ?? []
  }

  /** Every term of a group (for the segmenter's user words). */
  terms(group: TaxGroup): string[] {
    return [...(this.byTerm.get(group)?.keys() ?? [])]
  }

  /** The node and everything below it. */
  subtree(node: TaxNode): readonly TaxNode[] {
    let out = this.descCache.get(node)
    if (!out) {
      const seen = new Set<TaxNode>([node])
      const walk = (n: TaxNode) => {
        for (const c of n.children) if (!seen.has(c)) seen.add(c), walk(c)
      }
      walk(node)
      out = [...seen]
      this.descCache.set(node, out)
    }
    return out
  }

  private readonly ancCache = new Map<TaxNode, TaxNode[]>()

  /** Every node above, nearest first. */
  ancestors(node: TaxNode): TaxNode[] {
    const hit = this.ancCache.get(node)
    if (hit) return hit
    const out: TaxNode[] = []
    const queue = [...node.parents]
    while (queue.length) {
      const p = queue.shift()!
      if (out.includes(p)) continue
      out.push(p)
      queue.push(...p.parents)
    }
    this.ancCache.set(node, out)
    return out
  }

  /** Whether a stored value is labelled with the node itself (one of its own terms occurs in it). */
  ownMatch(node: TaxNode, value: string): boolean {
    const v = normTerm(value)
    return node.terms.some((t) => termIn(t, v))
  }

  /** Those of `nodes` whose own terms occur in `value` (ownMatch of each, the value normalised once). */
  ownMatches(nodes: readonly TaxNode[], value: string): TaxNode[] {
    const v = normTerm(value)
    return nodes.filter((n) => n.terms.some((t) => termIn(t, v)))
  }

  /** The deepest nodes of the subtree a value belongs to (the node itself when no child claims it), or [] */
  classify(node: TaxNode, value: string): TaxNode[] {
    const below = node.children.flatMap((c) => this.classify(c, value))
    if (below.length) return [...new Set(below)]
    return this.ownMatch(node, value) ? [node] : []
  }
}

/**
 * CHECKED_TAXONOMY_FILE, beside this module in dist/ (written by the build, scripts/build.mjs): the shipped
 * taxonomy as validated then (zod's output: trimmed, defaults filled) with the SHA-1 of its text. A file with
 * exactly that text is not validated again — zod's first run cost `andy ask` ~15 ms. Any other text (an
 * edited or own TAXONOMY_FILE), or no such file (from source), is validated as always.
 */
export const CHECKED_TAXONOMY_FILE = 'taxonomy-checked.json'

let checked: { sha1: string; data: TaxonomyFile } | null | undefined

function checkedAtBuild(text: string): TaxonomyFile | undefined {
  if (checked === undefined) {
    try {
      checked = JSON.parse(readFileSync(new URL(CHECKED_TAXONOMY_FILE, import.meta.url), 'utf8')) as typeof checked
    } catch {
      checked = null
    }
  }
  if (!checked?.sha1) return undefined
  return createHash('sha1').update(text).digest('hex') === checked.sha1 ? structuredClone(checked.data) : undefined
}
