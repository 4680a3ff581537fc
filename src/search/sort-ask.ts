/**
 * "金额最高的采购" / "帐号最多的软件客户" / "最贵的": asking to order by a number. Lists are newest first
 * (the order every page, 更多 and 导出 keep), so the phrase is read — blanked, never a keyword — and the
 * reply says so and how to sort (导出 → Excel).
 */

/** The words that name each orderable field (longest first within a field: 员工人数 before 员工). */
const FIELDS: Array<[string, readonly string[]]> = [
  ['金额', ['合同额', '签约额', '金额', '价格', '价钱', '费用', '花费']],
  ['帐号数', ['帐号数', '账号数', '用户数', '帐号', '账号']],
  ['人员规模', ['员工人数', '员工数', '规模', '人数']],
]
const FIELD = `(${FIELDS.flatMap(([, words]) => words).join('|')})`
const ORDER =
  '(?:最高|最大|最多|最少|最低|最小|从高到低|从低到高|从大到小|从小到大|从多到少|从少到多|降序|升序|排名|排行)'
/** Not a bound: 帐号最多1000个, 金额最低10万 are number phrases (number-phrases.ts). */
const NOT_A_BOUND = '(?!\\s*(?:是|为|在)?\\s*[\\d一二两三四五六七八九十几百千万])'
const SORT = new RegExp(
  `(?:按(?:照)?\\s*)?${FIELD}\\s*${ORDER}${NOT_A_BOUND}(?:排序|排列|排)?的?|(最贵|最便宜)的?`,
  'u',
)

export interface SortAsk {
  /** The field asked to order by (金额, 帐号数, 人员规模). */
  readonly field?: string
  /** The sentence with the phrase blanked (same length). */
  readonly rest: string
}

export function findSortAsk(text: string): SortAsk {
  const m = SORT.exec(text)
  if (!m) return { rest: text }
  const word = m[1] ?? m[2] ?? ''
  const field = m[2] ? '金额' : (FIELDS.find(([, words]) => words.includes(word))?.[0] ?? word)
  return { field, rest: text.slice(0, m.index) + ' '.repeat(m[0].length) + text.slice(m.index + m[0].length) }
}

/** The reply's note. */
export function sortNote(field: string): string {
  return `还不能按${field}排序：结果按时间从新到旧列出。回复 **导出** 下载 Excel，可在表格里按${field}排序。`
}
