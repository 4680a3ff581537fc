import { writeFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import type { BotContext } from '../bot/context.js'
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
import { type Action, ANNOUNCE_MS, bare, IMPORT_CMD, IMPORT_HELP, NOT_ADMIN } from './admin-import.js'
import {
  clearPendingImport,
  importDir,
  loadPendingImport,
  type PendingImport,
  pendingFileHere,
  savePendingImport,
  tableNamed,
} from './admin-import-state.js'
import { downloadAttachment, fileOf } from './inbound-file.js'
import { lazyHandler } from './lazy.js'

/** 导入 from DingTalk: the dry run, 确认导入 and the commands (the resolvers are in admin-import.ts). */

/** 报告解读, for files an admin sends that are not an import (loaded on first use). */
const reportHandler = lazyHandler(async () => (await import('./report.js')).reportHandler)

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
