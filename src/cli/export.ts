import { join } from 'node:path'
import { defineCommand } from 'citty'
import { localDate } from '../core/clock.js'
import { tableCount } from '../db/case-search.js'
import { exportCases } from '../services/case-export.js'
import { exportDir } from '../stats/files.js'
import { TABLE_KEYS, tableByKey } from '../tables/index.js'
import { openRuntime } from './bootstrap.js'
import { pullCasesForCli } from './cluster-import.js'

export default defineCommand({
  meta: {
    name: 'export',
    description: 'Write a case table to .xlsx with the Chinese headers (andy import reads it back)',
  },
  args: {
    table: { type: 'positional', description: TABLE_KEYS.join(' | '), required: true },
    out: { type: 'string', description: 'Output file (default: <DB_PATH folder>/exports/<table>-<date>.xlsx)' },
  },
  async run({ args }) {
    const spec = tableByKey(String(args.table))
    if (!spec) {
      process.stderr.write(`未知的表「${args.table}」。可选：${TABLE_KEYS.join('、')}\n`)
      process.exitCode = 2
      return
    }
    const rt = openRuntime({ quiet: true })
    try {
      // DATABASE_URL: PostgreSQL's rows (the local copy brought up to date first).
      await pullCasesForCli(rt.config.databaseUrl, rt.db)
      // Next to the database, as the chat's exports (README: DB_PATH), whatever the working directory.
      const out = args.out ?? join(exportDir(rt.config), `${spec.key}-${localDate(Date.now())}.xlsx`)
      const started = Date.now()
      const res = await exportCases(rt.db, spec, out)
      if (res.rows === 0) {
        process.stdout.write(
          `✔ ${spec.key} 是空表：已写出只有表头的模板 → ${out}\n  按表头填好数据后导入：andy import ${spec.key} ${out}\n`,
        )
        return
      }
      process.stdout.write(
        `✔ ${spec.key}: ${res.rows} 行（共 ${tableCount(rt.db, spec)} 行）→ ${out}（${(res.bytes / 1024).toFixed(0)} KB，${((Date.now() - started) / 1000).toFixed(1)} 秒）\n`,
      )
    } finally {
      rt.db.close()
    }
  },
})
