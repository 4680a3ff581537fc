import { renderTable } from '../src/stats/terminal.js'
import type { TableKey } from '../src/tables/index.js'

/** Small helpers shared by the bench scripts: percentiles and a plain-text table. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[idx]!
}

/** Prints a titled table (columns aligned for Chinese text; same renderer as `andy stats`). */
export function printTable(
  title: string,
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
): void {
  process.stdout.write(
    `\n${title}\n${renderTable(
      header,
      rows.map((r) => r.map(String)),
    )}\n`,
  )
}

/** Sentences as reps type them over the content cases (issues 2 and 10): bench/search.ts, bench/cluster.ts. */
export const SEARCH_SENTENCES: ReadonlyArray<readonly [TableKey, string]> = [
  ['content-cases', '制造业 5000人以上 国企 的客户案例'],
  ['content-cases', '银行 中层管理者 领导力发展 的案例'],
  ['content-cases', '近两年 医药 新员工 客户案例'],
  ['content-cases', '有没有做过安全生产的央企客户案例'],
  ['content-cases', '江苏 汽车 数字化转型 案例'],
  // issue 10: as reps type them
  ['content-cases', '客户是一家制造业国企，5000人以上，想看看我们在新员工培养方面的案例'],
  ['content-cases', '非国有企业的金融案例'],
  ['content-cases', '除了国企以外的制造业客户案例'],
  ['content-cases', '零售或者餐饮的新员工案例，不要外企'],
  ['content-cases', '国企的案例有多少'],
  ['content-cases', '谢谢，麻烦帮我找一下有没有可以参考的央企案例呀'],
  ['content-cases', '银行 新员工 上万人 案例'],
  ['content-cases', '金融行业不要保险的高管案例'],
]

export function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0)
}

/** A database with `rows` generated content cases at dbPath, reused when it already holds exactly that many. */
export async function buildContentCases(dbPath: string, rows: number): Promise<void> {
  await buildCaseTables(dbPath, { 'content-cases': rows })
}

/**
 * A database at dbPath with the given number of generated rows per case table (others untouched), each
 * table reused when it already holds exactly that many.
 */
export async function buildCaseTables(dbPath: string, counts: Partial<Record<TableKey, number>>): Promise<void> {
  const { openDb } = await import('../src/db/client.js')
  const { tableCount } = await import('../src/db/case-search.js')
  const { clearCases, createCaseInserter, transaction } = await import('../src/db/case-write.js')
  const { bumpCasesVersion } = await import('../src/db/meta.js')
  const { iterateRecords } = await import('../src/demo/generate.js')
  const { prepareRow } = await import('../src/tables/rows.js')
  const { tableByKey } = await import('../src/tables/index.js')
  const db = openDb(dbPath)
  try {
    let changed = false
    for (const [key, rows] of Object.entries(counts) as Array<[TableKey, number]>) {
      const spec = tableByKey(key)!
      if (tableCount(db, spec) === rows) {
        console.log(`reusing ${dbPath} (${rows.toLocaleString()} ${key})`)
        continue
      }
      const started = Date.now()
      const insert = createCaseInserter(db, spec)
      transaction(db, () => {
        clearCases(db, spec)
        for (const record of iterateRecords(key, rows, 7)) insert(prepareRow(spec, record).row)
      })
      changed = true
      const s = (Date.now() - started) / 1000
      console.log(
        `built ${rows.toLocaleString()} ${key} in ${s.toFixed(1)} s (${Math.round(rows / s).toLocaleString()} rows/s) → ${dbPath}`,
      )
    }
    if (changed) {
      bumpCasesVersion(db)
      db.sqlite.pragma('optimize')
    }
  } finally {
    db.close()
  }
}
