/** Search conditions: what a filter means, independent of SQL. src/db/case-search.ts compiles them. */
export type Condition =
  /** Exact stored values, in any of the listed columns (dictionary hits; index-friendly). */
  | { kind: 'in'; columns: ReadonlyArray<{ column: string; values: readonly string[] }> }
  /** The column contains the text (case-insensitive for Latin letters). */
  | { kind: 'contains'; column: string; text: string }
  /** The column contains at least one of the words (seed `*_more`). */
  | { kind: 'anyContains'; column: string; words: readonly string[] }
  /** Some text column contains the text (a free keyword). */
  | { kind: 'keyword'; text: string }
  /** Some text column contains at least one of the words (seed `params_more`). */
  | { kind: 'anyKeyword'; words: readonly string[] }
  /** A numeric column within bounds. */
  | { kind: 'range'; column: string; min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean }
  /**
   * Staff-size ranges that overlap [min, max]. Buckets that only touch the bound are left out:
   * "5000人以上" does not match a "1000-5000人" row, "1000人以下" does not match "1000-5000人".
   */
  | { kind: 'size'; min?: number; max?: number }
  /** Rows the inner condition does not match — rows without a value count as not matching (exclusions). */
  | { kind: 'not'; condition: Condition }
  /** Any of the conditions (a child label, or a parent label whose name says it is the child). */
  | { kind: 'or'; conditions: readonly Condition[] }
  /** All of the conditions. */
  | { kind: 'and'; conditions: readonly Condition[] }

export type FilterSource = 'dictionary' | 'number' | 'keyword' | 'param' | 'llm'

/** A filter as applied to a search: the condition plus what to tell the user about it. */
export interface AppliedFilter {
  /** Seed parameter or column name the filter is reported under (yxt_industry_1, staff_size_min, keywords…). */
  readonly key: string
  /** Chinese name of the dimension (行业, 规模…). */
  readonly label: string
  /** The value as the user should read it (制造业, ≥5000人…). */
  readonly display: string
  /** The value reported in JSON (what was matched / bounds). */
  readonly value: unknown
  readonly condition: Condition
  /** Lower is relaxed first when nothing matches. */
  readonly priority: number
  readonly source: FilterSource
  /** An exclusion (非 / 不是 / 除了…以外 …): the condition is a `not`; never relaxed. */
  readonly exclude?: boolean
  /** A leftover word made of several segments (价格太贵 = 价格 + 太贵): tried one by one when the whole is found nowhere. */
  readonly parts?: readonly string[]
}

/** "行业=制造业", "规模≥5000人" — the field and value, whether wanted or excluded. */
export function describeValue(f: AppliedFilter): string {
  return /^[≥≤<>]/.test(f.display) ? `${f.label}${f.display}` : `${f.label}=${f.display}`
}

/** "行业=制造业"; an exclusion reads "排除 企业性质=国企" (export sheets, logs, notes). */
export function describeFilter(f: AppliedFilter): string {
  return f.exclude ? `排除 ${describeValue(f)}` : describeValue(f)
}
