import { type Bounds, cnNumber } from '../core/numbers.js'
import { type Found, find, first, opt, range, rx } from './phrase-find.js'

export type { Found } from './phrase-find.js'

/**
 * Number phrases in a search sentence (already NFKC + lower-case): staff sizes (5000人以上, 上万人,
 * 5000+人, 1000到5000人之间), years (2023年, 近两年, 去年), account counts (帐号数大于1000) and money
 * (超过100万, 10万元以下, 金额在10万到50万之间). Each finder returns where the phrase was, so the parser
 * can blank it out and see what stands before it (非5000人以上 is an exclusion).
 */

/** A number with an optional unit: 5000, 1.5万, 五千, 万 (alone: ten thousand), 3k. */
const NUM = String.raw`(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)\s*(万|千|百|w|k)?`
const MORE = '大于等于|大于或等于|不小于|大于|超过|多于|高于|不少于|不低于|至少|起码|最少|最低|过|>=|>|≥'
const LESS = '小于等于|小于或等于|不大于|小于|少于|低于|不到|不足|不超过|至多|最多|最高|<=|<|≤'
const GTE = '及以上|或以上|以上|往上|起|\\+|多'
const LTE = '及以下|或以下|以下|以内|之内|往下'
const SEP = '\\s*(?:-|~|—|–|到|至)\\s*'
const BETWEEN = '(?:\\s*之间|\\s*范围内?)?'
/** 3000人左右, 约50万: about that much, read as ±20 %. */
const APPROX = '(?:左右|上下|前后)'
const ABOUT = '(?:大约|大概|约|差不多)'
/** 大约5000人以上 is a bound: the 大约 is a filler there. */
const NOT_BOUND = `(?!\\s*(?:${GTE}|${LTE}))`
const about = (x: number | undefined): Bounds | undefined =>
  x === undefined ? undefined : { min: Math.round(x * 0.8), max: Math.round(x * 1.2) }

export function toNumber(digits: string, unit?: string): number | undefined {
  const base = /^\d/.test(digits) ? Number(digits) : cnNumber(digits)
  if (base === undefined || !Number.isFinite(base)) return undefined
  const mult = unit === '万' || unit === 'w' ? 10_000 : unit === '千' || unit === 'k' ? 1000 : unit === '百' ? 100 : 1
  return Math.round(base * mult)
}

const PEOPLE = '(?:人|名员工|名|位员工)'
const SIZE = '(?:人员规模|员工规模|企业规模|规模|人数|员工数|员工人数|员工)'

/** Staff-size phrase. Needs 人 or a size word, so "2023" or "1000个账号" are not sizes. */
export function findSize(s: string): Found<Bounds> | undefined {
  const n = (m: RegExpExecArray, i: number, unit?: string) => toNumber(m[i]!, m[i + 1] ?? unit)
  return first(
    find(s, rx`(?:介于\\s*)?${NUM}${SEP}${NUM}\\s*${PEOPLE}${BETWEEN}`, (m) => range(n(m, 1, m[4]), n(m, 3))),
    find(s, rx`介于\\s*${NUM}\\s*${PEOPLE}?\\s*和\\s*${NUM}\\s*${PEOPLE}\\s*之间`, (m) =>
      range(n(m, 1, m[4]), n(m, 3)),
    ),
    find(s, rx`${SIZE}\\s*(?:在|为|是|介于)?\\s*${NUM}${SEP}${NUM}\\s*${PEOPLE}?${BETWEEN}`, (m) =>
      range(n(m, 1, m[4]), n(m, 3)),
    ),
    find(s, rx`(?:${SIZE}\\s*(?:在|为)?\\s*)?(?:${MORE})\\s*${NUM}\\s*${PEOPLE}`, (m) => opt({ min: n(m, 1) })),
    find(s, rx`${SIZE}\\s*(?:在|为)?\\s*(?:${MORE})\\s*${NUM}`, (m) => opt({ min: n(m, 1) })),
    find(s, rx`(?:${SIZE}\\s*(?:在|为)?\\s*)?(?:${LESS})\\s*${NUM}\\s*${PEOPLE}`, (m) => opt({ max: n(m, 1) })),
    find(s, rx`${SIZE}\\s*(?:在|为)?\\s*(?:${LESS})\\s*${NUM}`, (m) => opt({ max: n(m, 1) })),
    find(s, rx`${NUM}\\s*${PEOPLE}\\s*${APPROX}`, (m) => about(n(m, 1))),
    find(s, rx`(?:${SIZE}\\s*(?:在|为)?\\s*)?${ABOUT}\\s*${NUM}\\s*${PEOPLE}${NOT_BOUND}`, (m) => about(n(m, 1))),
    find(s, rx`${SIZE}\\s*(?:在|为)?\\s*${ABOUT}?\\s*${NUM}\\s*${APPROX}`, (m) => about(n(m, 1))),
    // 5000+人, 5000多人, 5000人以上(的规模)
    find(s, rx`${NUM}\\s*(?:\\+|多|以上)\\s*${PEOPLE}`, (m) => opt({ min: n(m, 1) })),
    find(s, rx`${NUM}\\s*${PEOPLE}\\s*(?:${GTE})(?:的)?(?:规模)?`, (m) => opt({ min: n(m, 1) })),
    find(s, rx`${NUM}\\s*${PEOPLE}\\s*(?:${LTE})(?:的)?(?:规模)?`, (m) => opt({ max: n(m, 1) })),
    find(s, rx`${SIZE}\\s*(?:在|为)?\\s*${NUM}\\s*${PEOPLE}?\\s*(?:${GTE})`, (m) => opt({ min: n(m, 1) })),
    find(s, rx`${SIZE}\\s*(?:在|为)?\\s*${NUM}\\s*${PEOPLE}?\\s*(?:${LTE})`, (m) => opt({ max: n(m, 1) })),
    // 上万人, 过万人, 万人级, 上千人; 几千人, 数万人
    find(s, /(?:上|过|破)(万|千|百)(?:人|名员工)/, (m) => ({ min: toNumber('1', m[1])! })),
    find(s, /(?:几|数)(万|千|百)(?:人|名员工)/, (m) => ({ min: toNumber('1', m[1])!, max: toNumber('10', m[1])! - 1 })),
    find(s, /(万|千)人(?:以上|级|规模|级别)/, (m) => ({ min: toNumber('1', m[1])! })),
    find(s, /(?:万人|千人)(?:大厂|企业|公司)/, (m) => ({ min: m[0].startsWith('万') ? 10_000 : 1000 })),
  )
}

/** Year phrase, relative to `nowYear`. */
export function findYears(s: string, nowYear: number): Found<Bounds> | undefined {
  const Y = '((?:19|20)\\d{2}|\\d{2})\\s*年?'
  const year = (t: string) => (t.length === 2 ? 2000 + Number(t) : Number(t))
  const n = '(\\d+|[一二两三四五六七八九十]+)'
  return (
    find(s, rx`((?:19|20)\\d{2})\\s*年?${SEP}((?:19|20)?\\d{2})\\s*年${BETWEEN}`, (m) =>
      range(year(m[1]!), year(m[2]!)),
    ) ??
    find(s, rx`((?:19|20)\\d{2})\\s*年?${SEP}((?:19|20)\\d{2})${BETWEEN}`, (m) => range(year(m[1]!), year(m[2]!))) ??
    find(s, rx`${Y}(?:以后|之后|以来|后|起|至今|及以后)`, (m) =>
      m[0].includes('年') || m[1]!.length === 4 ? { min: year(m[1]!) } : undefined,
    ) ??
    find(s, rx`${Y}(?:以前|之前|前|及以前)`, (m) =>
      m[0].includes('年') || m[1]!.length === 4 ? { max: year(m[1]!) } : undefined,
    ) ??
    find(s, rx`(?:近|最近|过去|这)\\s*${n}\\s*年`, (m) => {
      const k = /^\d/.test(m[1]!) ? Number(m[1]) : cnNumber(m[1]!)
      return k && k > 0 && k < 50 ? { min: nowYear - k + 1, max: nowYear } : undefined
    }) ??
    find(s, /(?:近几年|最近几年|近年来|近年|这几年)/, () => ({ min: nowYear - 2, max: nowYear })) ??
    // 去年和前年, 今年或去年: both years
    find(s, /(今年|去年|前年)\s*(?:和|或|或者|及|与|、|还有|跟)\s*(今年|去年|前年)/, (m) => {
      const ago = (w: string) => nowYear - ['今年', '去年', '前年'].indexOf(w)
      return range(ago(m[1]!), ago(m[2]!))
    }) ??
    find(s, /今年/, () => ({ min: nowYear, max: nowYear })) ??
    find(s, /去年/, () => ({ min: nowYear - 1, max: nowYear - 1 })) ??
    find(s, /前年/, () => ({ min: nowYear - 2, max: nowYear - 2 })) ??
    find(s, /(?<![\d.])((?:19|20)\d{2})\s*年(?:度|的)?/, (m) => ({ min: Number(m[1]), max: Number(m[1]) })) ??
    find(s, /(?<![\d.])(\d{2})年(?:度|的)?/, (m) => ({ min: 2000 + Number(m[1]), max: 2000 + Number(m[1]) })) ??
    find(s, /(?<![\d.\-~到至])(20[0-4]\d)(?![\d.]|\s*(?:人|个|万|千|元|名|w|k|\+|多|-|~|到|至))/, (m) => ({
      min: Number(m[1]),
      max: Number(m[1]),
    }))
  )
}

const ACC = '(?:(?:帐号|账号|帐户|账户)(?:数量|数|量)?|(?:用户|学员)(?:数量|数|量))'

/** Account-count phrase: 帐号数大于1000, 账号1000以上, 1000个账号以上, 账号数在500到2000之间. Bounds are inclusive. */
export function findAccounts(s: string): Found<Bounds> | undefined {
  const v = (m: RegExpExecArray, i: number, unit?: string) => toNumber(m[i]!, m[i + 1] ?? unit)
  return first(
    find(s, rx`${ACC}\\s*(?:在|为|是|介于)?\\s*${NUM}${SEP}${NUM}\\s*个?${BETWEEN}`, (m) =>
      range(v(m, 1, m[4]), v(m, 3)),
    ),
    find(
      s,
      rx`${ACC}\\s*(?:在|为)?\\s*(大于等于|大于或等于|不小于|大于|超过|多于|高于|>|不少于|至少|起码|最少|最低|>=|≥|不低于)\\s*${NUM}\\s*个?`,
      (m) => {
        const x = v(m, 2)
        return x === undefined
          ? undefined
          : /等于|不小于|不少于|至少|起码|最少|最低|>=|≥|不低于/.test(m[1]!)
            ? { min: x }
            : { min: x + 1 }
      },
    ),
    find(
      s,
      rx`${ACC}\\s*(?:在|为)?\\s*(小于等于|小于或等于|不大于|小于|少于|低于|不到|<|不超过|至多|最多|最高|<=|≤|不足)\\s*${NUM}\\s*个?`,
      (m) => {
        const x = v(m, 2)
        return x === undefined
          ? undefined
          : /等于|不大于|不超过|至多|最多|最高|<=|≤/.test(m[1]!)
            ? { max: x }
            : { max: x - 1 }
      },
    ),
    find(s, rx`${ACC}\\s*(?:在|为)?\\s*${NUM}\\s*个?\\s*(${GTE}|${LTE})`, (m) => {
      const x = v(m, 1)
      return x === undefined ? undefined : rx`${LTE}`.test(m[3]!) ? { max: x } : { min: x }
    }),
    find(s, rx`${ACC}\\s*(?:在|为)?\\s*${ABOUT}?\\s*${NUM}\\s*个?\\s*${APPROX}`, (m) => about(v(m, 1))),
    find(s, rx`${ABOUT}?\\s*${NUM}\\s*个?\\s*${APPROX}\\s*(?:的)?${ACC}`, (m) => about(v(m, 1))),
    // 账号过万, 帐号数上千, 上万个账号: at least that many
    find(s, rx`${ACC}\\s*(?:在|为)?\\s*(?:上|过|破)\\s*(万|千|百)\\s*个?`, (m) => ({ min: toNumber('1', m[1])! })),
    find(s, rx`(?:上|过|破)\\s*(万|千|百)\\s*个?\\s*(?:的)?${ACC}`, (m) => ({ min: toNumber('1', m[1])! })),
    find(
      s,
      rx`(超过|多于|大于|至少|不少于)?\\s*${NUM}\\s*个?\\s*(?:以上|多)?\\s*(?:的)?${ACC}\\s*(${GTE}|${LTE})?`,
      (m) => {
        const x = v(m, 2)
        if (x === undefined) return undefined
        if (m[4] && rx`${LTE}`.test(m[4])) return { max: x }
        return m[1] && /超过|多于|大于/.test(m[1]) ? { min: x + 1 } : { min: x }
      },
    ),
  )
}

export interface MoneyFound {
  bounds: Bounds
  /** No money word and no 元: "超过100万" — money in a procurement question, else possibly a headcount. */
  bare: boolean
}

const BIG_UNITS: Record<string, number> = { 万: 1e4, 十万: 1e5, 百万: 1e6, 千万: 1e7 }

/** Money phrase in yuan: 金额超过50万, 采购额10万以上, 100万元以下, 金额在10-50万之间, 超过100万. */
export function findMoney(s: string): Found<MoneyFound> | undefined {
  const MON = '(?:采购金额|合同金额|采购额|合同额|成交额|金额|预算|客单价|单价|花了|花费)'
  const YUAN = '(万元|千元|百万|万|千|元|w|k)'
  const N = '(\\d+(?:\\.\\d+)?|[零一二两三四五六七八九十百千万]+)\\s*'
  const NOT_PEOPLE = '(?!(?:人|名|个|家|位|帐号|账号|用户|年))'
  const val = (d: string, u?: string) => {
    if (u === '百万') return toNumber(d, '万')! * 100
    return toNumber(d, u === '万元' ? '万' : u === '千元' ? '千' : u === '元' ? undefined : u)
  }
  const money = (m: RegExpExecArray, b: Bounds | undefined): MoneyFound | undefined => {
    if (!b) return undefined
    return { bounds: b, bare: !rx`${MON}`.test(m[0]) && !/元/.test(m[0]) }
  }
  return first(
    find(s, rx`${MON}?\\s*(?:在|为|介于)?\\s*${N}${YUAN}?${SEP}${N}${YUAN}${BETWEEN}${NOT_PEOPLE}`, (m) => {
      if (!rx`${MON}`.test(m[0]) && !m[4]) return undefined
      return money(m, range(val(m[1]!, m[2] ?? m[4]), val(m[3]!, m[4])))
    }),
    find(s, rx`${MON}\\s*(?:在|为)?\\s*(?:${MORE})\\s*${N}${YUAN}?${NOT_PEOPLE}`, (m) =>
      money(m, opt({ min: val(m[1]!, m[2]) })),
    ),
    find(s, rx`${MON}\\s*(?:在|为)?\\s*(?:${LESS})\\s*${N}${YUAN}?${NOT_PEOPLE}`, (m) =>
      money(m, opt({ max: val(m[1]!, m[2]) })),
    ),
    find(s, rx`${MON}?\\s*(?:在|为)?\\s*${N}${YUAN}\\s*(?:${GTE})${NOT_PEOPLE}`, (m) =>
      money(m, opt({ min: val(m[1]!, m[2]) })),
    ),
    find(s, rx`${MON}?\\s*(?:在|为)?\\s*${N}${YUAN}\\s*(?:${LTE})${NOT_PEOPLE}`, (m) =>
      money(m, opt({ max: val(m[1]!, m[2]) })),
    ),
    // 超过100万, 不到5万元: a comparison and a money unit, no money word.
    find(s, rx`(?:${MORE})\\s*${N}${YUAN}${NOT_PEOPLE}`, (m) => money(m, opt({ min: val(m[1]!, m[2]) }))),
    find(s, rx`(?:${LESS})\\s*${N}${YUAN}${NOT_PEOPLE}`, (m) => money(m, opt({ max: val(m[1]!, m[2]) }))),
    // 50万左右, 预算约30万: about that much
    find(s, rx`${MON}?\\s*(?:在|为)?\\s*${ABOUT}?\\s*${N}${YUAN}\\s*${APPROX}`, (m) =>
      money(m, about(val(m[1]!, m[2]))),
    ),
    find(s, rx`${MON}\\s*(?:在|为)?\\s*${ABOUT}\\s*${N}${YUAN}?${NOT_PEOPLE}${NOT_BOUND}`, (m) =>
      money(m, about(val(m[1]!, m[2]))),
    ),
    // 几百万, 数十万: between one and ten times the unit
    find(s, rx`${MON}?\\s*(?:几|数)(百万|千万|十万|万)\\s*元?${NOT_PEOPLE}`, (m) => {
      const unit = BIG_UNITS[m[1]!]!
      return money(m, { min: unit, max: unit * 10 })
    }),
    find(s, rx`${MON}?\\s*(百万|千万)\\s*(?:级|以上)`, (m) => money(m, { min: BIG_UNITS[m[1]!]! })),
    // 上百万的采购, 金额破千万: at least that much
    find(s, rx`${MON}?\\s*(?:在|为)?\\s*(?:上|破)\\s*${N}${YUAN}${NOT_PEOPLE}`, (m) =>
      money(m, opt({ min: val(m[1]!, m[2]) })),
    ),
  )
}
