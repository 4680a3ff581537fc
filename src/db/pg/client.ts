import { fileURLToPath } from 'node:url'
import type { NodePgDatabase } from 'drizzle-orm/node-postgres'
import type pg from 'pg'
import { loadPg, numberTypes } from './driver.js'
import * as schema from './schema.js'

/**
 * PostgreSQL (DATABASE_URL=postgres://…) through node-postgres (`pg`): a connection pool for the stores,
 * drizzle for the schema and the committed migrations in drizzle/pg, and a dedicated connection for
 * LISTEN (cases_version changes, so every instance rebuilds its search index).
 */
export interface PgDb {
  readonly pool: pg.Pool
  readonly orm: NodePgDatabase<typeof schema>
  readonly url: string
  close(): Promise<void>
}

export const PG_MIGRATIONS_DIR = fileURLToPath(new URL('../../../drizzle/pg', import.meta.url))

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//i.test(url)
}

/** Opens a pool on `url`; `migrate: true` applies drizzle/pg first (andy start / migrate). */
export async function openPg(url: string, opts: { migrate?: boolean; max?: number } = {}): Promise<PgDb> {
  const [driver, { drizzle }] = await Promise.all([loadPg(), import('drizzle-orm/node-postgres')])
  // bigint (int8) columns hold epoch milliseconds and ids: well inside 2^53, returned as numbers.
  const types = numberTypes(driver)
  const pool = new driver.Pool({ connectionString: url, max: opts.max ?? 10, types, application_name: 'andy' })
  // An idle client that loses its server (restart, failover) must not crash the process: the next query reconnects.
  pool.on('error', () => undefined)
  const orm = drizzle(pool, { schema })
  try {
    if (opts.migrate) await migratePg(pool)
  } catch (err) {
    await pool.end()
    throw err
  }
  let closed = false
  return {
    pool,
    orm,
    url,
    async close() {
      if (closed) return
      closed = true
      await pool.end()
    },
  }
}

/**
 * Applies the committed migrations; several instances starting at once are serialised by an advisory
 * lock, so a rolling upgrade migrates once.
 */
export async function migratePg(pool: pg.Pool): Promise<void> {
  const [{ drizzle }, { migrate }] = await Promise.all([
    import('drizzle-orm/node-postgres'),
    import('drizzle-orm/node-postgres/migrator'),
  ])
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', ['andy:migrate'])
    try {
      await migrate(drizzle(client, { schema }), { migrationsFolder: PG_MIGRATIONS_DIR })
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', ['andy:migrate'])
    }
  } finally {
    client.release()
  }
}

/** The server's version, as `SHOW server_version` gives it (andy doctor). */
export async function pgServerVersion(pool: pg.Pool): Promise<string> {
  return (await pool.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v
}

/** Applied and committed migration counts (andy doctor: the schema is current when they match). */
export async function pgSchemaVersion(pool: pg.Pool): Promise<{ applied: number; latest: number }> {
  const { readMigrationFiles } = await import('drizzle-orm/migrator')
  const latest = readMigrationFiles({ migrationsFolder: PG_MIGRATIONS_DIR }).length
  const exists = await pool.query<{ t: string | null }>(`SELECT to_regclass('drizzle.__drizzle_migrations')::text AS t`)
  if (!exists.rows[0]?.t) return { applied: 0, latest }
  const r = await pool.query<{ n: string }>('SELECT count(*) AS n FROM drizzle.__drizzle_migrations')
  return { applied: Number(r.rows[0]!.n), latest }
}
