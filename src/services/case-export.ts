import { iterateCases, type Row } from '../db/case-search.js'
import type { Db } from '../db/client.js'
import type { Condition } from '../tables/conditions.js'
import { outputColumns, type TableSpec } from '../tables/index.js'
import { type SheetColumn, type SheetSpec, type WorkbookResult, writeWorkbook } from './excel.js'

/** The columns of a case table as sheet columns with the seed's Chinese labels (import reads them back). */
export function caseColumns(spec: TableSpec): SheetColumn[] {
  return outputColumns(spec).map((c) => ({
    key: c.name,
    header: c.label,
    kind: c.url ? 'url' : c.type === 'text' ? 'text' : 'number',
  }))
}

export function caseSheet(spec: TableSpec, rows: Iterable<Row>, name = spec.title): SheetSpec {
  return { name, columns: caseColumns(spec), rows }
}

/** Writes every row matching `conditions` (all rows when empty) to an .xlsx. */
export function exportCases(
  db: Db,
  spec: TableSpec,
  path: string,
  conditions: readonly Condition[] = [],
): Promise<WorkbookResult> {
  return writeWorkbook(path, [caseSheet(spec, iterateCases(db, spec, conditions))])
}
