import type pg from 'pg'

/**
 * node-postgres, imported on first use: on SQLite (the default) `andy import`, `seed`, `export`, `stats`
 * and `start` never load it (~100 ms of a CLI command).
 */
let loading: Promise<typeof pg> | undefined

export function loadPg(): Promise<typeof pg> {
  loading ??= import('pg').then((m) => m.default)
  return loading
}

/** Type parsers: bigint (int8) — and with `numeric`, sums — read back as numbers (well inside 2^53). */
export function numberTypes(driver: typeof pg, numeric = false): { getTypeParser: typeof pg.types.getTypeParser } {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === driver.types.builtins.INT8 || (numeric && oid === driver.types.builtins.NUMERIC)
        ? (v: string) => Number(v)
        : driver.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  }
}
