import { SIGN_RULE } from './auth.js'
import type { Endpoint, JsonSchema } from './endpoint.js'
import { type ParamSpec, PUBLIC_PARAMS } from './params.js'

/** OpenAPI 3.1 description of the seed API, generated from the same endpoint definitions the server runs. */

function paramSchema(p: ParamSpec): JsonSchema {
  const s: JsonSchema = {}
  if (p.type === 'integer' || p.type === 'number') {
    s.type = p.type
    if (p.min !== undefined) s.minimum = p.min
    if (p.max !== undefined) s.maximum = p.max
  } else if (p.type === 'json') {
    s.type = ['string', 'object', 'array']
    s.description = 'JSON（字符串形式，或在 JSON 请求体中直接给对象/数组）'
  } else {
    s.type = 'string'
    if (p.min !== undefined) s.minLength = p.min
  }
  if (p.default !== undefined) s.default = p.default
  if (p.example !== undefined) s.examples = [p.example]
  return s
}

function envelopeOf(dataSchema: JsonSchema): JsonSchema {
  return {
    type: 'object',
    required: ['ret', 'data', 'msg', '_t'],
    properties: {
      ret: { type: 'integer', description: '200 成功；4xx 客户端请求有误（msg 说明怎么改）；5xx 服务端异常' },
      data: dataSchema,
      msg: { type: 'string', description: '面向技术人员的提示或错误信息' },
      _t: { type: 'integer', description: '服务器当时的 Unix 时间戳（秒）' },
      _auth: { type: 'string', description: 'md5(data 的 JSON + _t + app_secret)，服务端设置了 API_APP_SECRET 时返回' },
    },
  }
}

function operation(ep: Endpoint, method: 'get' | 'post'): JsonSchema {
  const all = [...PUBLIC_PARAMS, ...ep.params]
  const description = [ep.notes, ep.passthrough ? '可携带未列出的字段（原样保存）。' : '未列出的参数会返回 400。']
    .filter(Boolean)
    .join('\n\n')
  const success: JsonSchema = ep.producesFile
    ? {
        description: '默认直接返回 .xlsx 文件（Content-Disposition: attachment）；as_base64=1 时返回 JSON',
        content: {
          'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
            schema: { type: 'string', contentMediaType: 'application/octet-stream' },
          },
          'application/json': { schema: envelopeOf(ep.response) },
        },
      }
    : {
        description: '成功（return_data=1 时只返回 data）',
        content: { 'application/json': { schema: envelopeOf(ep.response) } },
      }
  const op: JsonSchema = {
    operationId: `${ep.action}_${method}`,
    summary: ep.summary,
    description,
    tags: [ep.tag],
    responses: {
      '200': success,
      '4XX': {
        description: '请求有误：缺少/非法参数、app_key 或 sign 不正确、未知参数',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
      '5XX': {
        description: '服务端异常（msg 含请求 ID）；AJdyyReportData 未上线时为 501',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
  }
  if (method === 'get') {
    op.parameters = all.map((p) => ({
      name: p.name,
      in: 'query',
      required: !!p.required,
      description: p.description,
      schema: paramSchema(p),
    }))
  } else {
    const schema: JsonSchema = {
      type: 'object',
      required: all.filter((p) => p.required).map((p) => p.name),
      properties: Object.fromEntries(all.map((p) => [p.name, { ...paramSchema(p), description: p.description }])),
      additionalProperties: !!ep.passthrough,
    }
    op.requestBody = {
      required: true,
      content: { 'application/x-www-form-urlencoded': { schema }, 'application/json': { schema } },
    }
  }
  return op
}

export function buildOpenApi(endpoints: readonly Endpoint[], opts: { version?: string } = {}): JsonSchema {
  const paths: Record<string, JsonSchema> = {}
  for (const ep of endpoints) paths[`/api/${ep.action}`] = { get: operation(ep, 'get'), post: operation(ep, 'post') }
  paths['/dingtalk/callback'] = {
    post: {
      operationId: 'dingtalkCallback',
      summary: '钉钉机器人 HTTP 回调（非 Stream 模式）',
      description:
        '请求头 timestamp（毫秒）与 sign = Base64(HmacSHA256(key=AppSecret, timestamp + "\\n" + AppSecret))，时间差 ≤ 1 小时。立即返回 {"msgtype":"empty"}，回复稍后经 sessionWebhook 发出。',
      tags: ['钉钉回调'],
      parameters: [
        { name: 'timestamp', in: 'header', required: true, schema: { type: 'string' } },
        { name: 'sign', in: 'header', required: true, schema: { type: 'string' } },
      ],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { type: 'object', required: ['msgId'] } } },
      },
      responses: { '200': { description: '{"msgtype":"empty"}' }, '401': { description: '签名或时间戳不正确' } },
    },
  }
  paths['/healthz'] = {
    get: {
      operationId: 'healthz',
      summary: '健康检查：数据库、Stream 连接、收件箱积压',
      tags: ['运维'],
      responses: { '200': { description: '健康' }, '503': { description: '不健康' } },
    },
  }
  paths['/metrics'] = {
    get: {
      operationId: 'metrics',
      summary: 'Prometheus 指标（文本格式）',
      tags: ['运维'],
      responses: { '200': { description: 'text/plain; version=0.0.4' } },
    },
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Andy 接口（兼容原系统 15 个接口）',
      version: opts.version ?? '0.1.0',
      description: [
        '地址三种写法等价：/api/<命名空间>/<类名>/<接口名>、/api/<接口名>、旧式 /?s=<命名空间>.<类名>.<接口名>；GET 与 POST 均可。',
        '参数可放在 URL 查询字符串、表单（application/x-www-form-urlencoded）或 JSON 请求体中。',
        `鉴权：app_key 必填，等于服务端 API_APP_KEY。服务端设置 API_APP_SECRET 时 sign 必填：${SIGN_RULE}。`,
        '返回：{ret, data, msg, _t, _auth}；return_data=1 时成功只返回 data。HTTP 状态码与 ret 一致。',
      ].join('\n\n'),
    },
    tags: [...new Set(endpoints.map((e) => e.tag))].map((name) => ({ name })),
    components: {
      schemas: {
        Error: envelopeOf({ type: 'object', description: '出错时为空对象' }),
      },
    },
    paths,
  }
}
