import { defineCommand, runMain } from 'citty'
import { subCommands } from './cli/commands.js'

/** The `andy` CLI. Only the subcommand being run is loaded (src/cli/commands.ts), so `andy --help` stays fast. */
export const main = defineCommand({
  meta: {
    name: 'andy',
    version: '0.1.0',
    description:
      'Andy — DingTalk assistant for sales: case search, pitch plans, competitor switches, procurements, software customers',
  },
  subCommands: subCommands(process.argv.slice(2)),
})

// `andy import … | head`: once the reader is gone, writing fails with EPIPE. Stop quietly, as Unix tools do,
// instead of dying with a stack trace (every command; the work done so far is committed).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0)
    throw err
  })
}

await runMain(main)
