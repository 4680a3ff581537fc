import { defineCommand } from 'citty'
import { loadSnapshot, storeSnapshotAfterImport } from '../search/dictionary-provider.js'
import { reportLines, writeProblemsWorkbook } from '../services/import-report.js'
import { ImportError, type ImportReport, importCases } from '../services/importer.js'
import { FileFormatError } from '../services/table-file.js'
import { TABLE_KEYS, type TableSpec, tableByKey } from '../tables/index.js'
import { openRuntime } from './bootstrap.js'
import { importToPostgres } from './cluster-import.js'
import { byteProgress } from './progress.js'

export function printReport(r: ImportReport): void {
  process.stdout.write(`${reportLines(r).join('\n')}\n`)
}

export default defineCommand({
  meta: {
    name: 'import',
    description: `Load an admin's spreadsheet (.xlsx, or .csv/.tsv/.txt in UTF-8, UTF-16 or GBK) into a case table: ${TABLE_KEYS.join(' | ')}. Without a table, the table is guessed from the headers. Rows with the same natural key (docs/tables.md) are updated in place, duplicates in the file merged.`,
  },
  args: {
    table: {
      type: 'positional',
      description: `${TABLE_KEYS.join(' | ')} (optional: guessed from the headers)`,
      required: false,
    },
    file: {
      type: 'positional',
      description:
        'The spreadsheet (headers: Chinese labels like 客户名称, seed names like kh_name, or aliases; title rows above them are skipped)',
      required: false,
    },
    'dry-run': { type: 'boolean', description: 'Check the file and print the same report, without writing anything' },
    report: { type: 'string', description: 'Write every problem (sheet, row, column, value, why) to this .xlsx' },
    sheet: {
      type: 'string',
      description: 'Read this sheet (its name, or its position from 1) instead of the one that fits best',
    },
    append: {
      type: 'boolean',
      description: 'Insert every row as new (no update by natural key, no merging of duplicates)',
    },
    replace: { type: 'boolean', description: 'Delete the table’s existing rows first (same transaction)' },
    strict: { type: 'boolean', description: 'Import nothing if any row is bad' },
  },
  async run({ args }) {
    let spec: TableSpec | undefined
    let file = args.file ? String(args.file) : undefined
    if (args.table && !file) file = String(args.table)
    else if (args.table) {
      spec = tableByKey(String(args.table))
      if (!spec) {
        process.stderr.write(
          `未知的表「${args.table}」。可选：${TABLE_KEYS.join('、')}（也可以不写表名，按表头判断）\n`,
        )
        process.exitCode = 2
        return
      }
    }
    if (!file) {
      process.stderr.write(
        '用法：andy import [表] <文件.xlsx|.csv> [--dry-run] [--report 问题.xlsx]（andy import --help 查看全部选项）\n',
      )
      process.exitCode = 2
      return
    }
    if (args.append && args.replace) {
      process.stderr.write('--append 和 --replace 不能同时使用\n')
      process.exitCode = 2
      return
    }
    const rt = openRuntime({ quiet: true })
    const bar = byteProgress(spec ? `导入 ${spec.key}` : '导入')
    let report: ImportReport | undefined
    try {
      const run = () =>
        importCases(rt.db, spec, file, {
          replace: args.replace,
          strict: args.strict,
          append: args.append,
          dryRun: args['dry-run'],
          sheet: args.sheet,
          onProgress: bar.update,
          limits: rt.config.files,
        })
      // DATABASE_URL: the import lands in PostgreSQL (the source of truth); every instance copies it.
      const before = rt.config.databaseUrl ? undefined : loadSnapshot(rt.db)
      report = rt.config.databaseUrl ? await importToPostgres(rt.config.databaseUrl, rt.db, spec, run) : await run()
      bar.done()
      // The bot's next start then has the search phrases at once (src/search/dictionary-provider.ts).
      if (!rt.config.databaseUrl && !args['dry-run']) await storeSnapshotAfterImport(rt.db, report.tableKey, before)
      printReport(report)
    } catch (err) {
      bar.stop()
      if (!(err instanceof ImportError || err instanceof FileFormatError)) throw err
      process.stderr.write(`✘ ${err.message}\n`)
      const rep = err instanceof ImportError ? err.report : undefined
      for (const b of rep?.badRows?.slice(0, 20) ?? [])
        process.stderr.write(`  第 ${b.rowNumber} 行：${b.problems.map((p) => p.message).join('；')}\n`)
      if (rep?.problems) report = rep as ImportReport
      process.exitCode = 1
    } finally {
      rt.db.close()
    }
    if (args.report && report) {
      const n = await writeProblemsWorkbook(String(args.report), report)
      process.stdout.write(`问题表：${args.report}（${n} 条）\n`)
    }
  },
})
