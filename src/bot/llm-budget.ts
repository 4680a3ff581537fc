import { localDate } from '../core/clock.js'
import { UserError } from '../core/errors.js'
import { type BudgetReservations, storesOf } from '../db/stores/index.js'
import { formatRmb } from '../services/llm.js'
import type { BotContext } from './context.js'

/**
 * The per-user daily LLM budget (LLM_DAILY_BUDGET_RMB, 0 = unlimited; admins exempt): what a user has
 * spent today (recorded calls and the reservations of calls in flight), and the reservation of a call's
 * worst-case cost before it is made (src/bot/model-call.ts), so the budget is never crossed.
 */

export interface BudgetState {
  /** RMB per user and day; 0 = unlimited. */
  budget: number
  /** Recorded spend today plus the estimates reserved by this user's calls still running. */
  spent: number
  exhausted: boolean
}

/**
 * Estimates reserved by calls in flight, per store set (one database) and user-day (RMB), on SQLite:
 * two messages of one user run in parallel (a group and a 1:1 chat), and each must see what the other may
 * still spend. `turns` makes each reservation's check-and-add one step per user-day (the recorded spend
 * is read asynchronously). On PostgreSQL (several instances) the reservations are rows every instance
 * sees, checked and added atomically there (stores.llm.calls.reservations, src/db/pg/budget-reservations.ts).
 */
interface Reservations {
  readonly reserved: Map<string, number>
  readonly turns: Map<string, Promise<unknown>>
}
const reservations = new WeakMap<object, Reservations>()

function reservationsOf(ctx: BotContext): Reservations {
  const key = storesOf(ctx.deps)
  let r = reservations.get(key)
  if (!r) reservations.set(key, (r = { reserved: new Map(), turns: new Map() }))
  return r
}

function addReserved(r: Reservations, key: string, rmb: number): void {
  const v = Math.round(((r.reserved.get(key) ?? 0) + rmb) * 1_000_000) / 1_000_000
  if (v > 0) r.reserved.set(key, v)
  else r.reserved.delete(key)
}

/** Runs `fn` after the earlier turns of this user-day (check-and-reserve is one step, not interleaved). */
async function inTurn<T>(r: Reservations, key: string, fn: () => Promise<T>): Promise<T> {
  const prev = r.turns.get(key) ?? Promise.resolve()
  const mine = prev.then(fn, fn)
  const settled = mine.catch(() => undefined)
  r.turns.set(key, settled)
  void settled.then(() => {
    if (r.turns.get(key) === settled) r.turns.delete(key)
  })
  return mine
}

function budgetKey(ctx: BotContext): string {
  return `${ctx.userId}|${localDate(ctx.now())}`
}

function unlimited(ctx: BotContext): boolean {
  return ctx.deps.config.llm.dailyBudgetRmb <= 0 || ctx.isAdmin
}

export async function budgetState(ctx: BotContext): Promise<BudgetState> {
  const budget = ctx.deps.config.llm.dailyBudgetRmb
  if (unlimited(ctx)) return { budget, spent: 0, exhausted: false }
  const calls = storesOf(ctx.deps).llm.calls
  const day = localDate(ctx.now())
  const [recorded, reserved] = await Promise.all([
    calls.spentOn(ctx.userId, day),
    calls.reservations
      ? calls.reservations.reservedOn(ctx.userId, day, ctx.now())
      : (reservationsOf(ctx).reserved.get(budgetKey(ctx)) ?? 0),
  ])
  const spent = recorded + reserved
  return { budget, spent, exhausted: spent >= budget }
}

/**
 * The user's daily budget cannot pay for the next call (at its worst case). `code` llm_budget; pipelines
 * catch it to say where they stopped and how to continue.
 */
export class BudgetStop extends UserError {
  constructor(
    readonly budget: number,
    readonly left: number,
    readonly needed: number,
    /** What happens to the work (only where it really is saved): 「进行中的活动设计已保存……」. */
    hint = '',
  ) {
    super(
      'llm_budget',
      `今天的 AI 额度（${formatRmb(budget)}）${left > 0 ? `只剩 ${formatRmb(left)}，不够这一步（最多约 ${formatRmb(needed)}）` : '已经用完了'}，明天 0 点恢复。${hint}客户案例、打单方案等搜索不花额度，仍可照常使用。`,
    )
    this.name = 'BudgetStop'
  }
}

export function isBudgetStop(err: unknown): err is BudgetStop {
  return err instanceof BudgetStop
}

/** Throws the friendly "budget spent" reply when the user's daily LLM budget is used up; `hint` says what happens to the work. */
export async function assertBudget(ctx: BotContext, hint = ''): Promise<void> {
  const b = await budgetState(ctx)
  if (!b.exhausted) return
  throw new BudgetStop(b.budget, 0, 0, hint)
}

/**
 * Reserves a call's worst-case cost before it is made; throws BudgetStop when spend + reservations + it
 * would pass the budget (so the budget is never crossed, also by parallel messages, on any instance).
 * Returns the release.
 */
export async function reserve(ctx: BotContext, rmb: number): Promise<() => Promise<void>> {
  if (unlimited(ctx)) return async () => {}
  const shared = storesOf(ctx.deps).llm.calls.reservations
  if (shared) return reserveShared(ctx, shared, rmb)
  const r = reservationsOf(ctx)
  const key = budgetKey(ctx)
  await inTurn(r, key, async () => {
    const b = await budgetState(ctx)
    if (b.spent + rmb > b.budget + 1e-9) throw new BudgetStop(b.budget, Math.max(0, b.budget - b.spent), rmb)
    addReserved(r, key, rmb)
  })
  let released = false
  return async () => {
    if (!released) addReserved(r, key, -rmb)
    released = true
  }
}

/** A reservation lives at most as long as a message may run: a call never outlives its message's deadline. */
function reservationTtlMs(ctx: BotContext): number {
  const c = ctx.deps.config
  return Math.max(c.handlerTimeoutMs, c.pipelineTimeoutMs, c.llm.timeoutMs) + 60_000
}

/** The reservation in the stores every instance shares (PostgreSQL). */
async function reserveShared(ctx: BotContext, shared: BudgetReservations, rmb: number): Promise<() => Promise<void>> {
  const budget = ctx.deps.config.llm.dailyBudgetRmb
  const now = ctx.now()
  const r = await shared.reserve(
    { userId: ctx.userId, useDate: localDate(now), rmb, msgId: ctx.msg.msgId },
    budget,
    now,
    now + reservationTtlMs(ctx),
  )
  if ('spent' in r) throw new BudgetStop(budget, Math.max(0, budget - r.spent), rmb)
  return async () => {
    // Not released (the database is away): it stops counting when it expires.
    await shared.release(r.id).catch((err: unknown) => ctx.logger.error({ err }, 'llm budget reservation not released'))
  }
}
