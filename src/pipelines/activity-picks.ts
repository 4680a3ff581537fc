import { cnNumber } from '../core/numbers.js'

/**
 * The user's picks in the activity workflow: numbered options are read from a generated step, and an
 * answer is matched to one of them — "2", "选2", "第二个", "方案二", "二", the option's text — or taken
 * as the user's own choice ("就叫「新锐成长营」").
 */

export interface PickOption {
  n: number
  /** The first line, markdown stripped: what the user reads and what is quoted back. */
  title: string
  /** The whole item (first line and its continuation lines), stored as the choice. */
  text: string
}

const ITEM = /^\s*(?:[-*]\s*)?(?:\*\*)?\s*(\d{1,2})\s*[.、)）]\s*(.*)$/

function plain(s: string): string {
  return s
    .replace(/\*\*|__|`/g, '')
    .replace(/^#+\s*/, '')
    .trim()
}

/** Top-level numbered items 1, 2, 3 … (the longest run starting at 1). */
export function parseOptions(markdown: string): PickOption[] {
  const lines = markdown.split('\n')
  const items: Array<{ n: number; lines: string[] }> = []
  let current: { n: number; lines: string[] } | undefined
  for (const line of lines) {
    const m = ITEM.exec(line)
    const n = m ? Number(m[1]) : NaN
    if (m && n === (current ? current.n + 1 : 1)) {
      current = { n, lines: [m[2]!] }
      items.push(current)
      continue
    }
    if (m && n === 1 && current) break // a second list starts: keep the first
    if (!current) continue
    if (/^\s*(\*\*)?(参考依据|依据|说明|备注)/.test(line) && !/^\s+/.test(line)) break
    if (line.trim() === '' && current.lines.at(-1)?.trim() === '') continue
    current.lines.push(line)
  }
  return items.map((it) => {
    const text = plain(it.lines.join('\n').trim()).slice(0, 600)
    return { n: it.n, title: plain(it.lines[0] ?? '').slice(0, 120), text }
  })
}

export type PickResult =
  | { kind: 'option'; option: PickOption }
  | { kind: 'custom'; text: string }
  | { kind: 'out_of_range'; n: number }
  | { kind: 'none' }

const CN = '[一二两三四五六七八九十]'
const QUESTION = /([?？]$|吗$|什么|怎么|为什么|区别|哪个好|哪个更)/

/** The number an answer points at: 2, 选2, 第二个, 方案二, 选第2个吧, 二号. */
export function pickedNumber(answer: string): number | undefined {
  const s = answer.normalize('NFKC').replace(/\s+/g, '')
  const m =
    /^(?:我)?(?:选|要|用|定|就|选择|就选|就用|选用)?(?:第|方案|选项|名称)?(\d{1,2}|[一二两三四五六七八九十]{1,2})(?:个|号|项|条|种)?(?:方案|选项|吧|呢|好了|就行|。|!|！)*$/.exec(
      s,
    ) ?? new RegExp(`^(?:选|就选|我选|选择)(?:第)?(\\d{1,2}|${CN}{1,2})`).exec(s)
  if (!m) return undefined
  const raw = m[1]!
  return /^\d+$/.test(raw) ? Number(raw) : cnNumber(raw)
}

function norm(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/[\s「」『』“”"'《》【】\-—:：,，.。!！]/g, '')
    .toLowerCase()
}

/** Matches an answer against the options. */
export function matchPick(answer: string, options: readonly PickOption[]): PickResult {
  const n = pickedNumber(answer)
  if (n !== undefined) {
    const option = options.find((o) => o.n === n)
    return option ? { kind: 'option', option } : { kind: 'out_of_range', n }
  }
  const a = norm(answer.replace(/^(?:我)?(?:就叫|叫做|叫|就用|就选|选择|我选|选|用|改成|改为)/, ''))
  // A question about the options is not a choice.
  if ([...a].length < 2 || QUESTION.test(answer.trim())) return { kind: 'none' }
  const byTitle = options.find((o) => {
    const t = norm(o.title.split(/——|--|[:：]/)[0] ?? o.title)
    return t.length >= 2 && (a.includes(t) || t.includes(a))
  })
  if (byTitle) return { kind: 'option', option: byTitle }
  const custom = answer
    .trim()
    .replace(/^(?:我)?(?:就叫|叫做|就用|改成|改为|用)/, '')
    .replace(/^[「『“"《]|[」』”"》]$/g, '')
    .trim()
  return { kind: 'custom', text: custom.slice(0, 300) }
}
