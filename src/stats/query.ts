import { assistantOf, featureOf, intentOfAssistantType, statsWords } from '../core/features.js'
import type { Period } from './period.js'
import { defaultPeriod, findPeriod } from './period.js'

/**
 * Reads a `统计 …` message: a period (period.ts), the seed's filters — assistant (by name or the seed's
 * assistant_type number: 案例/打单/采购/软件/竞对/活动/…), 人员:昵称, 内容:关键词, 单聊/群聊 — a group
 * (群:群名), and 导出. Bare words left over are matched against known nicknames and group names by the
 * caller (resolveNames); what stays unknown is reported, never silently applied.
 */

export interface StatsQuery {
  period: Period
  /** Intents selected by assistant words (empty = all). */
  intents: string[]
  userNick?: string
  consultContent?: string
  conversationType?: '1' | '2'
  groupName?: string
  export: boolean
  /** Words that were not understood (after name resolution). */
  unknown: string[]
}

const KEYED =
  /(人员|用户|昵称|使用者|群名?|群聊名称|内容|关键词|包含|助手|类型|assistant_type|user_dd_nick|consult_content|conversation_type|dd_group_name)\s*[:：=]\s*(\S+)/gi

export interface ParseStatsOptions {
  now: number
}

/** The command words a 统计 message may start with: the usage feature's prefixes (core/features.ts), longest first. */
function commandWords(): RegExp {
  const words = [...(featureOf('usage')?.prefixes ?? ['统计'])].sort((a, b) => b.length - a.length)
  return new RegExp(`^\\/?(${words.join('|')})\\s*[:：]?`)
}

/** Parses the text after "统计" (the command word itself may still be there). Throws PeriodError for bad dates. */
export function parseStatsQuery(input: string, o: ParseStatsOptions): StatsQuery & { words: string[] } {
  let text = input.normalize('NFKC').trim().replace(commandWords(), ' ')
  const q: StatsQuery = { period: defaultPeriod(o.now), intents: [], export: false, unknown: [] }
  const found = findPeriod(text, o.now)
  if (found) {
    q.period = found.period
    text = text.replace(found.matched, ' ')
  }
  text = text.replace(KEYED, (_m, key: string, value: string) => {
    const k = key.toLowerCase()
    if (/人员|用户|昵称|使用者|user_dd_nick/.test(k)) q.userNick = value
    else if (/内容|关键词|包含|consult_content/.test(k)) q.consultContent = value
    else if (/群|dd_group_name/.test(k)) q.groupName = value
    else if (/conversation_type/.test(k)) q.conversationType = value === '2' || value === '群聊' ? '2' : '1'
    else addAssistant(q, value)
    return ' '
  })
  if (/导出|下载|excel|xlsx/i.test(text)) {
    q.export = true
    text = text.replace(/导出(excel|xlsx)?|下载|excel|xlsx/gi, ' ')
  }
  if (/群聊/.test(text)) {
    q.conversationType = '2'
    text = text.replace(/群聊/g, ' ')
  } else if (/单聊|私聊/.test(text)) {
    q.conversationType = '1'
    text = text.replace(/单聊|私聊/g, ' ')
  }
  // Assistant words → intents, longest first (core/features.ts: each feature's statsWords).
  for (const [word, intent] of statsWords()) {
    if (text.includes(word)) {
      if (!q.intents.includes(intent)) q.intents.push(intent)
      text = text.split(word).join(' ')
    }
  }
  const words = text
    .split(/[\s,，、;；。!！?？]+/)
    .map((w) => w.replace(/^(的|按|看|一下|情况|数据|使用|次数|和|及)+|(的|情况|数据|使用|次数)+$/g, ''))
    .filter((w) => w && !/^(的|按|看|一下|情况|数据|使用|次数|和|及|我|我的|大家|所有人|全员)$/.test(w))
  return { ...q, words }
}

function addAssistant(q: StatsQuery, value: string): void {
  const byType = intentOfAssistantType(value)
  const intent = byType ?? statsWords().find(([w]) => value.includes(w))?.[1]
  if (intent && !q.intents.includes(intent)) q.intents.push(intent)
  else if (!intent) q.unknown.push(value)
}

/**
 * Applies the leftover bare words: an exact known nickname becomes the user filter, an exact group
 * name the group filter; anything else is listed as not understood.
 */
export function resolveNames(
  q: StatsQuery & { words: string[] },
  known: { nicks: Set<string>; groups: Set<string> },
): StatsQuery {
  const out: StatsQuery = { ...q, unknown: [...q.unknown] }
  for (const w of q.words) {
    if (!out.userNick && known.nicks.has(w)) out.userNick = w
    else if (!out.groupName && known.groups.has(w)) out.groupName = w
    else out.unknown.push(w)
  }
  return out
}

/** One line naming the filters in force ("助手：客户案例 · 群聊"), or ''. */
export function describeFilters(q: StatsQuery): string {
  const parts: string[] = []
  if (q.intents.length) parts.push(`助手：${q.intents.map((i) => assistantOf(i).name).join('、')}`)
  if (q.userNick) parts.push(`人员：${q.userNick}`)
  if (q.groupName) parts.push(`群：${q.groupName}`)
  if (q.conversationType) parts.push(q.conversationType === '2' ? '群聊' : '单聊')
  if (q.consultContent) parts.push(`内容包含「${q.consultContent}」`)
  return parts.join(' · ')
}
