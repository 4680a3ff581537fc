import type pg from 'pg'
import type { BudgetReservations } from '../stores/llm-types.js'
import { inTransaction } from './tx.js'

/**
 * The daily budget's reservations on PostgreSQL (llm_reservations), shared by every instance. The
 * check-and-reserve of one user-day runs under a transaction-scoped advisory lock on that user-day, so two
 * instances starting a call for the same user at once cannot both pass a budget that pays for one.
 * Reservations past `expires_at` (an instance that died mid-call) no longer count and are removed.
 */

/** The tolerance of the budget comparison (sums of floating-point RMB), as in src/bot/model-call.ts. */
const EPSILON = 1e-9

const SPENT = `SELECT (SELECT COALESCE(SUM(cost_rmb), 0) FROM llm_calls WHERE user_id = $1 AND use_date = $2)::float8 AS recorded,
                      (SELECT COALESCE(SUM(rmb), 0) FROM llm_reservations WHERE user_id = $1 AND use_date = $2 AND expires_at > $3)::float8 AS reserved`

export function pgBudgetReservations(pool: pg.Pool): BudgetReservations {
  return {
    async reservedOn(userId, useDate, now) {
      const res = await pool.query<{ rmb: number }>(
        'SELECT COALESCE(SUM(rmb), 0)::float8 AS rmb FROM llm_reservations WHERE user_id = $1 AND use_date = $2 AND expires_at > $3',
        [userId, useDate, now],
      )
      return res.rows[0]!.rmb
    },
    reserve: (r, budget, now, expiresAt) =>
      inTransaction(pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`andy:llm-budget:${r.userId}|${r.useDate}`])
        await c.query('DELETE FROM llm_reservations WHERE expires_at <= $1', [now])
        const { recorded, reserved } = (
          await c.query<{ recorded: number; reserved: number }>(SPENT, [r.userId, r.useDate, now])
        ).rows[0]!
        const spent = recorded + reserved
        if (spent + r.rmb > budget + EPSILON) return { spent }
        const ins = await c.query<{ id: number }>(
          'INSERT INTO llm_reservations (user_id, use_date, rmb, msg_id, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
          [r.userId, r.useDate, r.rmb, r.msgId ?? null, expiresAt],
        )
        return { id: ins.rows[0]!.id }
      }),
    async release(id) {
      await pool.query('DELETE FROM llm_reservations WHERE id = $1', [id])
    },
  }
}
