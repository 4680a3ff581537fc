import { extname } from 'node:path'
import type { BotContext } from '../bot/context.js'
import type { Decision, Router } from '../bot/router.js'
import { storesOf } from '../db/stores/index.js'
import { clearPendingImport, loadPendingImport, PENDING_TTL_MS } from './admin-import-state.js'

import { fileOf } from './inbound-file.js'
import { lazyHandler } from './lazy.js'

/**
 * Import from DingTalk (admins, ANDY_ADMIN_STAFF_IDS, in a 1:1 chat): the admin sends a spreadsheet —
 * optionally after 「导入 客户案例」 — and Andy guesses the table, replies with the dry run's report and
 * 「回复 确认导入 或 取消」; 确认导入 imports in one transaction, replies with the summary, sends the
 * problems workbook and makes the running bot's search see the rows at once. 「导入 <表>」 with a file
 * waiting re-checks it against that table. Others get a polite refusal; 「导入」 alone explains how.
 * 「数据体检」 is here too (data-check.ts). Registration: `registerAdminData(router)`, once.
 */

export const IMPORT_INTENT = 'admin-import'
export const DATA_CHECK_INTENT = 'data-check'
/** A 「导入 …」 this recent says the next file is to be imported. */
export const ANNOUNCE_MS = 10 * 60_000
const TABLE_EXTS = new Set(['.xlsx', '.csv', '.tsv', '.txt', '.xls'])
export const IMPORT_CMD = /^[/／]?导入(?:到|进)?\s*[:：]?\s*(.*)$/
const CONFIRM = /^(确认导入|确定导入|确认|确定)$/
const CANCEL = /^(取消|取消导入|不导入|算了)$/

export const bare = (s: string) =>
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

export const NOT_ADMIN =
  '导入数据和数据体检只对管理员开放。如需更新案例库，请联系管理员（在 ANDY_ADMIN_STAFF_IDS 里的同事）。'

export type Action = 'file' | 'confirm' | 'cancel' | 'command'

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

/** The one registration of the admins' data features: their resolvers ahead of the generic ones, and handlers. */
export function registerAdminData(router: Router): void {
  router.resolve('control', adminControlResolver)
  router.resolve('msgtype', adminFileResolver)
  // The handlers (the importer, Excel, the data check) are loaded by the first admin message that needs them.
  router.handle(
    IMPORT_INTENT,
    lazyHandler(async () => (await import('./admin-import-run.js')).adminImportHandler),
  )
  router.handle(
    DATA_CHECK_INTENT,
    lazyHandler(async () => (await import('./data-check.js')).dataCheckHandler),
  )
}
