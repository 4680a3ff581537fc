import type pg from 'pg'
import { TABLES, type TableSpec } from '../../tables/index.js'
import { copyColumns, readCaseCopy, replaceCases, transaction } from '../case-write.js'
import type { Db } from '../client.js'
import { bumpCasesVersion, getMeta, setMeta } from '../meta.js'
import type { CaseChange } from '../stores/types.js'

/** The NOTIFY channel on which an import announces a new cases version (every instance rebuilds its index). */
export const CASES_CHANNEL = 'andy_cases_version'

/**
 * The case tables with DATABASE_URL: PostgreSQL holds them (the source of truth); every instance keeps a
 * copy in its local SQLite file (DB_PATH), where search runs as it does without PostgreSQL (the
 * in-memory case index, the bigram FTS). An import takes the cases lock, pulls, imports locally, pushes
 * the table back and bumps the cases version (NOTIFY); every instance then pulls the new version.
 */

const LOCK = 'andy:cases'
const LOCAL_VERSION = 'pg_cases_version'
const BATCH = 5000

export async function pgCasesVersion(q: Pick<pg.Pool, 'query'>): Promise<string> {
  const r = await q.query<{ value: string }>(`SELECT value FROM app_meta WHERE key = 'cases_version'`)
  return r.rows[0]?.value ?? '0'
}

/** The cases version this file was last copied at ('' never). */
export function localCopyVersion(db: Db): string {
  return getMeta(db, LOCAL_VERSION) ?? ''
}

/**
 * Copies the case tables from PostgreSQL into the local file when its version is newer than the copy's —
 * only the tables pushed since the copy's version (case_pushes), every table when that is not known (one
 * consistent snapshot, under the shared cases lock so no import is half pushed). Returns the version
 * copied, or undefined when the copy was current. `locked`: the caller holds the cases lock itself.
 */
export async function pullCases(pool: pg.Pool, db: Db, opts: { locked?: boolean } = {}): Promise<string | undefined> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    if (!opts.locked) await client.query('SELECT pg_advisory_xact_lock_shared(hashtext($1))', [LOCK])
    const version = await pgCasesVersion(client)
    if (version === localCopyVersion(db)) {
      await client.query('COMMIT')
      return undefined
    }
    const tables = new Map<TableSpec, unknown[][]>()
    for (const spec of await changedSince(client, localCopyVersion(db), version))
      tables.set(spec, await readPgTable(client, spec))
    // One local transaction: the local version is bumped so the dictionary (search index) is rebuilt.
    transaction(db, () => {
      for (const [spec, rows] of tables) replaceCases(db, spec, rows)
      setMeta(db, LOCAL_VERSION, version)
      bumpCasesVersion(db)
    })
    await client.query('COMMIT')
    return version
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    client.release()
  }
}

/**
 * The tables pushed after version `from` up to `to`: every table unless each of those versions has its
 * case_pushes row (a first copy, a version bumped by an older release or by hand).
 */
async function changedSince(client: pg.PoolClient, from: string, to: string): Promise<readonly TableSpec[]> {
  const a = Number(from)
  const b = Number(to)
  if (!from || !Number.isSafeInteger(a) || !Number.isSafeInteger(b) || b <= a) return TABLES
  const r = await client.query<{ tables: string[] }>(
    'SELECT tables FROM case_pushes WHERE version > $1 AND version <= $2',
    [a, b],
  )
  if (r.rows.length !== b - a) return TABLES
  const names = new Set(r.rows.flatMap((row) => row.tables))
  return TABLES.filter((spec) => names.has(spec.table))
}

async function readPgTable(client: pg.PoolClient, spec: TableSpec): Promise<unknown[][]> {
  const cols = copyColumns(spec)
  const out: unknown[][] = []
  for (let after = 0; ; ) {
    const r = await client.query({
      text: `SELECT ${cols.map((c) => `"${c}"`).join(',')} FROM "${spec.table}" WHERE id > $1 ORDER BY id LIMIT ${BATCH}`,
      values: [after],
      rowMode: 'array',
    })
    out.push(...(r.rows as unknown[][]))
    if (r.rows.length < BATCH) return out
    after = Number((r.rows.at(-1) as unknown[])[0])
  }
}

/** Writes the local copy of `specs` to PostgreSQL and bumps the cases version (NOTIFY at commit). */
export async function pushCases(client: pg.PoolClient, db: Db, specs: readonly TableSpec[]): Promise<string> {
  await client.query('BEGIN')
  try {
    for (const spec of specs) {
      const cols = copyColumns(spec)
      await client.query(`DELETE FROM "${spec.table}"`)
      let batch: unknown[][] = []
      const flush = async () => {
        if (!batch.length) return
        const values = batch.map((_, r) => `(${cols.map((__, c) => `$${r * cols.length + c + 1}`).join(',')})`)
        await client.query(
          `INSERT INTO "${spec.table}" (${cols.map((c) => `"${c}"`).join(',')}) VALUES ${values.join(',')}`,
          batch.flat(),
        )
        batch = []
      }
      for (const row of readCaseCopy(db, spec)) {
        batch.push(row)
        if ((batch.length + 1) * cols.length > 60_000) await flush()
      }
      await flush()
    }
    const r = await client.query<{ value: string }>(
      `INSERT INTO app_meta (key, value) VALUES ('cases_version', '1')
         ON CONFLICT (key) DO UPDATE SET value = (app_meta.value::bigint + 1)::text RETURNING value`,
    )
    const version = r.rows[0]!.value
    await client.query('INSERT INTO case_pushes (version, tables) VALUES ($1, $2)', [
      version,
      specs.map((spec) => spec.table),
    ])
    await client.query('SELECT pg_notify($1, $2)', [CASES_CHANNEL, version])
    await client.query('COMMIT')
    setMeta(db, LOCAL_VERSION, version)
    return version
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  }
}

/**
 * Runs a change of the case tables (an import, a clear) with PostgreSQL as the source of truth: under the
 * exclusive cases lock, the local copy is brought up to date, `change` runs on it, and the tables it
 * names are pushed back (all five when it names none).
 */
export async function changeCases<T>(pool: pg.Pool, db: Db, change: () => Promise<CaseChange<T>>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK])
    try {
      await pullCases(pool, db, { locked: true })
      const { result, changed, tables } = await change()
      if (changed) await pushCases(client, db, tables?.length ? tables : TABLES)
      return result
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK])
    }
  } finally {
    client.release()
  }
}

/**
 * Moving from the single file to PostgreSQL: when PostgreSQL has never had cases (version 0) and the
 * local file has some, they are pushed as the first version. Returns the rows pushed (0: nothing to do).
 */
export async function seedPgCases(pool: pg.Pool, db: Db): Promise<number> {
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK])
    try {
      if ((await pgCasesVersion(client)) !== '0') return 0
      let rows = 0
      for (const spec of TABLES) for (const _ of readCaseCopy(db, spec)) rows++
      if (rows) await pushCases(client, db, TABLES)
      return rows
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK])
    }
  } finally {
    client.release()
  }
}
