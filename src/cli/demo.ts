import { defineCommand, runCommand } from 'citty'
import { openRuntime } from './bootstrap.js'
import chat from './chat.js'
import { seedDemo } from './seed.js'

export default defineCommand({
  meta: { name: 'demo', description: 'Load the demo data if the database is empty, then start a local chat' },
  args: {},
  async run() {
    const rt = openRuntime({ quiet: true })
    try {
      for (const line of await seedDemo(rt.db)) process.stdout.write(`${line}\n`)
    } finally {
      rt.db.close()
    }
    await runCommand(chat, { rawArgs: [] })
  },
})
