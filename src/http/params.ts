import { ApiError, badRequest } from './envelope.js'

/**
 * Parameter definitions shared by validation and /openapi.json. Every parameter may arrive as a query
 * string, a form field or a JSON body field; values are strings in the first two, and may be numbers,
 * booleans or objects in JSON.
 */

export type ParamType = 'string' | 'integer' | 'number' | 'json'

export interface ParamSpec {
  readonly name: string
  readonly type: ParamType
  /** Chinese meaning, as in the seed (used in error messages and the OpenAPI description). */
  readonly description: string
  readonly required?: boolean
  readonly default?: string | number
  readonly min?: number
  readonly max?: number
  readonly example?: string | number
}

export type RawParams = Record<string, unknown>

/** Public parameters of every seed endpoint (auth and envelope options). */
export const PUBLIC_PARAMS: readonly ParamSpec[] = [
  {
    name: 'app_key',
    type: 'string',
    required: true,
    min: 32,
    description: '开发者应用的 app_key（服务端 API_APP_KEY）',
  },
  { name: 'sign', type: 'string', description: '接口签名（服务端设置了 API_APP_SECRET 时必填）' },
  { name: 'uuid', type: 'string', description: '当前登录的应用会员 ID（记录在访问日志中）' },
  { name: 'token', type: 'string', description: '当前登录会员的会话凭证（只记录是否提供，不记录内容）' },
  {
    name: 'return_data',
    type: 'string',
    default: '0',
    description: '1：只返回 data 字段；0：返回完整结构 {ret, data, msg, _t, _auth}',
  },
]

/** Names a request may carry besides an endpoint's own parameters. `s` names the action in the old URL style. */
export const ALWAYS_ALLOWED = new Set([...PUBLIC_PARAMS.map((p) => p.name), 's'])

export const pageParams = (): ParamSpec[] => [
  { name: 'page', type: 'integer', default: 1, min: 1, description: '第几页' },
  { name: 'perpage', type: 'integer', default: 10, min: 1, max: 10_000, description: '分页数量' },
]

const label = (p: ParamSpec): string => `${p.name}（${p.description}）`

function asText(p: ParamSpec, v: unknown): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (p.type === 'json') return JSON.stringify(v)
  throw badRequest(`参数 ${label(p)} 应为字符串，收到的是 ${Array.isArray(v) ? '数组' : '对象'}`)
}

function parseNumber(p: ParamSpec, v: unknown): number {
  const s = typeof v === 'number' ? String(v) : asText(p, v).trim()
  const ok = p.type === 'integer' ? /^[+-]?\d+$/.test(s) : /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)
  const n = Number(s)
  if (!ok || !Number.isFinite(n)) {
    throw badRequest(`参数 ${label(p)} 必须是${p.type === 'integer' ? '整数' : '数字'}，收到「${s.slice(0, 50)}」`)
  }
  if ((p.min !== undefined && n < p.min) || (p.max !== undefined && n > p.max)) {
    const range =
      p.min !== undefined && p.max !== undefined
        ? `在 ${p.min} 到 ${p.max} 之间`
        : p.min !== undefined
          ? `不小于 ${p.min}`
          : `不大于 ${p.max}`
    throw badRequest(`参数 ${label(p)} 必须${range}，收到 ${s}`)
  }
  return n
}

function parseJson(p: ParamSpec, v: unknown): unknown {
  if (typeof v !== 'string') return v
  try {
    return JSON.parse(v)
  } catch (err) {
    throw badRequest(`参数 ${label(p)} 必须是 JSON：${(err as Error).message}`)
  }
}

export interface ParsedParams {
  /** Declared parameters: given ones converted, missing ones with their default (if any). */
  readonly values: Record<string, unknown>
  /** Parameters the endpoint does not declare (only kept when it accepts them). */
  readonly extra: Record<string, unknown>
}

/**
 * Validates raw parameters against specs. Empty strings count as "not given". Unknown names are a 400
 * unless `passthrough` (robot payloads carry fields the seed does not list).
 */
export function parseParams(
  specs: readonly ParamSpec[],
  raw: RawParams,
  opts: { passthrough?: boolean } = {},
): ParsedParams {
  const values: Record<string, unknown> = {}
  const extra: Record<string, unknown> = {}
  const known = new Map(specs.map((p) => [p.name, p]))
  const unknown = Object.keys(raw).filter((k) => !known.has(k) && !ALWAYS_ALLOWED.has(k))
  if (unknown.length && !opts.passthrough) {
    const accepted = specs.map((p) => p.name).join('、') || '（无业务参数）'
    throw new ApiError(
      400,
      `不支持的参数：${unknown.join('、')}。请检查拼写；本接口支持：${accepted}（以及公共参数 app_key、sign、uuid、token、return_data）`,
    )
  }
  for (const k of unknown) extra[k] = raw[k]
  for (const p of specs) {
    const v = raw[p.name]
    const given = v !== undefined && v !== null && v !== ''
    if (!given) {
      if (p.required) throw badRequest(`缺少必填参数 ${label(p)}`)
      if (p.default !== undefined) values[p.name] = p.default
      continue
    }
    if (p.type === 'integer' || p.type === 'number') values[p.name] = parseNumber(p, v)
    else if (p.type === 'json') values[p.name] = parseJson(p, v)
    else values[p.name] = asText(p, v)
  }
  return { values, extra }
}

/** Reads page/perpage after parseParams (they always have defaults). */
export function pageOf(values: Record<string, unknown>): { page: number; perpage: number } {
  return { page: Number(values.page ?? 1), perpage: Number(values.perpage ?? 10) }
}

/** A string parameter's value, or undefined when not given. */
export function str(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name]
  return typeof v === 'string' ? v : undefined
}
