import { type Bounds, formatBounds } from '../core/numbers.js'
import type { AppliedFilter, Condition } from '../tables/conditions.js'
import type { TableSpec } from '../tables/index.js'
import { type Found, findAccounts, findMoney, findSize, findYears, type MoneyFound } from './number-phrases.js'
import { findMonthPeriod } from './period-phrases.js'
import { segmenter } from './segmenter.js'
import { isNegation } from './syntax.js'
import { PRIORITY } from './value-filters.js'

/** The number phrases of a sentence, and the filters they make on a table. */

export interface NumberPhrases {
  accounts?: Found<Bounds>
  money?: Found<MoneyFound>
  size?: Found<Bounds>
  years?: Found<Bounds>
  /** The years stand for a period in months (近3个月, 2025年下半年): the filter says so. */
  period?: string
  /** A length of time (合作超过3年, 用了两年多): no table records one, so it is shown as not used. */
  duration?: string
  /** Phrases with a negation right before them (非5000人以上, 除了2023年): exclusions. */
  negated: Set<'accounts' | 'money' | 'size' | 'years'>
  /** The sentence with the phrases blanked out. */
  rest: string
  any: boolean
}

/** Whether the words right before a phrase are a negation (by tokens: 有没有 and 特别 are not 没有 and 别). */
function negationBefore(text: string): { start: number } | undefined {
  const tokens = segmenter().cut(text)
  let end = text.length
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i]!
    end -= t.length
    if (/^\s+$/.test(t) || t === '的' || t === '是' || t === '在') continue
    return isNegation(t) ? { start: end } : undefined
  }
  return undefined
}

const NEG_AFTER = /^\s*的?\s*(?:都|也)?(?:不要|不考虑|不算|不用|除外|以外|之外)(?:了|的)?(?=\s*(?:[,，。;；!！?？]|$))/

/** 合作超过3年, 用了两年多, 满五年: a length of time (a year is read before it: 23年, 2023年, 近两年). */
const DURATION =
  /(?:合作|使用|用了|用过|签约)?\s*(?:了)?\s*(?:超过|多于|满|至少|不到|少于|不满)?\s*(?:\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:多|个)?\s*年(?:以上|以下|多|左右|半)?(?:了)?/

function blank(s: string, f: { start: number; end: number } | undefined): string {
  return f ? s.slice(0, f.start) + ' '.repeat(f.end - f.start) + s.slice(f.end) : s
}

/** Reads accounts (帐号…), then money, then sizes (人), then years — each blanked before the next looks. */
export function findNumbers(text: string, nowYear: number, nowMonth?: number): NumberPhrases {
  let s = text
  const accounts = findAccounts(s)
  s = blank(s, accounts)
  const money = findMoney(s)
  s = blank(s, money)
  const size = findSize(s)
  s = blank(s, size)
  const period = findMonthPeriod(s, nowYear, nowMonth)
  const years = period ?? findYears(s, nowYear)
  s = blank(s, years)
  const duration = DURATION.exec(s)
  if (duration) s = blank(s, { start: duration.index, end: duration.index + duration[0].length })
  const negated = new Set<'accounts' | 'money' | 'size' | 'years'>()
  const found = { accounts, money, size, years }
  for (const k of ['accounts', 'money', 'size', 'years'] as const) {
    const f = found[k]
    if (!f) continue
    const before = negationBefore(s.slice(0, f.start))
    if (before) {
      negated.add(k)
      // The negation word is spent on the number: blank it so it does not reach the next value.
      s = blank(s, { start: before.start, end: f.start })
    } else {
      // Said after the phrase, ending the clause: 5000人以上的不要, 2023年的除外.
      const after = NEG_AFTER.exec(s.slice(f.end))
      if (after) {
        negated.add(k)
        s = blank(s, { start: f.end, end: f.end + after[0].length })
      }
    }
  }
  return {
    accounts,
    money,
    size,
    years,
    period: period ? phraseText(period.text) : undefined,
    duration: duration ? phraseText(duration[0]) : undefined,
    negated,
    rest: s,
    any: !!(accounts || money || size || years),
  }
}

function phraseText(t: string): string {
  return t.replace(/的$/, '').trim()
}

export function numberFilters(table: TableSpec, n: NumberPhrases): { filters: AppliedFilter[]; ignored: string[] } {
  const filters: AppliedFilter[] = []
  const ignored: string[] = []
  const push = (
    kind: 'accounts' | 'money' | 'size' | 'years',
    key: string,
    label: string,
    unit: string,
    b: Bounds,
    condition: Condition,
    priority: number,
  ) => {
    const exclude = n.negated.has(kind)
    const period = kind === 'years' && n.period ? `（${n.period}，记录按年份比）` : ''
    filters.push({
      key,
      label,
      display: formatBounds(b, unit) + period,
      value: { ...b },
      condition: exclude ? { kind: 'not', condition } : condition,
      priority,
      source: 'number',
      ...(exclude ? { exclude: true } : {}),
    })
  }
  let size = n.size?.value
  const money = n.money
  if (money) {
    if (table.moneyColumn) {
      push(
        'money',
        'money',
        '金额',
        '元',
        money.value.bounds,
        { kind: 'range', column: table.moneyColumn, ...money.value.bounds },
        PRIORITY.money,
      )
    } else if (money.value.bare && table.sizeColumns && !size) {
      // "超过1万的客户" on a table without amounts: a headcount.
      size = money.value.bounds
      if (n.negated.has('money')) n.negated.add('size')
    } else ignored.push(phraseText(money.text))
  }
  if (size) {
    if (table.sizeColumns) push('size', 'staff_size', '规模', '人', size, { kind: 'size', ...size }, PRIORITY.size)
    else ignored.push(phraseText(n.size?.text ?? money!.text))
  }
  if (n.years) {
    if (table.yearColumn) {
      push(
        'years',
        table.yearColumn,
        '年份',
        '年',
        n.years.value,
        { kind: 'range', column: table.yearColumn, ...n.years.value },
        PRIORITY.year,
      )
    } else ignored.push(phraseText(n.years.text))
  }
  if (n.accounts) {
    if (table.accountColumn) {
      push(
        'accounts',
        'account_count',
        '帐号数',
        '个',
        n.accounts.value,
        { kind: 'range', column: table.accountColumn, ...n.accounts.value },
        PRIORITY.account,
      )
    } else ignored.push(phraseText(n.accounts.text))
  }
  if (n.duration) ignored.push(n.duration)
  return { filters, ignored }
}
