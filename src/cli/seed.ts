import { existsSync } from 'node:fs'
import { defineCommand } from 'citty'
import type { Db } from '../db/client.js'
import { loadDefaultPrompts } from '../pipelines/prompt-files.js'
import { demoFile, demoStatus } from '../services/demo-data.js'
import { importCases } from '../services/importer.js'
import { TABLES } from '../tables/index.js'
import { openRuntime } from './bootstrap.js'
import { openCliStores } from './cli-stores.js'
import { changeCasesFromCli } from './cluster-import.js'

export { DEMO_DIR } from '../services/demo-data.js'

/**
 * Loads data/demo/<table>.csv into every empty case table — never into a database that holds real
 * rows (rows not loaded as demo data), so demo rows cannot end up next to production data. The rows
 * are marked as demo rows; `force` reloads tables that hold only demo rows. Returns lines to print.
 */
export async function seedDemo(db: Db, opts: { force?: boolean } = {}): Promise<string[]> {
  const status = demoStatus(db, { mark: true })
  const real = status.filter((s) => s.real > 0)
  if (real.length) {
    return [
      `✘ 数据库里已有真实数据（${real.map((s) => `${s.spec.title} ${s.real} 行`).join('、')}），不加载演示数据。`,
      '  演示请用单独的数据库：npm run demo（默认 data/demo.db），或 DB_PATH=/tmp/demo.db npm run andy -- seed',
    ]
  }
  const lines: string[] = []
  for (const spec of TABLES) {
    const file = demoFile(spec)
    const n = status.find((s) => s.spec === spec)!.demo
    if (n > 0 && !opts.force) {
      lines.push(`· ${spec.key}: 已有 ${n} 行演示数据，跳过（--force 重新加载）`)
      continue
    }
    if (!existsSync(file)) {
      lines.push(`· ${spec.key}: 缺少 ${file}`)
      continue
    }
    const r = await importCases(db, spec, file, { replace: true, demo: true })
    lines.push(`✔ ${spec.key}: 导入演示数据 ${r.inserted} 行`)
  }
  return lines
}

export default defineCommand({
  meta: {
    name: 'seed',
    description:
      'Load the demo data (data/demo/*.csv) into the empty tables — never into a database with real rows — and the default prompts (data/prompts/)',
  },
  args: { force: { type: 'boolean', description: 'Reload tables that hold only demo rows (and the default prompts)' } },
  async run({ args }) {
    const rt = openRuntime({ quiet: true })
    try {
      // DATABASE_URL: the demo rows go to PostgreSQL's case tables (checked for real rows there).
      const lines = await changeCasesFromCli(rt.config.databaseUrl, rt.db, async () => {
        const result = await seedDemo(rt.db, { force: args.force })
        return { result, changed: result.some((l) => l.startsWith('✔')) }
      })
      for (const line of lines) process.stdout.write(`${line}\n`)
      const shared = await openCliStores(rt)
      try {
        for (const line of await loadDefaultPrompts(shared.stores.llm.prompts, { force: args.force }))
          process.stdout.write(`${line}\n`)
      } finally {
        await shared.close()
      }
    } finally {
      rt.db.close()
    }
  },
})
