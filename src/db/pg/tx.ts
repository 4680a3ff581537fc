import type pg from 'pg'

export type Query = Pick<pg.Pool, 'query'>

/** Runs `fn` in one transaction on a pooled client (rolled back when it throws). */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const out = await fn(client)
    await client.query('COMMIT')
    return out
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    client.release()
  }
}

/** `?` placeholders (the SQL shared with SQLite) as PostgreSQL's `$1, $2…`; the SQL never holds a literal '?'. */
export function dollarParams(sql: string): string {
  let n = 0
  return sql.replace(/\?/g, () => `$${++n}`)
}
