import { column, tableByKey } from '../tables/index.js'
import { writeWorkbook } from './excel.js'
import type { ImportReport } from './import-types.js'

/**
 * An import's report as the admin reads it — in the terminal (`andy import`) and in DingTalk (the
 * chat import) — and the problems workbook: one row per problem (sheet, row, column, value, why).
 */

export interface ReportTextOptions {
  /** DingTalk markdown (bold, escaped) instead of terminal text. */
  readonly markdown?: boolean
  /** Skipped rows / merges listed at most. */
  readonly maxRows?: number
}

const md = (s: string) => s.replace(/([\\`*_[\]#>|])/g, '\\$1')

/** The counts line: 新增 · 更新 · 未变 · 合并 · 跳过. */
export function countsLine(r: ImportReport): string {
  const parts = [
    `新增 ${r.inserted}`,
    `更新 ${r.updated}`,
    `未变 ${r.unchanged}`,
    `合并 ${r.merged}`,
    `跳过 ${r.badRows.length}`,
  ]
  return `读到 ${r.rowsRead} 行：${parts.join(' · ')}`
}

export function reportLines(r: ImportReport, o: ReportTextOptions = {}): string[] {
  const esc = o.markdown ? md : (s: string) => s
  const b = (s: string) => (o.markdown ? `**${s}**` : s)
  const max = o.maxRows ?? 20
  const spec = tableByKey(r.tableKey)!
  const label = (c: string) => spec.columns.find((x) => x.name === c)?.label ?? c
  const lines: string[] = []
  const verb = r.dryRun ? '试导入（没有写入任何数据）' : '已导入'
  lines.push(
    `${r.dryRun ? '☐' : '✔'} ${b(esc(r.file))} → ${b(`${spec.title}`)}（${spec.key}）${verb}${r.guessed ? '（按表头判断的表）' : ''}`,
  )
  const where: string[] = []
  if (r.sheet) where.push(`工作表「${esc(r.sheet)}」`)
  where.push(r.headerRow > 1 ? `表头在第 ${r.headerRow} 行（上面 ${r.headerRow - 1} 行已跳过）` : '表头在第 1 行')
  if (r.encoding) where.push(`编码 ${r.encoding}${r.delimiter ? `，${r.delimiter}分隔` : ''}`)
  lines.push(where.join('，'))
  lines.push(countsLine(r) + (r.deleted ? `（先删除了原有 ${r.deleted} 行）` : ''))
  if (r.elapsedMs > 0 && !r.dryRun) lines.push(`用时 ${(r.elapsedMs / 1000).toFixed(1)} 秒`)
  for (const d of r.demoRemoved)
    lines.push(`ℹ ${r.dryRun ? '将删除' : '已删除'}「${d.title}」的 ${d.rows} 行演示数据（演示数据不进生产库）`)
  if (r.units.length)
    lines.push(
      `ℹ 按表头单位换算：${r.units.map((u) => `「${esc(u.header)}」×${u.factor.toLocaleString('en-US')}`).join('、')}`,
    )
  if (r.unknownColumns.length) lines.push(`⚠ 未识别的列（没有导入）：${esc(r.unknownColumns.join('、'))}`)
  if (r.missingColumns.length)
    lines.push(`ℹ 文件中没有的列（新行留空，已有的行保持原值）：${r.missingColumns.map(label).join('、')}`)
  if (r.merges.length) {
    lines.push(`ℹ 文件里重复的记录（${r.keyLabels.join('+')}相同）合并了 ${r.merges.length} 行：`)
    for (const m of r.merges.slice(0, max))
      lines.push(
        `  第 ${m.rowNumber} 行并入第 ${m.intoRow} 行${m.changed.length ? `（覆盖了${m.changed.map(label).join('、')}）` : ''}`,
      )
    if (r.merges.length > max) lines.push(`  …还有 ${r.merges.length - max} 行`)
  }
  if (r.badRows.length) {
    lines.push(`⚠ ${r.badRows.length} 行有问题，${r.aborted ? '（--strict）整个文件没有导入' : '已跳过'}：`)
    for (const bad of r.badRows.slice(0, max))
      lines.push(`  第 ${bad.rowNumber} 行：${esc(bad.problems.map((p) => p.message).join('；'))}`)
    if (r.badRows.length > max) lines.push(`  …还有 ${r.badRows.length - max} 行（完整清单见问题表）`)
  }
  if (r.otherSheets.length)
    lines.push(
      `ℹ 工作表${r.otherSheets.map((s) => `「${esc(s)}」`).join('')}也像这张表，没有导入（需要时用 --sheet 指定，或分开导入）`,
    )
  return lines
}

/** The problems workbook: one row per problem, plus the summary. Returns the number of problems. */
export async function writeProblemsWorkbook(path: string, r: ImportReport): Promise<number> {
  const levels: Record<string, string> = { error: '未导入', warning: '列未导入', info: '说明' }
  await writeWorkbook(path, [
    {
      name: '问题',
      autoFilter: true,
      columns: [
        { key: 'sheet', header: '工作表' },
        { key: 'row', header: '行号', kind: 'number' },
        { key: 'column', header: '列' },
        { key: 'value', header: '值' },
        { key: 'level', header: '处理' },
        { key: 'message', header: '原因', width: 60, wrap: true },
      ],
      rows: r.problems.map((p) => ({
        sheet: p.sheet || r.file,
        row: p.row ?? null,
        column: p.column ?? '',
        value: p.value ?? '',
        level: levels[p.level],
        message: p.message,
      })),
    },
    {
      name: '汇总',
      columns: [
        { key: 'k', header: '项目' },
        { key: 'v', header: '结果', width: 60, wrap: true },
      ],
      rows: [
        { k: '文件', v: r.file },
        { k: '导入到', v: `${r.title}（${r.tableKey}）` },
        { k: '工作表', v: r.sheet ?? '' },
        { k: '表头行', v: String(r.headerRow) },
        { k: '结果', v: `${r.dryRun ? '试导入，没有写入；' : ''}${countsLine(r)}` },
        { k: '判断同一条记录的列', v: r.keyLabels.join('+') },
        { k: '未识别的列', v: r.unknownColumns.join('、') },
      ],
    },
  ])
  return r.problems.length
}

/** The column labels of a table's natural key, e.g. 客户名称+竞品名称. */
export function keyText(tableKey: string, keys: readonly string[]): string {
  const spec = tableByKey(tableKey)!
  return keys.map((k) => column(spec, k).label).join('+')
}
