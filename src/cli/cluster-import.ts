import type { Db } from '../db/client.js'
import { changeCases, pullCases } from '../db/pg/case-sync.js'
import { openPg } from '../db/pg/client.js'
import type { CaseChange } from '../db/stores/types.js'
import { type ImportReport, importChange } from '../services/import-types.js'
import type { TableSpec } from '../tables/index.js'

/**
 * `andy import` with DATABASE_URL: under the cases lock the local file (DB_PATH) is brought up to
 * PostgreSQL's version, the file is imported into it as without PostgreSQL (natural keys, merging,
 * problems), and the changed table is pushed back with a new cases version — every instance then copies it
 * (LISTEN/NOTIFY) and rebuilds its search index.
 */
export async function importToPostgres(
  url: string,
  db: Db,
  spec: TableSpec | undefined,
  run: () => Promise<ImportReport>,
): Promise<ImportReport> {
  const pg = await openPg(url, { migrate: true, max: 3 })
  try {
    return await changeCases(pg.pool, db, async () => importChange(await run(), spec))
  } finally {
    await pg.close()
  }
}

/**
 * A CLI change of the case tables on the local file (`andy seed`'s demo rows, `andy data clear-demo`): with
 * DATABASE_URL made under the cases lock on a local copy brought up to date and pushed to PostgreSQL,
 * so every instance copies it; without, made on the file as is.
 */
export async function changeCasesFromCli<T>(
  url: string | undefined,
  db: Db,
  change: () => Promise<CaseChange<T>>,
): Promise<T> {
  if (!url) return (await change()).result
  const pg = await openPg(url, { migrate: true, max: 3 })
  try {
    return await changeCases(pg.pool, db, change)
  } finally {
    await pg.close()
  }
}

/** A CLI read of the case tables (`andy export`, `andy data check`): with DATABASE_URL the local copy is brought up to PostgreSQL's version first. */
export async function pullCasesForCli(url: string | undefined, db: Db): Promise<void> {
  if (!url) return
  const pg = await openPg(url, { max: 2 })
  try {
    await pullCases(pg.pool, db)
  } finally {
    await pg.close()
  }
}
