import { createHash, timingSafeEqual } from 'node:crypto'
import { ApiError } from './envelope.js'

/**
 * Seed API authentication: `app_key` must equal API_APP_KEY; when API_APP_SECRET is set, `sign` must be
 * the uppercase MD5 of the values of every other parameter, ordered by parameter name, followed by the
 * secret. Both comparisons are constant-time. Error messages say what to fix and never echo a secret or
 * the expected signature.
 */

export interface AuthConfig {
  readonly appKey?: string
  readonly appSecret?: string
}

export const SIGN_RULE =
  'sign = 大写(MD5(把除 sign 外的全部参数按参数名升序排列后依次拼接参数值 + app_secret))；' +
  '参与签名的是本次请求的全部参数（URL 查询参数与请求体合并，含 app_key、旧式地址的 s），参数值取原始值（未经 URL 编码）'

/** The string a parameter value contributes to the signature (JSON bodies may carry numbers or objects). */
export function signValue(v: unknown): string {
  if (v == null) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

/** Uppercase MD5 of the values of all parameters except `sign`, ordered by name, then the secret. */
export function computeSign(params: Record<string, unknown>, secret: string): string {
  const names = Object.keys(params)
    .filter((k) => k !== 'sign')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const joined = names.map((k) => signValue(params[k])).join('')
  return createHash('md5').update(`${joined}${secret}`, 'utf8').digest('hex').toUpperCase()
}

/** Constant-time string equality (the length of the expected value may leak, its content does not). */
export function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8')
  const b = Buffer.from(expected, 'utf8')
  if (a.length !== b.length) {
    timingSafeEqual(b, b)
    return false
  }
  return timingSafeEqual(a, b)
}

/** Throws an ApiError unless the request's app_key (and sign, when a secret is set) are right. */
export function checkAuth(params: Record<string, unknown>, cfg: AuthConfig): void {
  if (!cfg.appKey) {
    throw new ApiError(403, '本服务未开放接口：服务端未设置 API_APP_KEY（至少 32 个字符）。请联系管理员开启。')
  }
  const key = params.app_key
  if (key === undefined || key === '')
    throw new ApiError(400, '缺少必填参数 app_key（开发者应用的 app_key，至少 32 个字符）')
  if (typeof key !== 'string' || !safeEqual(key, cfg.appKey)) {
    throw new ApiError(401, 'app_key 不正确：请使用管理员提供的 app_key（服务端 API_APP_KEY）')
  }
  if (!cfg.appSecret) return
  const sign = params.sign
  if (sign === undefined || sign === '') throw new ApiError(400, `缺少参数 sign：本服务已开启签名。${SIGN_RULE}`)
  if (typeof sign !== 'string' || !safeEqual(sign.toUpperCase(), computeSign(params, cfg.appSecret))) {
    throw new ApiError(401, `sign 签名不正确。${SIGN_RULE}`)
  }
}
