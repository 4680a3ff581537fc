import type { CommandDef } from 'citty'

/**
 * The CLI's subcommands: a one-line summary for `andy --help` and a loader. Only the command being run is
 * imported (its own `--help` shows the full description and options), so `andy --help` loads no command
 * module and `andy ask` none of the others. test/cli/commands.test.ts checks that each loader gives the command.
 */
export const COMMANDS = {
  start: {
    summary: 'Run the DingTalk bot (stream connection; HTTP API and callback with HTTP_PORT)',
    load: () => import('./start.js'),
  },
  chat: { summary: 'Talk to Andy in the terminal, as a rep would in DingTalk', load: () => import('./chat.js') },
  ask: { summary: 'Ask Andy one question and print the reply (or --json for scripts)', load: () => import('./ask.js') },
  import: {
    summary: "Load an admin's spreadsheet (.xlsx/.csv/.tsv/.txt) into a case table",
    load: () => import('./import.js'),
  },
  data: { summary: 'The case data: check (数据体检) | clear-demo', load: () => import('./data.js') },
  export: { summary: 'Write a case table to .xlsx with the Chinese headers', load: () => import('./export.js') },
  seed: { summary: 'Load the demo data and default prompts into an empty database', load: () => import('./seed.js') },
  demo: { summary: 'Load the demo data into data/demo.db, then start a local chat', load: () => import('./demo.js') },
  prompts: { summary: 'Prompt steps and report prompts: list | import | export', load: () => import('./prompts.js') },
  doctor: {
    summary: 'Check configuration, database, DingTalk and the LLM; print fixes',
    load: () => import('./doctor.js'),
  },
  migrate: {
    summary: 'Apply the database migrations (PostgreSQL with DATABASE_URL, else SQLite) and exit',
    load: () => import('./migrate.js'),
  },
  inbox: { summary: 'The message inbox: list | retry <id> | ids', load: () => import('./inbox.js') },
  stats: {
    summary: 'Usage statistics (terminal table, --xlsx workbook, --png chart)',
    load: () => import('./stats.js'),
  },
  'ops-report': {
    summary: '阶段运营报告: learning records → metrics, narrative, chart, workbook',
    load: () => import('./ops-report.js'),
  },
  'assistant-yaml': {
    summary: 'Print the OpenAPI YAML for a DingTalk AI 助理 custom ability',
    load: () => import('./assistant-yaml.js'),
  },
  taxonomy: {
    summary: 'The taxonomy used to understand sentences: export | import | check',
    load: () => import('./taxonomy.js'),
  },
} satisfies Record<string, { summary: string; load: () => Promise<{ default: unknown }> }>

export type CommandName = keyof typeof COMMANDS

/**
 * citty's subCommands for this run: the named command loads for real, every other one is a stub with its
 * summary (citty resolves all subcommands to print a usage; stubs keep that free of imports).
 */
export function subCommands(argv: readonly string[]): Record<string, () => Promise<CommandDef>> {
  const requested = argv.find((a) => !a.startsWith('-'))
  const out: Record<string, () => Promise<CommandDef>> = {}
  for (const [name, c] of Object.entries(COMMANDS)) {
    out[name] =
      name === requested
        ? () => c.load().then((m) => m.default as CommandDef)
        : () => Promise.resolve({ meta: { name, description: c.summary } })
  }
  return out
}
