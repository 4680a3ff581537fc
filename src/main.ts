import { defineCommand, runMain } from 'citty'

/** The `andy` CLI. Subcommands load lazily so `andy --help` stays fast. */
export const main = defineCommand({
  meta: {
    name: 'andy',
    version: '0.1.0',
    description: 'Andy — DingTalk assistant for sales: case search, pitch plans, competitor switches, procurements, software customers',
  },
  subCommands: {
    start: () => import('./cli/start.js').then((m) => m.default),
    chat: () => import('./cli/chat.js').then((m) => m.default),
    ask: () => import('./cli/ask.js').then((m) => m.default),
    import: () => import('./cli/import.js').then((m) => m.default),
    data: () => import('./cli/data.js').then((m) => m.default),
    export: () => import('./cli/export.js').then((m) => m.default),
    seed: () => import('./cli/seed.js').then((m) => m.default),
    demo: () => import('./cli/demo.js').then((m) => m.default),
    prompts: () => import('./cli/prompts.js').then((m) => m.default),
    doctor: () => import('./cli/doctor.js').then((m) => m.default),
    migrate: () => import('./cli/migrate.js').then((m) => m.default),
    inbox: () => import('./cli/inbox.js').then((m) => m.default),
    stats: () => import('./cli/stats.js').then((m) => m.default),
    'ops-report': () => import('./cli/ops-report.js').then((m) => m.default),
    'assistant-yaml': () => import('./cli/assistant-yaml.js').then((m) => m.default),
    taxonomy: () => import('./cli/taxonomy.js').then((m) => m.default),
  },
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
