import { defineCommand } from 'citty'
import { TABLE_KEYS, tableByKey } from '../tables/index.js'
import { ImportError, importCases, type ImportReport } from '../services/importer.js'
import { FileFormatError } from '../services/table-file.js'
import { openRuntime } from './bootstrap.js'
import { byteProgress } from './progress.js'

export function printReport(r: ImportReport, file: string): void {
  const out = process.stdout
  const rate = r.elapsedMs > 0 ? Math.round((r.inserted / r.elapsedMs) * 1000) : r.inserted
  out.write(`✔ ${file} → ${r.table}: 导入 ${r.inserted} 行${r.deleted ? `（先删除了原有 ${r.deleted} 行）` : ''}，用时 ${(r.elapsedMs / 1000).toFixed(1)} 秒（${rate} 行/秒）\n`)
  if (r.unknownColumns.length) out.write(`⚠ 未识别的列（没有导入）：${r.unknownColumns.join('、')}\n`)
  if (r.missingColumns.length) out.write(`ℹ 文件中没有的列（留空）：${r.missingColumns.join('、')}\n`)
  if (r.badRows.length) {
    out.write(`⚠ ${r.badRows.length} 行有问题，已跳过：\n`)
    for (const b of r.badRows.slice(0, 20)) out.write(`  第 ${b.rowNumber} 行：${b.problems.map((p) => p.message).join('；')}\n`)
    if (r.badRows.length > 20) out.write(`  …还有 ${r.badRows.length - 20} 行\n`)
  }
}

export default defineCommand({
  meta: { name: 'import', description: `Load a spreadsheet (.xlsx/.csv) into a case table: ${TABLE_KEYS.join(' | ')}` },
  args: {
    table: { type: 'positional', description: TABLE_KEYS.join(' | '), required: true },
    file: { type: 'positional', description: 'The .xlsx or .csv file (headers: seed names like kh_name or Chinese labels like 客户名称)', required: true },
    replace: { type: 'boolean', description: 'Delete the table’s existing rows first (same transaction)' },
    strict: { type: 'boolean', description: 'Import nothing if any row is bad' },
  },
  async run({ args }) {
    const spec = tableByKey(String(args.table))
    if (!spec) {
      process.stderr.write(`未知的表「${args.table}」。可选：${TABLE_KEYS.join('、')}\n`)
      process.exitCode = 2
      return
    }
    const rt = openRuntime({ quiet: true })
    const bar = byteProgress(`导入 ${spec.key}`)
    try {
      const report = await importCases(rt.db, spec, String(args.file), { replace: args.replace, strict: args.strict, onProgress: bar.update, limits: rt.config.files })
      bar.done()
      printReport(report, String(args.file))
    } catch (err) {
      bar.stop()
      if (err instanceof ImportError || err instanceof FileFormatError) {
        process.stderr.write(`✘ ${err.message}\n`)
        const rep = err instanceof ImportError ? err.report : undefined
        for (const b of rep?.badRows?.slice(0, 20) ?? []) process.stderr.write(`  第 ${b.rowNumber} 行：${b.problems.map((p) => p.message).join('；')}\n`)
        process.exitCode = 1
        return
      }
      throw err
    } finally {
      rt.db.close()
    }
  },
})
