import type { Db } from '../db/client.js'
import { changeCases } from '../db/pg/case-sync.js'
import { openPg } from '../db/pg/client.js'
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
