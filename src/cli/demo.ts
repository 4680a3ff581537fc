import { defineCommand, runCommand } from 'citty'
import { DEMO_DB_PATH } from '../services/demo-data.js'
import { openRuntime } from './bootstrap.js'
import chat from './chat.js'
import { seedDemo } from './seed.js'

export default defineCommand({
  meta: {
    name: 'demo',
    description: `Load the demo data into its own database (${DEMO_DB_PATH}; DB_PATH given on the command line wins), then start a local chat`,
  },
  args: {},
  async run() {
    // Only a DB_PATH given for this command counts (DB_PATH=/tmp/x.db npm run demo): a .env naming the
    // production database must not make the demo write there.
    if (!process.env.DB_PATH?.trim()) process.env.DB_PATH = DEMO_DB_PATH
    const rt = openRuntime({ quiet: true })
    try {
      for (const line of await seedDemo(rt.db)) process.stdout.write(`${line}\n`)
    } finally {
      rt.db.close()
    }
    await runCommand(chat, { rawArgs: [] })
  },
})
