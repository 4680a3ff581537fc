import type { Bounds } from '../core/numbers.js'

/** The matching helpers of the phrase finders (number-phrases.ts, period-phrases.ts). */

export interface Found<T> {
  value: T
  start: number
  end: number
  text: string
}

/**
 * A pattern written as a template (rx`${NUM}\\s*人`), compiled once per place it is written: its parts are
 * constants, and compiling 33 patterns on every sentence was a tenth of understanding one.
 */
const compiled = new WeakMap<TemplateStringsArray, RegExp>()
export function rx(parts: TemplateStringsArray, ...constants: string[]): RegExp {
  let re = compiled.get(parts)
  if (!re) {
    re = new RegExp(parts.reduce((src, part, i) => src + part + (constants[i] ?? ''), ''))
    compiled.set(parts, re)
  }
  return re
}

export function find<T>(s: string, re: RegExp, build: (m: RegExpExecArray) => T | undefined): Found<T> | undefined {
  const m = re.exec(s)
  if (!m) return undefined
  const value = build(m)
  return value === undefined ? undefined : { value, start: m.index, end: m.index + m[0].length, text: m[0] }
}

export function opt(b: Bounds): Bounds | undefined {
  return b.min === undefined && b.max === undefined ? undefined : b
}

export function range(a: number | undefined, b: number | undefined): Bounds | undefined {
  return a === undefined || b === undefined ? undefined : { min: Math.min(a, b), max: Math.max(a, b) }
}

/**
 * The phrase among the finders' matches: the earliest, unless a longer one overlaps it (帐号数大于1000
 * beats 一个帐号 in "一个帐号数大于1000"); ties: the first finder.
 */
export function first<T>(...found: Array<Found<T> | undefined>): Found<T> | undefined {
  let earliest: Found<T> | undefined
  for (const f of found) if (f && (!earliest || f.start < earliest.start)) earliest = f
  if (!earliest) return undefined
  let best = earliest
  for (const f of found) {
    if (f && f.start < earliest.end && earliest.start < f.end && f.end - f.start > best.end - best.start) best = f
  }
  return best
}
