import { TABLES, type TableSpec } from '../tables/index.js'

/**
 * The feature registry: one entry per intent says everything the rest of Andy needs to know about it —
 * its name (usage records, 统计, the 暂未开通 reply), the seed's customType and assistant_type, command
 * prefixes, control words and trigger words, its line in the help menu and in the LLM intent list, its
 * deadline class and whether a robot can be bound to it. The Intent type, CUSTOM_TYPES, assistant names,
 * the LLM's choices, deadlines, the help menu and the resolvers' word lists are derived from here.
 * The case tables are features too: their entries are derived from their specs (tables/index.ts).
 * docs/architecture.md shows how to add one.
 */

/** 'short' = ANDY_HANDLER_TIMEOUT_MS; 'long' (LLM pipelines, downloads, big exports) = ANDY_PIPELINE_TIMEOUT_MS. */
export type DeadlineClass = 'short' | 'long'

/** A handler as the registry holds it: the router's Handler (bot/router.ts) — its context type lives above this layer. */
export type FeatureHandler = (ctx: never) => Promise<void>

export interface FeatureSpec {
  readonly intent: string
  /** Display name: assistant_name on usage records and in 统计. */
  readonly name: string
  /** What a reply calls it ("「使用统计」功能暂未开通"); default name. */
  readonly label?: string
  /** The seed's assistant_type on usage records; default the intent. */
  readonly assistantType?: string
  /** The seed's customType values (AReceiveMsg, HTTP) that select this feature. */
  readonly customTypes?: readonly string[]
  /** Command prefixes: "/统计 本周", "统计：本周". */
  readonly prefixes?: readonly string[]
  /** Whole-message words (after trimming spaces and punctuation, lower case): 更多, 导出, 取消, 帮助. */
  readonly controlWords?: readonly string[]
  /** Trigger words anywhere in a sentence (tried in registry order, after the prefixes). */
  readonly keywords?: RegExp
  /** Words naming it in a 统计 message; default [name]. */
  readonly statsWords?: readonly string[]
  /** "名称：说明" for the LLM intent classifier; absent = the LLM never picks it. */
  readonly llm?: string
  /** "名称：示例" in the help menu; absent = not in the menu. */
  readonly menu?: string
  readonly deadline?: DeadlineClass
  /** Can be bound to a robotCode with ANDY_ROBOT_INTENTS (and named as an HTTP customType). */
  readonly bindable?: boolean
  /** Registered with the router by handlers/index.ts; built-in features wire theirs there. */
  readonly handler?: FeatureHandler
}

const BUILTIN = [
  {
    intent: 'usage',
    name: '使用次数统计',
    label: '使用统计',
    assistantType: '6',
    customTypes: ['6'],
    // Also the command words a 统计 message starts with (stats/query.ts strips them), longest first.
    prefixes: ['使用次数统计', '使用统计', '使用情况', '统计一下', '数据统计', '统计'],
    keywords: /(使用次数|使用情况|使用统计|用量统计|^统计|统计一下|数据统计)/,
    statsWords: ['使用次数统计'],
    llm: '使用统计：Andy 的使用次数、使用情况',
    menu: '使用统计：统计 本周',
    bindable: true,
  },
  {
    intent: 'activity',
    name: '运营活动设计',
    assistantType: '5',
    customTypes: ['5'],
    prefixes: ['活动设计', '运营活动'],
    keywords: /(运营活动|活动设计|活动方案|设计.{0,6}活动)/,
    statsWords: ['运营活动设计', '活动设计', '运营活动', '活动'],
    llm: '运营活动设计：为客户设计培训/学习运营活动方案',
    menu: '运营活动设计：帮我设计一个运营活动',
    deadline: 'long',
    bindable: true,
  },
  {
    intent: 'talent',
    name: '人才发展',
    assistantType: 'rcfz',
    customTypes: ['rcfz'],
    prefixes: ['人才发展'],
    keywords: /人才发展/,
    statsWords: ['人才发展'],
    llm: '人才发展：人才培养、梯队建设、发展建议',
    deadline: 'long',
    bindable: true,
  },
  {
    intent: 'meeting',
    name: '会议评审',
    assistantType: 'hyps',
    customTypes: ['hyps'],
    prefixes: ['会议评审'],
    keywords: /(会议评审|评审会议|会议纪要评审)/,
    statsWords: ['会议评审'],
    llm: '会议评审：评审会议纪要或会议方案',
    deadline: 'long',
    bindable: true,
  },
  {
    intent: 'report',
    name: '报告解读',
    assistantType: 'report',
    customTypes: ['2'],
    prefixes: ['报告解读', '解读'],
    keywords: /(解读|分析一下这份|这份报告)/,
    statsWords: ['报告解读', '报告'],
    menu: '报告/图片解读：单聊发给我文件或图片',
    deadline: 'long',
    bindable: true,
  },
  {
    intent: 'image',
    name: '图片解读',
    assistantType: 'image',
    customTypes: ['1'],
    statsWords: ['图片解读', '图片'],
    deadline: 'long',
    bindable: true,
  },
  { intent: 'ops-report', name: '阶段运营报告', statsWords: [], deadline: 'long' },
  { intent: 'admin-import', name: '导入数据', statsWords: [] },
  { intent: 'data-check', name: '数据体检', statsWords: [] },
  {
    intent: 'more',
    name: '翻页（更多）',
    controlWords: ['更多', '下一页', '继续看', '再来', 'more', 'next'],
    statsWords: [],
  },
  {
    intent: 'export',
    name: '导出 Excel',
    controlWords: ['导出', '导出excel', '下载', 'export'],
    statsWords: [],
    deadline: 'long',
  },
  { intent: 'cancel', name: '取消', controlWords: ['取消', '退出', 'cancel'], statsWords: [] },
  { intent: 'progress', name: '查看进度', statsWords: [] },
  { intent: 'unsupported', name: '不支持的消息类型', statsWords: [] },
  { intent: 'quota', name: '钉钉额度告警', statsWords: [] },
  { intent: 'rate_limited', name: '超出频率限制', statsWords: [] },
  { intent: 'forbidden', name: '非本组织消息', statsWords: [] },
  {
    intent: 'help',
    name: '帮助',
    prefixes: ['帮助'],
    statsWords: ['帮助'],
    bindable: true,
    controlWords: ['帮助', 'help', '?', '？', '菜单', '你好', 'hi', 'hello', '在吗', '使用说明'],
  },
  { intent: 'unanswered', name: '未能回答', statsWords: ['未能回答'] },
  { intent: 'clarify', name: '确认查询类别', statsWords: [] },
] as const satisfies readonly FeatureSpec[]

/** The built-in intents: the five case tables and the features above. */
export type Intent = TableSpec['intent'] | (typeof BUILTIN)[number]['intent']

const extra: FeatureSpec[] = []

/** A case table as a feature: named by its title, found by its words, answered by the search handler. */
function tableFeature(t: TableSpec): FeatureSpec {
  return {
    intent: t.intent,
    name: t.title,
    assistantType: t.assistantType,
    customTypes: t.words.customTypes,
    prefixes: t.words.prefixes,
    statsWords: [t.title, ...t.words.statsWords],
    llm: `${t.title}：${t.words.llmHint}`,
    menu: `${t.title}：${t.words.example}`,
    bindable: true,
  }
}

/** Every feature: the case tables (priority order), the built-in features, then the registered ones. */
export function features(): readonly FeatureSpec[] {
  return [...TABLES.map(tableFeature), ...BUILTIN, ...extra]
}

export function featureOf(intent: string): FeatureSpec | undefined {
  return features().find((f) => f.intent === intent)
}

/**
 * Adds a feature (a module with its spec and handler): help, 统计, the LLM list, deadlines and the resolvers
 * pick it up. Returns the function that removes it again (tests that share a process with others).
 */
export function registerFeature(spec: FeatureSpec): () => void {
  if (featureOf(spec.intent)) throw new Error(`feature ${spec.intent} is already registered`)
  extra.push(spec)
  return () => {
    const i = extra.indexOf(spec)
    if (i >= 0) extra.splice(i, 1)
  }
}

/** The intents a robotCode can be bound to (ANDY_ROBOT_INTENTS) or an HTTP customType can name. */
export function bindableIntents(): string[] {
  return features()
    .filter((f) => f.bindable)
    .map((f) => f.intent)
}

/** The seed's customType → intent. */
export function intentOfCustomType(customType: string): string | undefined {
  return features().find((f) => f.customTypes?.includes(customType))?.intent
}

/** assistant_type and assistant_name of a usage record. */
export function assistantOf(intent: string): { type: string; name: string } {
  const f = featureOf(intent)
  return f ? { type: f.assistantType ?? f.intent, name: f.name } : { type: intent, name: intent }
}

/** The intent of a seed assistant_type. */
export function intentOfAssistantType(type: string): string | undefined {
  return features().find((f) => (f.assistantType ?? f.intent) === type)?.intent
}

export function isLongRunning(intent: string): boolean {
  return featureOf(intent)?.deadline === 'long'
}

/** One normaliser for command words: NFKC, lower case, no spaces or sentence punctuation. */
export function bareCommand(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s。.!！~～]+/g, '')
}

/** The intent a whole message names by a control word (帮助, 更多, 导出, 取消…), if any. */
export function controlIntent(text: string): string | undefined {
  const b = bareCommand(text)
  return b ? features().find((f) => f.controlWords?.includes(b))?.intent : undefined
}

/** 统计 words → intents, longest word first. */
export function statsWords(): Array<[word: string, intent: string]> {
  const pairs = features().flatMap((f) => (f.statsWords ?? [f.name]).map((w) => [w, f.intent] as [string, string]))
  return pairs.sort((a, b) => b[0].length - a[0].length)
}
