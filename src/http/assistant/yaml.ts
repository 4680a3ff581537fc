import { stringify } from 'yaml'
import type { JsonSchema } from '../endpoint.js'
import { type ActionParam, ANSWER_SCHEMA, type AssistantAction, askAction, MODEL_ACTIONS } from './actions.js'

/**
 * The OpenAPI 3.0.1 description to paste into a DingTalk AI 助理 custom ability (dingtalk.md §9):
 * `x-dingtalk-protocol: stream` (calls arrive on Andy's stream connection; the servers URL is never
 * called), Chinese summaries/descriptions/keywords/examples for the assistant's model, identity and raw
 * input filled from the conversation with `x-dingtalk-context`, and `x-dingtalk-display-result: markdown`
 * so the assistant shows Andy's own reply (the envelope's top-level `content`) instead of rewording it.
 *
 * - model-driven (default): search / next / export / usage; the model picks one and extracts `q`/`type`.
 * - passthrough (直通模式): one interface, every parameter from the context; the raw input goes to Andy's
 *   dispatcher exactly like a chat message (the assistant must have no other skill).
 */

export interface AssistantYamlOptions {
  readonly passthrough?: boolean
}

/** JSON Schema (2020 style, as the HTTP API documents it) → OpenAPI 3.0: `type: [x, 'null']` → `nullable`. */
export function toOas30(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((t) => t !== 'null')
      out.type = types[0] ?? 'string'
      if (types.length < value.length) out.nullable = true
    } else if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, toOas30(v)]),
      )
    } else if (key === 'items' && value && typeof value === 'object' && !Array.isArray(value)) {
      out.items = toOas30(value as JsonSchema)
    } else out[key] = value
  }
  return out
}

function parameter(p: ActionParam, passthrough: boolean): JsonSchema {
  const schema: JsonSchema = { type: 'string' }
  if (p.enum) schema.enum = [...p.enum]
  // dingtalk.md §9: x-dingtalk-context sits beside `type`; DingTalk fills the value, the model never does.
  if (p.context) schema['x-dingtalk-context'] = { ...p.context }
  return {
    name: p.name,
    in: 'query',
    description: p.description,
    required: !!(p.required || (passthrough && p.context) || p.context?.property === 'currentOrg'),
    schema,
  }
}

function operation(a: AssistantAction, passthrough: boolean): JsonSchema {
  const op: JsonSchema = {
    operationId: `Andy${a.action[0]!.toUpperCase()}${a.action.slice(1)}`,
    summary: a.summary,
    description: a.description,
    'x-dingtalk-display-result': 'markdown',
  }
  if (passthrough) op['x-dingtalk-params-confirm'] = false
  if (a.keywords.length) op['x-dingtalk-keywords'] = [...a.keywords]
  if (a.examples.length)
    op['x-dingtalk-examples'] = a.examples.map((e) => ({ input: e.input, output: { ...e.output } }))
  op.parameters = a.params.map((p) => parameter(p, passthrough))
  op.responses = {
    '200': {
      description: 'Andy 的回答：content 为要展示的 Markdown，data 为结构化结果',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/AndyResponse' } } },
    },
    '400': {
      description: '参数有误（msg/content 说明如何修改）',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/AndyResponse' } } },
    },
    '403': {
      description: '提问人所在组织不在 Andy 的服务范围（ANDY_ALLOWED_CORP_IDS）',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/AndyResponse' } } },
    },
  }
  return op
}

/** The OpenAPI document as an object (the test validates it; the CLI prints it as YAML). */
export function assistantOpenApi(opts: AssistantYamlOptions = {}): JsonSchema {
  const passthrough = !!opts.passthrough
  const actions = passthrough ? [askAction] : MODEL_ACTIONS
  const paths: Record<string, JsonSchema> = {}
  for (const a of actions) paths[a.path] = { [a.method]: operation(a, passthrough) }
  return {
    openapi: '3.0.1',
    info: {
      title: passthrough ? 'Andy（直通模式）' : 'Andy 销售助手',
      description: passthrough
        ? '把用户对 AI 助理说的每一句话原样交给 Andy：客户案例、打单方案、竞对切换、内容采购、软件客户搜索，更多、导出、使用统计、运营活动设计等，回复与和 Andy 机器人聊天相同。'
        : '在公司自己的销售数据里找客户案例、内容打单方案、平台竞对切换案例、内容产品采购记录和软件客户；翻页、导出 Excel、查看使用统计。',
      version: 'v1.0.0',
    },
    servers: [
      {
        url: 'https://andy.stream.invalid',
        description: 'x-dingtalk-protocol 为 stream：请求经 Andy 的钉钉 Stream 连接送达，此地址不会被访问',
      },
    ],
    'x-dingtalk-protocol': 'stream',
    paths,
    components: {
      schemas: {
        AndyResponse: {
          type: 'object',
          description: 'Andy 的统一响应（与 HTTP 接口相同的信封，另有 content 便于展示）',
          properties: {
            ret: { type: 'integer', description: '200 成功；4xx 请求有误或无权使用；5xx 服务端错误' },
            data: { $ref: '#/components/schemas/AndyAnswer' },
            msg: { type: 'string', description: '出错时的说明' },
            _t: { type: 'integer', description: '服务端时间戳（秒）' },
            content: { type: 'string', description: '要展示给用户的 Markdown（成功时为回复，出错时为说明）' },
          },
          required: ['ret', 'msg', 'content'],
        },
        AndyAnswer: toOas30(ANSWER_SCHEMA),
      },
    },
  }
}

/** The YAML text `andy assistant-yaml` prints. */
export function assistantYaml(opts: AssistantYamlOptions = {}): string {
  const head = opts.passthrough
    ? '# Andy 直通模式：AI 助理只能有这一个能力、这一个接口，并关闭「智能对话」等其他技能。\n'
    : '# Andy 的 AI 助理自定义能力（模型选择接口并提取参数）。\n'
  return `${head}# 生成命令：andy assistant-yaml${opts.passthrough ? ' --passthrough' : ''}。调用经钉钉 Stream 到达 Andy，无需公网地址。\n${stringify(assistantOpenApi(opts), { lineWidth: 0 })}`
}
