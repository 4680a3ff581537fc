import { defineCommand } from 'citty'
import type { App } from '../app.js'
import { missingStreamCredentials } from '../config.js'
import { DingtalkStreamTransport, type DingtalkStreamTransportOptions } from '../transport/dingtalk-stream.js'
import type { Replier } from '../transport/types.js'
import { createWebhookReplier } from '../transport/webhook.js'
import { buildApp, openRuntime, type Runtime } from './bootstrap.js'

export interface BotHandle {
  readonly app: App
  readonly transport: DingtalkStreamTransport
  /** Stops taking messages, lets running handlers finish (grace period), leaves the rest in the inbox. */
  stop(): Promise<void>
}

export interface StartOptions {
  /** Reply channel for stream and HTTP messages (default: the delivery router). */
  replier?: Replier
  /** Transport knobs (tests use short timeouts). */
  transport?: Partial<Omit<DingtalkStreamTransportOptions, 'config' | 'logger' | 'sink'>>
}

/** What `andy start` runs: the app on the inbox, unfinished messages resumed, the stream connected. */
export async function startBot(rt: Runtime, opts: StartOptions = {}): Promise<BotHandle> {
  const replier = opts.replier ?? createWebhookReplier()
  const app = buildApp(rt, { stream: replier, http: replier })
  app.resumeUnfinished()
  const transport = new DingtalkStreamTransport({ config: rt.config, logger: rt.logger, sink: app, ...opts.transport })
  await transport.start()
  rt.logger.info({ robotCode: rt.config.dingtalk.robotCode, apiBase: rt.config.dingtalk.apiBase }, 'Andy is listening on the DingTalk stream')
  let stopped: Promise<void> | undefined
  return {
    app,
    transport,
    stop() {
      stopped ??= (async () => {
        await transport.stop()
        const finished = await app.stop(rt.config.shutdownGraceMs)
        if (!finished) rt.logger.warn('shutdown grace period over; unfinished messages stay in the inbox for the next start')
      })()
      return stopped
    },
  }
}

/** Logs what would otherwise be silent or fatal, and keeps the process up. */
export function installProcessGuards(rt: Runtime): void {
  process.on('unhandledRejection', (reason) => rt.logger.error({ err: reason }, 'unhandled promise rejection'))
  process.on('uncaughtException', (err) => rt.logger.error({ err }, 'uncaught exception'))
}

export default defineCommand({
  meta: { name: 'start', description: 'Run the DingTalk stream bot (needs DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET)' },
  args: {},
  async run() {
    const rt = openRuntime()
    const missing = missingStreamCredentials(rt.config)
    if (missing.length) {
      rt.db.close()
      process.stderr.write(`缺少配置：${missing.join(', ')}。\n请在 .env 中设置（见 .env.example 和 README「创建钉钉应用」），或先试本地演示：npm run demo\n`)
      process.exitCode = 2
      return
    }
    installProcessGuards(rt)
    let bot: BotHandle
    try {
      bot = await startBot(rt)
    } catch (err) {
      rt.logger.fatal({ err }, 'could not connect to DingTalk')
      rt.db.close()
      process.stderr.write(`无法连接钉钉：${(err as Error).message}\n`)
      process.exitCode = 1
      return
    }
    await new Promise<void>((resolve) => {
      const onSignal = (signal: string) => {
        rt.logger.info({ signal }, 'shutting down')
        void bot.stop().finally(() => resolve())
      }
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
    })
    rt.db.close()
    rt.logger.flush()
  },
})
