import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '../src/config.js'

function configError(env: Record<string, string>): string {
  try {
    parseConfig(env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('configuration errors', () => {
  it('are in Chinese only, name each wrong variable, what it expects and the value given', () => {
    const msg = configError({
      ANDY_USER_RATE_PER_MIN: 'abc',
      HTTP_PORT: '70000',
      LOG_LEVEL: 'loud',
      DINGTALK_API_BASE: 'ftp://x',
    })
    expect(msg).toContain('ANDY_USER_RATE_PER_MIN：应为不小于 1 的整数，收到「abc」')
    expect(msg).toContain('HTTP_PORT：应为 0–65535 的端口号，收到「70000」')
    expect(msg).toContain('LOG_LEVEL：应为 fatal、error、warn、info、debug、trace、silent 之一')
    expect(msg).toContain('DINGTALK_API_BASE：应以 http(s):// 或 ws(s):// 开头')
    // no English from the validator ("Invalid input", "expected number", "Invalid configuration")
    expect(
      msg.replace(
        /\.env(\.example)?|[A-Z_]{3,}|https?|wss?|ftp|abc|loud|fatal|error|warn|info|debug|trace|silent/g,
        '',
      ),
    ).not.toMatch(/[A-Za-z]{3,}/)
  })

  it('never echoes the value of a secret', () => {
    const msg = configError({ API_APP_KEY: 'short-secret-value' })
    expect(msg).toContain('API_APP_KEY：至少 32 个字符')
    expect(msg).not.toContain('short-secret-value')
  })

  it('treats an empty value (X= in .env) as not set', () => {
    const c = parseConfig({ HTTP_PORT: '', ANDY_MAX_CONCURRENCY: '', LOG_LEVEL: '', DINGTALK_RECEIVE_MODE: '' })
    expect(c.http.port).toBeUndefined()
    expect(c.maxConcurrency).toBe(16)
    expect(c.logLevel).toBe('info')
    expect(c.dingtalk.receiveMode).toBe('stream')
  })

  it('DINGTALK_RECEIVE_MODE=http needs HTTP_PORT; other values are refused', () => {
    expect(configError({ DINGTALK_RECEIVE_MODE: 'http' })).toMatch(/^DINGTALK_RECEIVE_MODE：.*HTTP_PORT/)
    expect(parseConfig({ DINGTALK_RECEIVE_MODE: 'HTTP', HTTP_PORT: '8080' }).dingtalk.receiveMode).toBe('http')
    expect(configError({ DINGTALK_RECEIVE_MODE: 'websocket' })).toContain('DINGTALK_RECEIVE_MODE：应为 stream')
  })
})
