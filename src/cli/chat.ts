import { createInterface } from 'node:readline'
import { defineCommand } from 'citty'
import { LocalReplier, localEnvelope } from '../transport/local.js'
import { buildApp, openRuntime } from './bootstrap.js'
import { renderPart, userArgs } from './local-parts.js'

export default defineCommand({
  meta: {
    name: 'chat',
    description: 'Talk to Andy in the terminal, as a rep would in DingTalk (no DingTalk account needed)',
  },
  args: userArgs,
  async run({ args }) {
    const rt = openRuntime({ quiet: true })
    const replier = new LocalReplier()
    const app = await buildApp(rt, { local: replier })
    const user = { nick: args.user, staffId: args.staff, group: args.group }
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY })
    const where = user.group ? `群「${user.group}」` : '单聊'
    process.stdout.write(
      `Andy 本地对话（${where}，数据库 ${rt.config.dbPath}）。输入问题，回车发送；输入 帮助 看示例，exit 退出。\n`,
    )
    replier.onPart((part, target) => process.stdout.write(`\n${renderPart(part, target)}\n\n`))
    rl.setPrompt('你> ')
    try {
      rl.prompt()
      // Line by line, also when the input is piped in (every line is read and answered in order).
      for await (const line of rl) {
        if (/^(exit|quit|退出程序|:q)$/i.test(line.trim())) break
        if (!process.stdin.isTTY) process.stdout.write(`${line}\n`)
        await app.handleNow(localEnvelope(line, user, Date.now()))
        rl.prompt()
      }
    } finally {
      rl.close()
      await app.stop(2000)
      rt.db.close()
    }
  },
})
