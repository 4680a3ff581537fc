import { writeFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import type { BotContext } from '../bot/context.js'
import type { Decision, Router } from '../bot/router.js'
import { UserError } from '../core/errors.js'
import { escapeMd } from '../core/markdown.js'
import { storesOf } from '../db/stores/index.js'
import { describeFileError } from '../services/file-messages.js'
import { reportLines, writeProblemsWorkbook } from '../services/import-report.js'
import { importChange } from '../services/import-types.js'
import { ImportError, type ImportReport, importCases } from '../services/importer.js'
import { FileFormatError } from '../services/table-file.js'
import { messageFilePath } from '../stats/files.js'
import { type TableSpec, tableByKey } from '../tables/index.js'
import {
  clearPendingImport,
  importDir,
  loadPendingImport,
  PENDING_TTL_MS,
  type PendingImport,
  pendingFileHere,
  savePendingImport,
  tableNamed,
} from './admin-import-state.js'
import { DATA_CHECK_INTENT, dataCheckHandler } from './data-check.js'
import { downloadAttachment, fileOf } from './inbound-file.js'
import { reportHandler } from './report.js'

/**
 * Import from DingTalk (admins, ANDY_ADMIN_STAFF_IDS, in a 1:1 chat): the admin sends a spreadsheet —
 * optionally after 「导入 客户案例」 — and Andy guesses the table, replies with the dry run's report and
 * 「回复 确认导入 或 取消」; 确认导入 imports in one transaction, replies with the summary, sends the
 * problems workbook and makes the running bot's search see the rows at once. 「导入 <表>」 with a file
 * waiting re-checks it against that table. Others get a polite refusal; 「导入」 alone explains how.
 * 「数据体检」 is here too (data-check.ts). Registration: `registerAdminData(router)`, once.
 */

export const IMPORT_INTENT = 'admin-import'
/** A 「导入 …」 this recent says the next file is to be imported. */
export const ANNOUNCE_MS = 10 * 60_000
const TABLE_EXTS = new Set(['.xlsx', '.csv', '.tsv', '.txt', '.xls'])
const IMPORT_CMD = /^[/／]?导入(?:到|进)?\s*[:：]?\s*(.*)$/
const CONFIRM = /^(确认导入|确定导入|确认|确定)$/
const CANCEL = /^(取消|取消导入|不导入|算了)$/

const bare = (s: string) =>
  s
    .normalize('NFKC')
    .trim()
    .replace(/[\s。.!！~～]+$/g, '')

export const IMPORT_HELP = [
  '**导入数据**（管理员）：在和 Andy 的**单聊**里把 Excel（.xlsx）或 CSV 文件发给我（20 MB 以内）。',
  '',
  '我会按表头判断是哪张表（也可以先发「导入 客户案例」「导入 竞对切换」等指定），先试导入并告诉你：新增、更新、未变、合并、跳过多少行、哪些列不认识；你回复 **确认导入** 才写入，回复 **取消** 放弃。',
  '表头写法见 docs/tables.md；同一客户的记录再次导入会更新，不会重复。',
].join('\n')

const NOT_ADMIN = '导入数据和数据体检只对管理员开放。如需更新案例库，请联系管理员（在 ANDY_ADMIN_STAFF_IDS 里的同事）。'

type Action = 'file' | 'confirm' | 'cancel' | 'command'

/** Router stage 'control': 确认导入 / 取消 (a file waiting), 「导入 …」 and 「数据体检」. */
export function adminControlResolver(ctx: BotContext): Decision | undefined {
  if (ctx.msg.msgtype !== undefined && !['text', 'richText'].includes(ctx.msg.msgtype)) return undefined
  const t = bare(ctx.text)
  if (t === '数据体检' || t === '/数据体检') return { intent: DATA_CHECK_INTENT }
  const pending = loadPendingImport(ctx)
  if (pending && ctx.now() - pending.at > PENDING_TTL_MS) {
    clearPendingImport(ctx, pending)
    ctx.notes.push(
      `之前发来的「${pending.fileName}」等待确认超过 ${PENDING_TTL_MS / 60_000} 分钟，已放弃；需要时重新发送文件。`,
    )
    return CONFIRM.test(t) ? act(ctx, 'confirm') : undefined
  }
  if (CONFIRM.test(t) && (pending || t.includes('导入'))) return act(ctx, 'confirm')
  if (pending && CANCEL.test(t)) return act(ctx, 'cancel')
  if (IMPORT_CMD.test(t)) return act(ctx, 'command')
  return undefined
}

function act(ctx: BotContext, action: Action): Decision {
  ctx.state.importAction = action
  return { intent: IMPORT_INTENT }
}

/** Router stage 'msgtype' (after the ops report's): a spreadsheet from an admin in a 1:1 chat, or after 「导入」. */
export async function adminFileResolver(ctx: BotContext): Promise<Decision | undefined> {
  const file = fileOf(ctx.msg)
  if (!file || !TABLE_EXTS.has(extname(file.fileName ?? '').toLowerCase())) return undefined
  const announced = await storesOf(ctx.deps).inbox.recentRequest({
    conversationId: ctx.conversationId,
    senderStaffId: ctx.msg.senderStaffId ?? ctx.userId,
    intent: IMPORT_INTENT,
    sinceMs: ctx.now() - ANNOUNCE_MS,
    beforeId: ctx.inboxId,
  })
  if (announced === undefined && !(ctx.isAdmin && !ctx.isGroup)) return undefined
  ctx.state.importAnnounced = announced
  return act(ctx, 'file')
}

async function dryRun(
  ctx: BotContext,
  p: Omit<PendingImport, 'kind' | 'at' | 'resume' | 'table'>,
  spec: TableSpec | undefined,
  announced: boolean,
): Promise<void> {
  const files = ctx.deps.config.files
  let report: ImportReport
  try {
    report = await importCases(
      ctx.deps.db,
      spec,
      { path: p.path, fileName: p.fileName },
      { dryRun: true, buffered: true, limits: files, now: ctx.now() },
    )
  } catch (err) {
    if (err instanceof ImportError) {
      if (!announced && !spec && (err.code === 'no_header' || err.code === 'no_table' || err.code === 'empty'))
        return notATable(ctx, p)
      // Kept: 「导入 <表>」 re-checks the same file against another table.
      savePendingImport(ctx, { ...p, table: undefined })
      const other = err.betterTable ? tableByKey(err.betterTable) : undefined
      const next = other
        ? `回复 **导入 ${other.title}** 按「${other.title}」导入`
        : '回复 **导入 表名**（如 导入 客户案例）指定表'
      throw new UserError(
        'import_wrong_table',
        `${escapeMd(err.message.replace(/：andy import .*$/, '。'))}\n\n${next}，或回复 **取消**。`,
      )
    }
    if (err instanceof FileFormatError) {
      clearPendingImport(ctx, { kind: 'admin-import', ...p, at: 0 })
      throw new UserError('import_file', err.fileError ? describeFileError(err.fileError, p.fileName) : err.message)
    }
    throw err
  }
  savePendingImport(ctx, { ...p, table: report.tableKey })
  ctx.result.filters = { file: p.fileName, table: report.tableKey, dry_run: true }
  const lines = reportLines(report, { markdown: true, maxRows: 10 })
  await ctx.reply(
    `${lines.join('  \n')}\n\n回复 **确认导入** 写入，或回复 **取消**。${report.problems.length ? '确认后我会把问题清单发给你。' : ''}`,
    { title: '试导入结果' },
  )
}

/** Not a case table and nobody said 导入: the admin meant 报告解读. */
async function notATable(ctx: BotContext, p: { path: string; fileName: string }): Promise<void> {
  clearPendingImport(ctx, { kind: 'admin-import', ...p, msgId: '', at: 0 })
  ctx.intent = 'report'
  ctx.result.intent = 'report'
  await reportHandler(ctx)
}

async function onFile(ctx: BotContext): Promise<void> {
  const file = fileOf(ctx.msg)!
  const announcedText = ctx.state.importAnnounced as string | undefined
  if (!ctx.isAdmin) throw new UserError('import_not_admin', NOT_ADMIN)
  const { buffer, fileName = file.fileName ?? 'file.xlsx' } = await downloadAttachment(ctx, file)
  const path = join(
    importDir(ctx.deps.config, ctx.now()),
    `${ctx.msg.msgId.replace(/[^A-Za-z0-9_-]/g, '').slice(-40)}${extname(fileName).toLowerCase()}`,
  )
  writeFileSync(path, buffer)
  const spec = announcedText ? tableNamed(announcedText.replace(IMPORT_CMD, '$1')) : undefined
  const p = { path, fileName, msgId: ctx.msg.msgId, downloadCode: file.downloadCode }
  await dryRun(ctx, p, spec, announcedText !== undefined)
}

/** The pending file's bytes again (another instance received it). */
const downloadAgain = (ctx: BotContext) => async (downloadCode: string) =>
  (await downloadAttachment(ctx, { kind: 'file', downloadCode })).buffer

async function onConfirm(ctx: BotContext): Promise<void> {
  const pending = loadPendingImport(ctx)
  if (!pending)
    throw new UserError(
      'import_nothing',
      '没有等待确认的导入（可能已经导入完成，或已取消、已过期）。要导入请重新把文件发给我。',
    )
  const spec = pending.table ? tableByKey(pending.table) : undefined
  if (!spec)
    throw new UserError(
      'import_no_table',
      `「${pending.fileName}」还没有确定导入哪张表：请回复 **导入 表名**（如 导入 客户案例），或 **取消**。`,
    )
  const p = await pendingFileHere(ctx, pending, downloadAgain(ctx))
  let report: ImportReport
  try {
    // PostgreSQL: under the cases lock, pushed with a new cases version (every instance copies it).
    report = await storesOf(ctx.deps).cases.change(ctx.deps.db, async () =>
      importChange(
        await importCases(
          ctx.deps.db,
          spec,
          { path: p.path, fileName: p.fileName },
          { buffered: true, limits: ctx.deps.config.files, now: ctx.now() },
        ),
        spec,
      ),
    )
  } finally {
    // ImportError / FileFormatError: answered by the router's error table (user-errors.ts).
    clearPendingImport(ctx, p)
  }
  // The next search rebuilds the index from the new data (not in the background): the rows are found at once.
  ctx.deps.dictionary.invalidate()
  ctx.result.filters = { file: p.fileName, table: spec.key, inserted: report.inserted, updated: report.updated }
  ctx.logger.info(
    {
      table: spec.key,
      file: p.fileName,
      inserted: report.inserted,
      updated: report.updated,
      unchanged: report.unchanged,
      merged: report.merged,
      skipped: report.badRows.length,
    },
    'chat import committed',
  )
  await ctx.reply(reportLines(report, { markdown: true, maxRows: 10 }).join('  \n'), { title: '导入完成' })
  if (report.problems.length) {
    const name = `${p.fileName.replace(/\.[^.]+$/, '')}-导入问题.xlsx`
    const out = messageFilePath(ctx.deps.config, ctx.msg.msgId, name)
    await writeProblemsWorkbook(out, report)
    await ctx.replyFile({ kind: 'file', path: out, fileName: name })
  }
}

async function onCommand(ctx: BotContext): Promise<void> {
  if (!ctx.isAdmin) throw new UserError('import_not_admin', NOT_ADMIN)
  const words = bare(ctx.text).replace(IMPORT_CMD, '$1')
  const spec = tableNamed(words)
  const pending = loadPendingImport(ctx)
  if (pending && spec) {
    const { path, fileName, msgId, downloadCode } = await pendingFileHere(ctx, pending, downloadAgain(ctx))
    await dryRun(ctx, { path, fileName, msgId, downloadCode }, spec, true)
    return
  }
  if (ctx.isGroup) {
    await ctx.reply('群里机器人收不到文件：请在和 Andy 的**单聊**里发送「导入」和文件。')
    return
  }
  if (words && !spec) {
    await ctx.reply(
      `没有「${escapeMd(words)}」这张表。可以导入：${['客户案例', '打单方案', '竞对切换', '采购（内容产品售卖）', '软件客户（平台合作客户）'].join('、')}。\n\n${IMPORT_HELP}`,
    )
    return
  }
  await ctx.reply(
    spec
      ? `好的，请在 ${ANNOUNCE_MS / 60_000} 分钟内把「${spec.title}」的 Excel 或 CSV 文件发给我，我先试导入给你看。`
      : IMPORT_HELP,
    { title: '导入数据' },
  )
}

export async function adminImportHandler(ctx: BotContext): Promise<void> {
  const action = (ctx.state.importAction as Action | undefined) ?? (fileOf(ctx.msg) ? 'file' : 'command')
  if (action === 'file') return onFile(ctx)
  if (!ctx.isAdmin) throw new UserError('import_not_admin', NOT_ADMIN)
  if (action === 'confirm') return onConfirm(ctx)
  if (action === 'cancel') {
    const p = loadPendingImport(ctx)
    if (p) clearPendingImport(ctx, p)
    await ctx.reply(p ? `好的，「${escapeMd(p.fileName)}」不导入了，没有写入任何数据。` : '没有等待确认的导入。')
    return
  }
  return onCommand(ctx)
}

/** The one registration of the admins' data features: their resolvers ahead of the generic ones, and handlers. */
export function registerAdminData(router: Router): void {
  router.resolve('control', adminControlResolver)
  router.resolve('msgtype', adminFileResolver)
  router.handle(IMPORT_INTENT, adminImportHandler)
  router.handle(DATA_CHECK_INTENT, dataCheckHandler)
}
