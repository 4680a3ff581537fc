import { scanColumns } from '../db/case-search.js'
import { columnsAfter } from '../db/case-values.js'
import type { Db } from '../db/client.js'
import { dateKey, dateParts, dateTextColumn } from '../tables/date-key.js'
import { categoryColumns, type TableSpec } from '../tables/index.js'
import { CaseIndex, type Category } from './case-index.js'

/**
 * Collects a case table's rows (id + category and numeric columns, in id order) and turns them into a
 * CaseIndex: rows ranked newest first — full date desc (date-key.ts), id desc — by a counting sort on the date (O(n)),
 * categories dictionary-encoded with one sorted posting list per value.
 */
export class CaseIndexBuilder {
  readonly columns: string[]
  private readonly catCols: string[]
  private readonly numCols: string[]
  private readonly rawIds: number[] = []
  private readonly codes: number[][]
  private readonly dicts: Array<Map<string, number>>
  private readonly nums: number[][]

  constructor(private readonly spec: TableSpec) {
    this.catCols = categoryColumns(spec)
    this.numCols = spec.columns.filter((c) => c.type !== 'text').map((c) => c.name)
    this.columns = [...this.catCols, ...this.numCols]
    this.codes = this.catCols.map(() => [])
    this.dicts = this.catCols.map(() => new Map())
    this.nums = this.numCols.map(() => [])
  }

  /** One row as [id, ...columns] (see `columns`), rows in ascending id order. */
  add(row: readonly unknown[]): void {
    this.rawIds.push(row[0] as number)
    const nc = this.catCols.length
    for (let c = 0; c < nc; c++) {
      const v = row[1 + c]
      if (v == null || v === '') {
        this.codes[c]!.push(-1)
        continue
      }
      const d = this.dicts[c]!
      let code = d.get(v as string)
      if (code === undefined) d.set(v as string, (code = d.size))
      this.codes[c]!.push(code)
    }
    for (let k = 0; k < this.numCols.length; k++) {
      const v = row[1 + nc + k]
      this.nums[k]!.push(v == null ? Number.NaN : Number(v))
    }
  }

  /** rank → row position: full date desc (year, month, day; no year last — see date-key.ts), then id desc. */
  private order(): Int32Array {
    const n = this.rawIds.length
    const yearIdx = this.spec.yearColumn ? this.numCols.indexOf(this.spec.yearColumn) : -1
    const order = new Int32Array(n)
    if (yearIdx < 0) {
      for (let r = 0; r < n; r++) order[r] = n - 1 - r
      return order
    }
    const year = this.nums[yearIdx]!
    // Month and day come from the date text (dictionary-encoded: parsed once per distinct value).
    const textCol = dateTextColumn(this.spec)
    const textIdx = textCol ? this.catCols.indexOf(textCol) : -1
    const partsByCode = textIdx >= 0 ? [...this.dicts[textIdx]!.keys()].map((v) => dateParts(v)) : []
    const codes = textIdx >= 0 ? this.codes[textIdx]! : undefined
    const keys = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const y = year[i]!
      const code = codes ? codes[i]! : -1
      keys[i] = Number.isNaN(y) ? Number.NEGATIVE_INFINITY : dateKey(y, code >= 0 ? partsByCode[code] : undefined)!
    }
    // Counting sort on the key (few distinct dates): O(n).
    const counts = new Map<number, number>()
    for (let i = 0; i < n; i++) counts.set(keys[i]!, (counts.get(keys[i]!) ?? 0) + 1)
    const offsets = new Map<number, number>()
    let o = 0
    for (const k of [...counts.keys()].sort((a, b) => b - a)) {
      offsets.set(k, o)
      o += counts.get(k)!
    }
    // rows come in ascending id order; walking them backwards fills each date with ids descending
    for (let i = n - 1; i >= 0; i--) {
      const at = offsets.get(keys[i]!)!
      order[at] = i
      offsets.set(keys[i]!, at + 1)
    }
    return order
  }

  finish(): CaseIndex {
    const n = this.rawIds.length
    const order = this.order()
    const ids = new Int32Array(n)
    for (let r = 0; r < n; r++) ids[r] = this.rawIds[order[r]!]!
    const cats = new Map<string, Category>()
    this.catCols.forEach((col, c) => {
      const values = [...this.dicts[c]!.keys()]
      const raw = this.codes[c]!
      const counts = new Int32Array(values.length)
      for (let i = 0; i < n; i++) if (raw[i]! >= 0) counts[raw[i]!]!++
      const postings = values.map((_, v) => new Int32Array(counts[v]!))
      const fill = new Int32Array(values.length)
      for (let r = 0; r < n; r++) {
        const code = raw[order[r]!]!
        if (code >= 0) postings[code]![fill[code]!++] = r
      }
      cats.set(col, { values, lower: values.map((v) => v.toLowerCase()), postings })
    })
    const nums = new Map<string, Float64Array>()
    this.numCols.forEach((col, k) => {
      const arr = new Float64Array(n)
      const raw = this.nums[k]!
      for (let r = 0; r < n; r++) arr[r] = raw[order[r]!]!
      nums.set(col, arr)
    })
    let maxId = 0
    for (const id of this.rawIds) if (id > maxId) maxId = id
    let rankOfId: (id: number) => number
    if (maxId <= n * 4 + 1024) {
      const table = new Int32Array(maxId + 1).fill(-1)
      for (let r = 0; r < n; r++) table[ids[r]!] = r
      rankOfId = (id) => (id >= 0 && id <= maxId ? table[id]! : -1)
    } else {
      const map = new Map<number, number>()
      for (let r = 0; r < n; r++) map.set(ids[r]!, r)
      rankOfId = (id) => map.get(id) ?? -1
    }
    return CaseIndex.fromParts(this.spec, ids, rankOfId, cats, nums)
  }
}

/** Builds the index of a table in one go (blocks while it reads the table). */
export function buildCaseIndex(db: Db, spec: TableSpec): CaseIndex {
  const b = new CaseIndexBuilder(spec)
  for (const row of scanColumns(db, spec, b.columns)) b.add(row)
  return b.finish()
}

/**
 * Builds the index reading the table in chunks, yielding to the event loop between them (big tables).
 * Each chunk is read whole (no cursor left open across a yield), so the process's other queries run.
 */
export async function buildCaseIndexAsync(db: Db, spec: TableSpec, chunk = 5000): Promise<CaseIndex> {
  const b = new CaseIndexBuilder(spec)
  let after = Number.MIN_SAFE_INTEGER
  for (;;) {
    const rows = columnsAfter(db, spec, b.columns, after, chunk)
    for (const row of rows) b.add(row)
    if (rows.length < chunk) break
    after = rows.at(-1)![0] as number
    await new Promise((r) => setImmediate(r))
  }
  return b.finish()
}
