import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineCommand } from 'citty'
import { tableCount } from '../db/case-search.js'
import type { Db } from '../db/client.js'
import { TABLES } from '../tables/index.js'
import { importCases } from '../services/importer.js'
import { loadDefaultPrompts } from '../pipelines/prompt-files.js'
import { openRuntime } from './bootstrap.js'

export const DEMO_DIR = fileURLToPath(new URL('../../data/demo/', import.meta.url))

/** Loads data/demo/<table>.csv into every case table that is empty. Returns lines to print. */
export async function seedDemo(db: Db, opts: { force?: boolean } = {}): Promise<string[]> {
  const lines: string[] = []
  for (const spec of TABLES) {
    const file = `${DEMO_DIR}${spec.key}.csv`
    const n = tableCount(db, spec)
    if (n > 0 && !opts.force) {
      lines.push(`· ${spec.key}: 已有 ${n} 行，跳过（--force 覆盖为演示数据）`)
      continue
    }
    if (!existsSync(file)) {
      lines.push(`· ${spec.key}: 缺少 ${file}`)
      continue
    }
    const r = await importCases(db, spec, file, { replace: true })
    lines.push(`✔ ${spec.key}: 导入演示数据 ${r.inserted} 行`)
  }
  return lines
}

export default defineCommand({
  meta: { name: 'seed', description: 'Load the demo data (data/demo/*.csv) and the default prompts (data/prompts/) into the empty tables' },
  args: { force: { type: 'boolean', description: 'Replace tables that already have rows' } },
  async run({ args }) {
    const rt = openRuntime({ quiet: true })
    try {
      for (const line of await seedDemo(rt.db, { force: args.force })) process.stdout.write(`${line}\n`)
      for (const line of loadDefaultPrompts(rt.db, { force: args.force })) process.stdout.write(`${line}\n`)
    } finally {
      rt.db.close()
    }
  },
})
