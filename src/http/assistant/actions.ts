import { TABLES } from '../../tables/index.js'
import { data, type Endpoint, type EndpointCall, type JsonSchema } from '../endpoint.js'
import { badRequest } from '../envelope.js'
import type { ParamSpec } from '../params.js'
import { askAsAssistant, callerOf } from './invoke.js'

/**
 * The AI 助理 actions (issue 17): what a rep asks the assistant, served at /v1/actions/andy/<name> over
 * HTTP and over the stream by the same routes. Each one is a chat message to Andy from the caller
 * (src/http/assistant/invoke.ts), so answers, filters and paging are exactly chat's.
 */

export const ACTIONS_PREFIX = '/v1/actions/andy'

const TYPES = TABLES.map((t) => t.intent)

/** Where a parameter's value comes from in the assistant (x-dingtalk-context), for the YAML. */
export type ContextSource =
  | { property: 'currentUser'; format: 'userId' }
  | { property: 'currentOrg'; format: 'corpId' }
  | { property: 'currentInput'; format: 'raw' }

export interface ActionParam extends ParamSpec {
  /** Filled by DingTalk from the conversation, never by the model. */
  readonly context?: ContextSource
  readonly enum?: readonly string[]
}

export interface AssistantAction extends Endpoint {
  readonly path: string
  readonly method: 'get' | 'post'
  readonly params: readonly ActionParam[]
  /** Chinese description for the assistant's model: when to call it, what it returns. */
  readonly description: string
  readonly keywords: readonly string[]
  readonly examples: ReadonlyArray<{ input: string; output: Record<string, string> }>
}

export const IDENTITY_PARAMS: readonly ActionParam[] = [
  {
    name: 'userId',
    type: 'string',
    required: true,
    description: '提问人的钉钉 userId（由 AI 助理从会话上下文自动填写）',
    context: { property: 'currentUser', format: 'userId' },
  },
  {
    name: 'corpId',
    type: 'string',
    description: '提问人所在组织的 corpId（由 AI 助理从会话上下文自动填写）',
    context: { property: 'currentOrg', format: 'corpId' },
  },
]

const MAX_TEXT_CHARS = 4000

function text(values: Record<string, unknown>, name: string, label: string): string {
  const v = typeof values[name] === 'string' ? (values[name] as string).trim() : ''
  if ([...v].length > MAX_TEXT_CHARS) throw badRequest(`参数 ${name}（${label}）太长：最多 ${MAX_TEXT_CHARS} 个字`)
  return v
}

/** The structured answer every action returns (data of the envelope). */
export const ANSWER_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    content: { type: 'string', description: '给用户看的回复（Markdown），与在钉钉里和 Andy 聊天时的回复相同' },
    intent: {
      type: 'string',
      description:
        'Andy 识别的意图：case 客户案例、pitch 打单方案、switch 竞对切换、procurement 内容采购、software 软件客户、more 翻页、export 导出、usage 使用统计、help 帮助等',
    },
    status: { type: 'string', description: 'ok，或 rejected（请求无法执行，content 里说明原因）' },
    files: {
      type: 'array',
      description: '已通过 Andy 机器人单聊发给提问人的文件',
      items: { type: 'object', properties: { file_name: { type: 'string' }, sent: { type: 'boolean' } } },
    },
    total: { type: ['integer', 'null'], description: '符合条件的总条数' },
    rows: { type: 'array', description: '本页结果（字段名与种子接口相同）', items: { type: 'object' } },
    filters: { type: 'object', description: '实际使用的筛选条件（种子接口参数名 → 值）' },
    relaxed: { type: 'array', description: '为找到结果而放宽的条件', items: { type: 'object' } },
    page: { type: ['integer', 'null'], description: '当前页码' },
    perpage: { type: ['integer', 'null'], description: '每页条数' },
    has_more: { type: 'boolean', description: '是否还有下一页' },
  },
  required: ['content', 'intent', 'status', 'rows'],
}

function action(
  a: Omit<AssistantAction, 'action' | 'tag' | 'response' | 'markdown' | 'path'> & { name: string },
): AssistantAction {
  return {
    ...a,
    action: a.name,
    path: `${ACTIONS_PREFIX}/${a.name}`,
    tag: 'AI 助理',
    response: ANSWER_SCHEMA,
    markdown: true,
  }
}

const run = (call: EndpointCall, say: string, o: { customType?: string; once?: boolean } = {}) =>
  askAsAssistant(call, callerOf(call.values), say, o).then((answer) => data(answer))

export const searchAction = action({
  name: 'search',
  method: 'get',
  summary: '一句话搜索案例和客户',
  description:
    '用一句话在公司自己的数据里查找：内容客户案例、内容打单方案、平台竞对切换案例、内容产品采购记录、软件客户。' +
    '句子里可以带行业、人员规模、企业性质、地区、年份、金额、产品、人群等条件，例如「制造业 5000人以上 国企 的客户案例」。' +
    '返回与聊天相同的 Markdown 结果（每页 5 条），以及结构化的结果行和实际使用的筛选条件。',
  keywords: ['案例', '客户案例', '打单', '竞对', '切换', '采购', '软件客户', '找', '查'],
  examples: [
    { input: '找一下制造业 5000人以上 国企 的客户案例', output: { q: '制造业 5000人以上 国企 的客户案例' } },
    { input: '银行新员工培训有什么打单方案', output: { q: '银行 新员工 的打单方案', type: 'pitch' } },
  ],
  params: [
    {
      name: 'q',
      type: 'string',
      required: true,
      description: '用户要找什么，一句话原样转述（保留行业、规模、地区、年份等所有条件）',
    },
    {
      name: 'type',
      type: 'string',
      enum: TYPES,
      description:
        '只查哪类数据（可不填，由句子判断）：case 内容客户案例、pitch 内容打单方案、switch 平台竞对切换案例、procurement 内容产品采购、software 软件客户',
    },
    ...IDENTITY_PARAMS,
  ],
  run(call) {
    const q = text(call.values, 'q', '搜索的句子')
    if (!q) throw badRequest('缺少必填参数 q（用一句话描述要找的内容，如「制造业 5000人以上 国企 的客户案例」）')
    const type = typeof call.values.type === 'string' ? call.values.type.trim() : ''
    if (type && !TYPES.includes(type as (typeof TYPES)[number]))
      throw badRequest(`参数 type 应为 ${TYPES.join('、')} 之一，收到「${type.slice(0, 30)}」`)
    return run(call, q, { customType: type || undefined })
  },
})

export const nextAction = action({
  name: 'next',
  method: 'get',
  idempotent: true,
  summary: '上一次搜索的下一页',
  description:
    '用户说「更多」「下一页」「继续看」时调用：返回该用户上一次搜索结果的下一页（Markdown 与结构化结果行）。',
  keywords: ['更多', '下一页', '继续', '再来几条'],
  examples: [{ input: '下一页', output: {} }],
  params: [...IDENTITY_PARAMS],
  run: (call) => run(call, '更多', { once: true }),
})

export const exportAction = action({
  name: 'export',
  method: 'post',
  idempotent: true,
  summary: '导出上一次搜索的全部结果为 Excel',
  description:
    '用户说「导出」「下载」「发我 Excel」时调用：把该用户上一次搜索的全部结果（不只当前页）生成 Excel，' +
    '由 Andy 机器人在钉钉单聊里发给用户；返回说明文字和发送的文件名。',
  keywords: ['导出', '下载', 'Excel', '表格'],
  examples: [{ input: '把这些结果导出成 Excel', output: {} }],
  params: [...IDENTITY_PARAMS],
  run: (call) => run(call, '导出', { once: true }),
})

export const usageAction = action({
  name: 'usage',
  method: 'get',
  summary: '我的 Andy 使用统计',
  description:
    '用户想看自己（管理员可看全员）使用 Andy 的次数、按助手和按天的分布、零结果问题时调用。' +
    '可以带时间范围，如「本月」「上周」「2026年10月」；不带默认最近 7 天。',
  keywords: ['使用统计', '使用情况', '用了多少次', '统计'],
  examples: [{ input: '看看我这个月用了多少次', output: { q: '本月' } }],
  params: [
    { name: 'q', type: 'string', description: '时间范围和条件（可不填），如「本月」「上周」「2026年10月」「近30天」' },
    ...IDENTITY_PARAMS,
  ],
  run: (call) => run(call, `统计 ${text(call.values, 'q', '时间范围')}`.trim(), { customType: 'usage' }),
})

/** 直通模式: the user's raw input goes to Andy's dispatcher, as if typed to the robot. */
export const askAction = action({
  name: 'ask',
  method: 'get',
  idempotent: true,
  summary: '把用户的话原样交给 Andy',
  description:
    '直通模式的唯一接口：用户对 AI 助理说的每一句话原样交给 Andy（搜索、更多、导出、统计、帮助、运营活动设计等，与和 Andy 机器人聊天相同）。',
  keywords: [],
  examples: [],
  params: [
    {
      name: 'input',
      type: 'string',
      required: true,
      description: '用户的原始输入',
      context: { property: 'currentInput', format: 'raw' },
    },
    ...IDENTITY_PARAMS,
  ],
  run(call) {
    const input = text(call.values, 'input', '用户的原始输入')
    if (!input) throw badRequest('缺少必填参数 input（用户的原始输入）')
    return run(call, input, { once: true })
  },
})

/** The model-driven set (one ability, several interfaces) and the passthrough interface. */
export const MODEL_ACTIONS: readonly AssistantAction[] = [searchAction, nextAction, exportAction, usageAction]
export const ALL_ACTIONS: readonly AssistantAction[] = [...MODEL_ACTIONS, askAction]
