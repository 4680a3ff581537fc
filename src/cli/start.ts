import { defineCommand } from 'citty'
import { missingStreamCredentials } from '../config.js'
import { openRuntime } from './bootstrap.js'

export default defineCommand({
  meta: { name: 'start', description: 'Run the DingTalk stream bot (needs DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET)' },
  args: {},
  async run() {
    const rt = openRuntime()
    const missing = missingStreamCredentials(rt.config)
    if (missing.length) {
      rt.db.close()
      process.stderr.write(`缺少配置：${missing.join(', ')}。\n请在 .env 中设置（见 .env.example），或先用本地演示：npm run demo\n`)
      process.exitCode = 2
      return
    }
    throw new Error('not yet wired')
  },
})
