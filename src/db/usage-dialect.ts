import type { UsageStatsFilter } from './usage-stats-types.js'

/**
 * What differs between SQLite and PostgreSQL in 统计's reads (usage-queries.ts), and the WHERE clauses
 * both share. Only placeholders and column names are assembled here; values are always bound.
 */

export interface Dialect {
  readonly name: 'sqlite' | 'postgres'
  /** A condition as a number to sum: SQLite sums booleans, PostgreSQL needs CASE. */
  truth(cond: string): string
  /** `col` contains the bound value. */
  contains(col: string): string
  /** A yuan amount as whole micro-yuan, rounded half away from zero as SQLite's round() does. */
  micro(col: string): string
  /** Appended to ORDER BY on text: PostgreSQL compares bytes like SQLite ('COLLATE "C"'), whatever the database's locale. */
  readonly collate: string
}

export const SQLITE: Dialect = {
  name: 'sqlite',
  truth: (c) => c,
  contains: (col) => `instr(${col}, ?) > 0`,
  micro: (col) => `CAST(round(${col} * 1000000) AS INTEGER)`,
  collate: '',
}

export const POSTGRES: Dialect = {
  name: 'postgres',
  truth: (c) => `CASE WHEN ${c} THEN 1 ELSE 0 END`,
  contains: (col) => `strpos(${col}, ?) > 0`,
  // PostgreSQL's round(double) rounds half to even: floor(|x| + 0.5) is SQLite's own arithmetic.
  micro: (col) => `CAST(sign(${col}) * floor(abs(${col} * 1000000) + 0.5) AS BIGINT)`,
  collate: ' COLLATE "C"',
}

/** One statement: rows as objects, or as arrays (`arrays`); `cached`: run often with the same text. */
export interface Q {
  readonly sql: string
  readonly params: unknown[]
  readonly arrays?: boolean
  readonly cached?: boolean
}

// biome-ignore lint/suspicious/noExplicitAny: rows come back untyped from either driver
export type Reads<T> = Generator<Q, T, any[]>

export interface Where {
  sql: string
  params: unknown[]
}

export function where(f: UsageStatsFilter, d: Dialect = SQLITE): Where {
  const clauses: string[] = []
  const params: unknown[] = []
  if (f.userId !== undefined) {
    clauses.push('user_id = ?')
    params.push(f.userId)
  }
  clauses.push('use_date BETWEEN ? AND ?')
  params.push(f.from, f.to)
  if (f.intents?.length) {
    clauses.push(`intent IN (${f.intents.map(() => '?').join(',')})`)
    params.push(...f.intents)
  }
  if (f.userNick !== undefined) {
    clauses.push('user_dd_nick = ?')
    params.push(f.userNick)
  }
  if (f.consultContent !== undefined) {
    clauses.push(d.contains('consult_content'))
    params.push(f.consultContent)
  }
  if (f.conversationType !== undefined) {
    clauses.push('conversation_type = ?')
    params.push(f.conversationType)
  }
  if (f.groupName !== undefined) {
    clauses.push('dd_group_name = ?')
    params.push(f.groupName)
  }
  return { sql: `WHERE ${clauses.join(' AND ')}`, params }
}

/**
 * The rollup (usage-rollup.ts) answers every filter but a person, a group or a text: those read the raw
 * records (a rep's own view uses the (user_id, use_date) index). `raw` forces the raw records (the
 * equality test). Both paths give the same numbers: same grain, same aggregates, same bucket percentiles.
 */
export function fromRollup(f: UsageStatsFilter): boolean {
  return (
    !f.raw &&
    f.userId === undefined &&
    f.userNick === undefined &&
    f.consultContent === undefined &&
    f.groupName === undefined
  )
}

/** WHERE of a rollup table: the period, and intents / 会话类型 where the table has them. */
export function rollupWhere(f: UsageStatsFilter, dims: boolean): Where {
  const clauses = ['use_date BETWEEN ? AND ?']
  const params: unknown[] = [f.from, f.to]
  if (dims && f.intents?.length) {
    clauses.push(`intent IN (${f.intents.map(() => '?').join(',')})`)
    params.push(...f.intents)
  }
  if (dims && f.conversationType !== undefined) {
    clauses.push('conversation_type = ?')
    params.push(f.conversationType)
  }
  return { sql: `WHERE ${clauses.join(' AND ')}`, params }
}
