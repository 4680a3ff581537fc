import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { computeSign } from '../../src/http/auth.js'
import { authOf } from '../../src/http/envelope.js'

/**
 * docs/http-api.md's signature rules and examples are what the code does, and what a PHP client gets
 * with the flags the docs name. The PHP figures below were produced once with PHP 8.2:
 *   json_encode($data, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_LINE_TERMINATORS)
 *   strtoupper(md5(implode('', array_values(ksort'ed $params)) . $secret))
 */

const docs = readFileSync(join(import.meta.dirname, '../../docs/http-api.md'), 'utf8')

describe('docs/http-api.md signature examples', () => {
  it('sign = UPPER(MD5(values ordered by name + secret)): the documented example, as PHP computes it', () => {
    const params = { app_key: '0123456789abcdef0123456789abcdef', kh_industry_1: '制造', perpage: '2' }
    expect(computeSign(params, 'my-app-secret')).toBe('C12129C36212F94F785AD54DE3DD8BC7')
    expect(docs).toContain('sign:         C12129C36212F94F785AD54DE3DD8BC7')
    expect(docs).toContain('sign = UPPER( MD5( V + app_secret ) )')
    // the wrongly bracketed reading is not what the code does
    expect(computeSign(params, 'my-app-secret')).not.toContain('my-app-secret')
  })

  it('_auth: the documented example matches', () => {
    expect(authOf({ id: 42 }, 1795881222, 'my-app-secret')).toBe('024219cb392740726ddaa89ee2f5198d')
    expect(docs).toContain('`data={"id":42}`')
    expect(docs).toContain('`024219cb392740726ddaa89ee2f5198d`')
  })

  it('_auth hashes data with non-ASCII, "/" and U+2028 unescaped: PHP matches only with the documented flags', () => {
    const data = {
      user_name: '王五',
      note: '某银行/分行 \u2028 "引号" \\ end',
      url: 'https://x.example/a?b=1&c=<d>',
      n: '0.35',
      empty: {},
    }
    const auth = authOf(data, 1795881222, 'my-app-secret')
    expect(auth).toBe('22c2a08d993051796e23d791f194e1da') // PHP with JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_LINE_TERMINATORS
    expect(auth).not.toBe('15238557c2d5317cb510f1cedcbd1f4c') // PHP's default json_encode (\uXXXX, \/)
    const json = JSON.stringify(data)
    expect(json).toContain('王五')
    expect(json).toContain('https://x.example')
    expect(json).toContain('\u2028')
    expect(docs).toContain('JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_LINE_TERMINATORS')
  })
})
