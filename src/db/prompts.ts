import type { Db } from './client.js'

/** Queries for the prompt tables: prompt_steps (seed ALieBiaoAndypromptsteps) and report_prompts (ALieBiaoAndyReportPromts). */

export const STEP_FIELDS = [
  'step1',
  'step2',
  'step3',
  'step4',
  'step5',
  'step6',
  'step7',
  'step8',
  'step9',
  'step10',
  'step11',
  'step12',
] as const
export type StepField = (typeof STEP_FIELDS)[number]

export interface PromptStepInput {
  version: string
  step_type: string
  step_name?: string | null
  prompt?: string | null
  /** step1..step12 */
  steps?: Partial<Record<StepField, string | null>>
}

export interface PromptStepRow {
  id: number
  version: string
  step_type: string
  step_name: string | null
  prompt: string | null
  step1: string | null
  step2: string | null
  step3: string | null
  step4: string | null
  step5: string | null
  step6: string | null
  step7: string | null
  step8: string | null
  step9: string | null
  step10: string | null
  step11: string | null
  step12: string | null
}

export const REPORT_FIELDS = [
  'app_catalog',
  'app_name',
  'app_id',
  'app_url',
  'currNodeInstanceId',
  'order_index',
  'prompt',
  'step1',
  'step2',
  'step3',
] as const

export interface ReportPromptRow {
  id: number
  app_catalog: string | null
  app_name: string | null
  app_id: string | null
  app_url: string | null
  currNodeInstanceId: string | null
  order_index: number
  prompt: string | null
  step1: string | null
  step2: string | null
  step3: string | null
}

export type ReportPromptInput = Omit<ReportPromptRow, 'id'>

/** 1.10 > 1.9 > 1.2.1 > 1.2: numeric parts compared left to right; non-numeric parts as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a
    .trim()
    .replace(/^v/i, '')
    .split(/[.\-_]/)
  const pb = b
    .trim()
    .replace(/^v/i, '')
    .split(/[.\-_]/)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0'
    const y = pb[i] ?? '0'
    const nx = Number(x)
    const ny = Number(y)
    const c = Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y)
    if (c !== 0) return c
  }
  return 0
}

export function promptVersions(db: Db, stepTypes?: readonly string[]): string[] {
  const rows = (
    stepTypes?.length
      ? db.sqlite
          .prepare(
            `SELECT DISTINCT version FROM prompt_steps WHERE step_type IN (${stepTypes.map(() => '?').join(',')})`,
          )
          .all(...stepTypes)
      : db.sqlite.prepare('SELECT DISTINCT version FROM prompt_steps').all()
  ) as Array<{ version: string }>
  return rows.map((r) => r.version).sort((a, b) => compareVersions(b, a))
}

export function listPromptSteps(db: Db, f: { version?: string; stepTypes?: readonly string[] } = {}): PromptStepRow[] {
  const where: string[] = []
  const params: string[] = []
  if (f.version !== undefined) {
    where.push('version = ?')
    params.push(f.version)
  }
  if (f.stepTypes?.length) {
    where.push(`step_type IN (${f.stepTypes.map(() => '?').join(',')})`)
    params.push(...f.stepTypes)
  }
  const sql = `SELECT id, version, step_type, step_name, prompt, ${STEP_FIELDS.join(', ')} FROM prompt_steps${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`
  const rows = db.sqlite.prepare(sql).all(...params) as PromptStepRow[]
  return f.version === undefined ? rows.sort((a, b) => compareVersions(b.version, a.version) || a.id - b.id) : rows
}

export function countPromptSteps(db: Db): number {
  return (db.sqlite.prepare('SELECT count(*) AS n FROM prompt_steps').get() as { n: number }).n
}

/** Inserts rows in one transaction; the versions present in `rows` are replaced first (re-import = update). */
export function replacePromptVersions(db: Db, rows: readonly PromptStepInput[]): { inserted: number; deleted: number } {
  const versions = [...new Set(rows.map((r) => r.version))]
  const del = db.sqlite.prepare('DELETE FROM prompt_steps WHERE version = ?')
  const ins = db.sqlite.prepare(
    `INSERT INTO prompt_steps (version, step_type, step_name, prompt, ${STEP_FIELDS.join(', ')}) VALUES (?, ?, ?, ?, ${STEP_FIELDS.map(() => '?').join(', ')})`,
  )
  return db.sqlite.transaction(() => {
    let deleted = 0
    for (const v of versions) deleted += del.run(v).changes
    for (const r of rows)
      ins.run(
        r.version,
        r.step_type,
        r.step_name ?? null,
        r.prompt ?? null,
        ...STEP_FIELDS.map((f) => r.steps?.[f] ?? null),
      )
    return { inserted: rows.length, deleted }
  })()
}

export function listReportPrompts(
  db: Db,
  f: { appCatalog?: string; appName?: string; appId?: string } = {},
): ReportPromptRow[] {
  const where: string[] = []
  const params: string[] = []
  if (f.appCatalog) {
    where.push('app_catalog = ?')
    params.push(f.appCatalog)
  }
  if (f.appName) {
    where.push('app_name = ?')
    params.push(f.appName)
  }
  if (f.appId) {
    where.push('app_id = ?')
    params.push(f.appId)
  }
  const sql = `SELECT id, ${REPORT_FIELDS.join(', ')} FROM report_prompts${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY order_index, id`
  return db.sqlite.prepare(sql).all(...params) as ReportPromptRow[]
}

export function countReportPrompts(db: Db): number {
  return (db.sqlite.prepare('SELECT count(*) AS n FROM report_prompts').get() as { n: number }).n
}

/** Replaces every report prompt (the sheet is the whole list) in one transaction. */
export function replaceReportPrompts(
  db: Db,
  rows: readonly ReportPromptInput[],
): { inserted: number; deleted: number } {
  const ins = db.sqlite.prepare(
    `INSERT INTO report_prompts (${REPORT_FIELDS.join(', ')}) VALUES (${REPORT_FIELDS.map(() => '?').join(', ')})`,
  )
  return db.sqlite.transaction(() => {
    const deleted = db.sqlite.prepare('DELETE FROM report_prompts').run().changes
    for (const r of rows) ins.run(...REPORT_FIELDS.map((f) => r[f] ?? (f === 'order_index' ? 0 : null)))
    return { inserted: rows.length, deleted }
  })()
}
