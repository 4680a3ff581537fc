import { join } from 'node:path'
import { defineCommand } from 'citty'
import { localDate } from '../core/clock.js'
import { transaction } from '../db/case-write.js'
import { bumpCasesVersion } from '../db/meta.js'
import { checkData, healthLines, writeHealthWorkbook } from '../search/data-health.js'
import { Taxonomy } from '../search/taxonomy.js'
import { defaultTaxonomyPath } from '../search/taxonomy-file.js'
import { removeDemoRows } from '../services/demo-data.js'
import { exportDir } from '../stats/files.js'
import { openRuntime } from './bootstrap.js'
import { changeCasesFromCli, pullCasesForCli } from './cluster-import.js'

/**
 * andy data check | clear-demo: the case tables' health, and removing demo rows from a real database. With
 * DATABASE_URL both work on PostgreSQL's case tables (through the local copy, brought up to date first).
 */

const check = defineCommand({
  meta: {
    name: 'check',
    description:
      'Data health: duplicate records (natural key), labels written two ways (江苏/江苏省), labels missing from the taxonomy, rows without size or year numbers, demo rows; a short report plus an .xlsx',
  },
  args: {
    out: { type: 'string', description: "The workbook (default <DB_PATH's folder>/exports/数据体检-<date>.xlsx)" },
  },
  async run({ args }) {
    const rt = openRuntime({ quiet: true })
    try {
      await pullCasesForCli(rt.config.databaseUrl, rt.db)
      let taxonomy: Taxonomy | undefined
      try {
        taxonomy = Taxonomy.load(rt.config.taxonomyFile ?? defaultTaxonomyPath())
      } catch (err) {
        process.stderr.write(`⚠ 分类表读不了，跳过标签归类检查：${(err as Error).message}\n`)
      }
      const report = checkData(rt.db, taxonomy)
      process.stdout.write(`${healthLines(report).join('\n')}\n`)
      const out = args.out ? String(args.out) : join(exportDir(rt.config), `数据体检-${localDate(Date.now())}.xlsx`)
      await writeHealthWorkbook(out, report)
      process.stdout.write(`明细：${out}\n`)
    } finally {
      rt.db.close()
    }
  },
})

const clearDemo = defineCommand({
  meta: {
    name: 'clear-demo',
    description: 'Delete the demo rows (loaded by andy seed / andy demo) from every case table; real rows stay',
  },
  args: {},
  async run() {
    const rt = openRuntime({ quiet: true })
    try {
      const removed = await changeCasesFromCli(rt.config.databaseUrl, rt.db, async () => {
        const r = transaction(rt.db, () => {
          const r = removeDemoRows(rt.db)
          if (r.length) bumpCasesVersion(rt.db)
          return r
        })
        return { result: r, changed: r.length > 0, tables: r.map((x) => x.spec) }
      })
      process.stdout.write(
        removed.length
          ? `✔ 已删除演示数据：${removed.map((r) => `${r.spec.title} ${r.removed} 行`).join('、')}\n`
          : '没有演示数据。\n',
      )
    } finally {
      rt.db.close()
    }
  },
})

export default defineCommand({
  meta: { name: 'data', description: 'The case data: check (数据体检) | clear-demo' },
  subCommands: { check, 'clear-demo': clearDemo },
})
