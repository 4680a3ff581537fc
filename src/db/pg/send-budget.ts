import type pg from 'pg'

/**
 * DingTalk send budgets shared by every instance: a token bucket per key in `send_budgets`, refilled
 * continuously at `limit` per `windowMs` on PostgreSQL's clock, taken from in one statement (no lock
 * held between statements, no clock skew between machines). `reserve` tokens are left to others
 * (bulk pipeline output leaves room for short answers).
 *
 * Returns 0 when a token was taken, else the ms until one will be there.
 */
export function pgSendBudget(pool: pg.Pool) {
  return {
    async take(key: string, limit: number, windowMs: number, reserve = 0): Promise<number> {
      const rate = limit / windowMs
      const r = await pool.query<{ taken: string; available: number | null }>(
        `WITH clock AS (SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS t),
         up AS (
           INSERT INTO send_budgets AS b (key, tokens, updated_at) SELECT $1, $2::float8 - 1, t FROM clock
           ON CONFLICT (key) DO UPDATE SET
             tokens = least($2::float8, b.tokens + (excluded.updated_at - b.updated_at) * $3::float8) - 1,
             updated_at = excluded.updated_at
           WHERE least($2::float8, b.tokens + (excluded.updated_at - b.updated_at) * $3::float8) >= 1 + $4::float8
           RETURNING 1)
         SELECT (SELECT count(*) FROM up) AS taken,
                (SELECT least($2::float8, b.tokens + ((SELECT t FROM clock) - b.updated_at) * $3::float8)
                   FROM send_budgets b WHERE b.key = $1) AS available`,
        [key, limit, rate, reserve],
      )
      const row = r.rows[0]!
      if (Number(row.taken) === 1) return 0
      // Refused: the statement's snapshot may predate a concurrent take it waited for, so the tokens left
      // are read again (a new statement sees it) before saying how long to wait.
      const now = await pool.query<{ available: number | null }>(
        `SELECT least($2::float8, tokens + ((extract(epoch from clock_timestamp()) * 1000)::bigint - updated_at) * $3::float8) AS available
           FROM send_budgets WHERE key = $1`,
        [key, limit, rate],
      )
      const available = now.rows[0]?.available ?? row.available ?? 0
      return Math.max(1, Math.ceil((1 + reserve - available) / rate))
    },
  }
}
