import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import type { BotContext } from '../bot/context.js'
import type { AppConfig } from '../config.js'
import { UserError } from '../core/errors.js'
import { TABLES, type TableKey, type TableSpec } from '../tables/index.js'

/**
 * The chat import's pending file: after the dry run, the spreadsheet waits on disk
 * (`<DB_PATH's folder>/imports/`) and its pointer in conversation_state.workflow (per admin and
 * conversation, across restarts) until 确认导入, 取消, or PENDING_TTL_MS. A workflow it displaced
 * (an activity design) is kept inside and put back afterwards.
 */

export interface PendingImport {
  kind: 'admin-import'
  path: string
  fileName: string
  /** The table of the dry run (undefined: the file fits none yet; 「导入 <表>」 names it). */
  table?: TableKey
  msgId: string
  /** The file's DingTalk download code: another instance (PostgreSQL) downloads it again to its own disk. */
  downloadCode?: string
  at: number
  resume?: string | null
}

export const PENDING_TTL_MS = 30 * 60_000

function raw(ctx: BotContext): string | null {
  return ctx.conversation.workflow
}

export function loadPendingImport(ctx: BotContext): PendingImport | undefined {
  const r = raw(ctx)
  if (!r) return undefined
  try {
    const v = JSON.parse(r) as PendingImport
    return v.kind === 'admin-import' && typeof v.path === 'string' ? v : undefined
  } catch {
    return undefined
  }
}

export function savePendingImport(ctx: BotContext, p: Omit<PendingImport, 'kind' | 'resume' | 'at'>): void {
  const prev = loadPendingImport(ctx)
  if (prev && prev.path !== p.path) rmSync(prev.path, { force: true })
  const resume = prev ? (prev.resume ?? null) : raw(ctx)
  const value: PendingImport = { kind: 'admin-import', ...p, at: ctx.now(), resume }
  void ctx.conversation.setWorkflow(JSON.stringify(value), ctx.now())
}

/** Ends the pending import: its file deleted, the displaced workflow back. */
export function clearPendingImport(ctx: BotContext, p: PendingImport): void {
  rmSync(p.path, { force: true })
  void ctx.conversation.setWorkflow(p.resume ?? null, ctx.now())
}

/** Where files wait for 确认导入; files older than a day (an admin who never answered) are removed. */
export function importDir(config: Pick<AppConfig, 'dbPath'>, now: number): string {
  const dir =
    config.dbPath === ':memory:' || config.dbPath.startsWith('file:')
      ? join(tmpdir(), 'andy-imports')
      : join(dirname(config.dbPath), 'imports')
  mkdirSync(dir, { recursive: true })
  for (const f of readdirSync(dir)) {
    const p = join(dir, f)
    try {
      if (now - statSync(p).mtimeMs > 24 * 3600_000) rmSync(p, { force: true })
    } catch {
      // gone meanwhile
    }
  }
  return dir
}

/**
 * Words that name a table in 「导入 <表>」, from its spec: its short name, command prefixes, 统计 words and
 * the sentence words that clearly mean it (weight ≥ 2; tables/words.ts) — a registered table is named too.
 */
function wordsOf(spec: TableSpec): string[] {
  const w = spec.words
  return [w.shortName, ...w.prefixes, ...w.statsWords, ...w.phrases.filter(([k]) => k >= 2).flatMap(([, ws]) => ws)]
}

/** The table a few words name (「客户案例」, 「竞对切换」, 「procurements」), longest match first. */
export function tableNamed(text: string): TableSpec | undefined {
  const t = text.normalize('NFKC').toLowerCase().replace(/\s+/g, '')
  if (!t) return undefined
  let best: { spec: TableSpec; len: number } | undefined
  for (const spec of TABLES) {
    for (const w of [spec.key, spec.table, spec.title, ...wordsOf(spec)]) {
      if (t.includes(w.toLowerCase()) && (!best || w.length > best.len)) best = { spec, len: w.length }
    }
  }
  return best?.spec
}

/**
 * The pending file on this instance's disk. With several instances (PostgreSQL) 确认导入 may reach one
 * that did not receive the file: it downloads the file again by its code, or asks for the file again.
 */
export async function pendingFileHere(
  ctx: BotContext,
  p: PendingImport,
  download: (downloadCode: string) => Promise<Buffer>,
): Promise<PendingImport> {
  if (existsSync(p.path)) return p
  const again = `「${p.fileName}」已不在这台服务器上（多实例部署时确认消息可能由另一台处理），请重新把文件发给我。`
  if (!p.downloadCode) throw new UserError('import_file_gone', again)
  let bytes: Buffer
  try {
    bytes = await download(p.downloadCode)
  } catch (err) {
    ctx.logger.warn({ err, fileName: p.fileName }, 'pending import file not downloaded again')
    throw new UserError('import_file_gone', again)
  }
  const path = join(importDir(ctx.deps.config, ctx.now()), basename(p.path))
  writeFileSync(path, bytes)
  return { ...p, path }
}
