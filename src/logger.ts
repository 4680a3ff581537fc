import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino'

export type Logger = PinoLogger

/** Paths pino blanks out wherever they appear in a log object. */
export const REDACT_PATHS = [
  'clientSecret',
  '*.clientSecret',
  'appSecret',
  '*.appSecret',
  'secret',
  '*.secret',
  'apiKey',
  '*.apiKey',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'ticket',
  '*.ticket',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-acs-dingtalk-access-token"]',
  '*.headers["x-acs-dingtalk-access-token"]',
  'headers["x-andy-channel"]',
  '*.headers["x-andy-channel"]',
  'sessionWebhook',
  '*.sessionWebhook',
  'webhook',
  '*.webhook',
  'sign',
  '*.sign',
  'url',
  '*.url',
  'databaseUrl',
  '*.databaseUrl',
]

export interface LoggerOptions {
  level?: string
  destination?: DestinationStream
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { app: 'andy' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination ?? pino.destination({ dest: 2, sync: false }),
  )
}

/** Strips query strings (tickets, tokens, webhook sessions) from a URL before it goes into a log line. */
export function safeUrl(url: string): string {
  const i = url.indexOf('?')
  return i < 0 ? url : `${url.slice(0, i)}?…`
}
