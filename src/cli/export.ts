import { defineCommand } from 'citty'
import { tableCount } from '../db/case-search.js'
import { TABLE_KEYS, tableByKey } from '../search/tables.js'
import { exportCases } from '../services/case-export.js'
import { openRuntime } from './bootstrap.js'

export default defineCommand({
  meta: { name: 'export', description: 'Write a case table to .xlsx with the Chinese headers (andy import reads it back)' },
  args: {
    table: { type: 'positional', description: TABLE_KEYS.join(' | '), required: true },
    out: { type: 'string', description: 'Output file (default: data/exports/<table>-<date>.xlsx)' },
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
      const out = args.out ?? `data/exports/${spec.key}-${new Date().toISOString().slice(0, 10)}.xlsx`
      const started = Date.now()
      const res = await exportCases(rt.db, spec, out)
      process.stdout.write(`✔ ${spec.key}: ${res.rows} 行（共 ${tableCount(rt.db, spec)} 行）→ ${out}（${(res.bytes / 1024).toFixed(0)} KB，${((Date.now() - started) / 1000).toFixed(1)} 秒）\n`)
    } finally {
      rt.db.close()
    }
  },
})
