import type { AppliedFilter, Condition } from '../tables/conditions.js'
import { DIMENSION_LABELS, type Dimension, type TableSpec } from '../tables/index.js'
import { conceptOf, type DictHit, type Dictionary } from './dictionary.js'
import { groupOfDim } from './taxonomy.js'

/**
 * Stored values named in a sentence → filters. Values of one field (one concept: the industry columns
 * together, the provinces…) form one any-of filter; different fields are all required. A taxonomy parent
 * stands for its children (金融 → 银行, 保险, 证券…, said in the reply); a child also matches rows labelled
 * with the parent whose customer name shows the child (a 金融 row named …银行…). Negated values form one
 * exclusion per field: the rows the same words would have found are removed — never kept.
 */

/** Relaxation order: lower priority is dropped first when nothing matches. */
export const PRIORITY: Record<Dimension | 'keyword' | 'year' | 'money' | 'account' | 'size', number> = {
  keyword: 10,
  year: 20,
  money: 25,
  account: 30,
  size: 40,
  sales: 45,
  classType: 46,
  sourceType: 47,
  series: 50,
  crowd: 55,
  product: 60,
  industry2: 65,
  enterpriseType: 70,
  region: 80,
  competitor: 85,
  industry: 90,
}

/** A free-word filter: the word(s) must occur in some text of the row (any of several: 或). */
export function keywordFilter(words: readonly string[], negated = false, parts?: readonly string[]): AppliedFilter {
  const cond: Condition = words.length === 1 ? { kind: 'keyword', text: words[0]! } : { kind: 'anyKeyword', words }
  return {
    key: 'keywords',
    label: '关键词',
    display: words.join('或'),
    value: words.length === 1 ? words[0]! : [...words],
    condition: negated ? { kind: 'not', condition: cond } : cond,
    priority: PRIORITY.keyword,
    source: 'keyword',
    ...(negated ? { exclude: true } : {}),
    ...(parts?.length ? { parts: [...parts] } : {}),
  }
}

export interface NamedValue {
  phrase: string
  hits: readonly DictHit[]
  /** Joined to the value before it by 或 / 、 / 还是 (same field): 「央企或国企」 means either. */
  orWithPrevious?: boolean
}

interface PhraseReading {
  phrase: string
  concept: string
  dim: Dimension
  columns: Map<string, Set<string>>
  /** Child names the phrase was widened to (金融 → 银行、保险). */
  children: string[]
  node?: string
  /** Values joined by 或 share a chain; a new chain starts at a value said without 或 before it. */
  chain: number
  parent?: { condition: Condition; ancestors: string[] }
  /** Only parent labels stand for the phrase in this table (no label of its own). */
  parentOnly: Set<string>
}

function reading(spec: TableSpec, dict: Dictionary, v: NamedValue, chain: number): PhraseReading[] {
  const byConcept = new Map<string, PhraseReading>()
  for (const h of v.hits) {
    if (h.table !== spec.key) continue
    const concept = conceptOf(h.dim)
    const r: PhraseReading = byConcept.get(concept) ?? {
      phrase: v.phrase,
      concept,
      dim: h.dim,
      columns: new Map<string, Set<string>>(),
      children: [],
      node: h.node,
      chain,
      parentOnly: new Set(),
    }
    // Said as the data spells it (MoocPro, not the lower-cased moocpro).
    if (h.tier === 0 && h.value.toLowerCase() === v.phrase && h.value !== v.phrase) r.phrase = h.value
    if (h.viaParent) r.parentOnly.add(h.value)
    else r.columns.set(h.column, (r.columns.get(h.column) ?? new Set()).add(h.value))
    if (h.child && !r.children.includes(h.child)) r.children.push(h.child)
    r.node ??= h.node
    byConcept.set(concept, r)
  }
  for (const r of byConcept.values()) {
    const group = groupOfDim(r.dim)
    const cols = spec.columns.filter((c) => c.dim && conceptOf(c.dim) === r.concept).map((c) => c.name)
    const parent = group && spec.nameColumn ? dict.parentLabels(spec.key, cols, group, v.phrase) : undefined
    if (parent) {
      r.parent = {
        ancestors: parent.ancestors,
        condition: {
          kind: 'and',
          conditions: [
            { kind: 'in', columns: parent.labels },
            { kind: 'anyContains', column: spec.nameColumn, words: parent.nameTerms },
          ],
        },
      }
    }
  }
  return [...byConcept.values()]
}

function conditionOf(readings: readonly PhraseReading[]): Condition {
  const columns = new Map<string, Set<string>>()
  for (const r of readings) for (const [c, vs] of r.columns) columns.set(c, new Set([...(columns.get(c) ?? []), ...vs]))
  const direct: Condition = { kind: 'in', columns: [...columns].map(([column, vs]) => ({ column, values: [...vs] })) }
  const parents = readings.flatMap((r) => (r.parent ? [r.parent.condition] : []))
  if (!parents.length) return direct
  return columns.size
    ? { kind: 'or', conditions: [direct, ...parents] }
    : parents.length === 1
      ? parents[0]!
      : { kind: 'or', conditions: parents }
}

function displayOf(r: PhraseReading): string {
  const kids = r.children.filter((c) => c !== r.phrase && c !== r.node)
  const notes: string[] = []
  // An alias is said with the name it stands for: 城商行（银行）.
  if (r.node && r.node !== r.phrase && !r.phrase.includes(r.node)) notes.push(r.node)
  if (kids.length) notes.push(`含${kids.slice(0, 4).join('、')}${kids.length > 4 ? '等' : ''}`)
  if (r.parent)
    notes.push(`${r.columns.size ? '另含' : ''}客户名称带“${r.node ?? r.phrase}”的${r.parent.ancestors.join('、')}记录`)
  return notes.length ? `${r.phrase}（${notes.join('；')}）` : r.phrase
}

/** The stored labels a reading stands for (its parent's labels when it has none of its own). */
function valuesOf(readings: readonly PhraseReading[]): string[] {
  return [
    ...new Set(
      readings.flatMap((r) => (r.columns.size ? [...r.columns.values()].flatMap((vs) => [...vs]) : [...r.parentOnly])),
    ),
  ]
}

export interface ValueFilters {
  filters: AppliedFilter[]
  /** 「银行」 wanted and 「金融」 excluded (银行 is part of 金融): nothing can match. */
  contradictions: string[]
}

export function valueFilters(
  spec: TableSpec,
  dict: Dictionary,
  positive: readonly NamedValue[],
  negative: readonly NamedValue[],
): ValueFilters {
  const group = (list: readonly NamedValue[]) => {
    const out = new Map<string, PhraseReading[]>()
    let chain = 0
    for (const v of list) {
      if (!v.orWithPrevious) chain++
      for (const r of reading(spec, dict, v, chain)) out.set(r.concept, [...(out.get(r.concept) ?? []), r])
    }
    return out
  }
  const pos = group(positive)
  const neg = group(negative)
  const filters: AppliedFilter[] = []
  const contradictions: string[] = []
  for (const [concept, all] of pos) {
    const readings = narrowest(dict, all)
    const first = readings[0]!
    filters.push({
      key: keyOf(spec, first),
      label: labelOf(first.dim, concept),
      display: readings.map(displayOf).join('或'),
      value: valuesOf(readings),
      condition: conditionOf(readings),
      priority: PRIORITY[first.dim],
      source: 'dictionary',
    })
    const excluded = neg.get(concept)
    if (excluded) {
      const out = new Set(valuesOf(excluded))
      const wanted = valuesOf(readings)
      if (wanted.length && wanted.every((v) => out.has(v))) {
        contradictions.push(
          `要「${readings.map((r) => r.phrase).join('、')}」又排除「${excluded.map((r) => r.phrase).join('、')}」`,
        )
      }
    }
  }
  for (const [concept, readings] of neg) {
    const first = readings[0]!
    filters.push({
      key: keyOf(spec, first),
      label: labelOf(first.dim, concept),
      display: readings.map(displayOf).join('、'),
      value: valuesOf(readings),
      condition: { kind: 'not', condition: conditionOf(readings) },
      priority: PRIORITY[first.dim],
      source: 'dictionary',
      exclude: true,
    })
  }
  return { filters, contradictions }
}

/**
 * Labels at several levels of one field. Said apart (「金融的银行客户」), a parent and its child mean the child;
 * joined by 或 (「央企或国企」), either one, so the parent (which holds the child) stands for both.
 */
function narrowest(dict: Dictionary, all: readonly PhraseReading[]): PhraseReading[] {
  const related = (a: PhraseReading, b: PhraseReading) => a !== b && !!a.node && !!b.node && isAncestorName(dict, a, b)
  const union = all.filter((r) => !all.some((o) => o.chain === r.chain && related(o, r)))
  return union.filter((r) => !union.some((o) => o.chain !== r.chain && related(r, o)))
}

function isAncestorName(dict: Dictionary, maybeAncestor: PhraseReading, of: PhraseReading): boolean {
  const group = groupOfDim(of.dim)
  if (!group) return false
  const node = dict.taxonomy.nodesFor(group, of.phrase)[0]
  const anc = dict.taxonomy.nodesFor(group, maybeAncestor.phrase)[0]
  return !!node && !!anc && node !== anc && dict.taxonomy.ancestors(node).includes(anc)
}

function keyOf(spec: TableSpec, r: PhraseReading): string {
  return [...r.columns.keys()][0] ?? spec.columns.find((c) => c.dim && conceptOf(c.dim) === r.concept)!.name
}

function labelOf(dim: Dimension, concept: string): string {
  return concept === 'industry' ? '行业' : DIMENSION_LABELS[dim]
}
