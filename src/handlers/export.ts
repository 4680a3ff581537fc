import type { BotContext } from '../bot/context.js'
import { localDateTime } from '../core/clock.js'
import { UserError } from '../core/errors.js'
import { escapeMd } from '../core/markdown.js'
import { countMatches, iterateMatches } from '../search/service.js'
import { loadLastSearch } from './search.js'
import { cleanOldExports, exportSearch, MAX_EXPORT_ROWS, MB, searchExportDir } from './search-export.js'

/**
 * 导出: every row matching the user's last search in this conversation (not only the page shown) as an
 * .xlsx (结果 + 查询条件), sent to the same conversation as a file: media/upload + sampleFile through the
 * robot OpenAPI in DingTalk, a local path in andy chat / ask. Nothing matches → no empty file.
 */

export const FILES_OUT_NEED_APP =
  '发送 Excel 文件需要接入钉钉企业内部应用（管理员配置 DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET），目前只能在对话里查看结果。'

function stamp(ms: number): string {
  return localDateTime(ms).slice(0, 16).replace(/[-:]/g, '').replace(' ', '-')
}

export async function exportHandler(ctx: BotContext): Promise<void> {
  const last = loadLastSearch(ctx.conversation.lastSearch)
  if (!last) {
    await ctx.reply(
      '还没有可以导出的搜索结果。先问一个问题，例如：**制造业 5000人以上 国企 的客户案例**，再回复 **导出** 下载全部结果。',
    )
    return
  }
  // Files go through the OpenAPI: without the app, or to an external 1:1 user (no staff id), they cannot.
  if (ctx.source !== 'local') {
    if (!ctx.deps.dingtalk) throw new UserError('files_need_app', FILES_OUT_NEED_APP)
    if (!ctx.isGroup && !ctx.msg.senderStaffId)
      throw new UserError('no_staff_id', '钉钉不允许机器人给组织外的用户单独发送文件。请在内部群里 @我 回复 **导出**。')
  }
  const db = ctx.deps.db
  const dict = ctx.deps.dictionary.get()
  const spec = last.spec
  const total = countMatches(db, dict, spec, last.filters)
  ctx.result.total = total
  const asked = `「${escapeMd(last.sentence.slice(0, 60))}」`
  if (total === 0) {
    await ctx.reply(`${asked}现在没有符合条件的${spec.title}，没有生成文件。换个条件搜索后再回复 **导出**。`)
    return
  }
  if (total > MAX_EXPORT_ROWS) {
    await ctx.reply(
      `${asked}共 **${total.toLocaleString('en-US')}** 条${spec.title}，超过单次导出上限 ${MAX_EXPORT_ROWS.toLocaleString('en-US')} 条（钉钉单个文件最大 20 MB）。请加上行业、地区、年份等条件缩小范围后再导出；需要全量数据请联系管理员用 andy export 导出。`,
    )
    return
  }
  const now = ctx.now()
  const dir = searchExportDir(ctx.deps.config)
  // File times are wall-clock times: compare with the real clock, not the (injectable) message clock.
  const removed = cleanOldExports(dir)
  if (removed) ctx.logger.info({ removed, dir }, 'old exports removed')
  const started = Date.now()
  const parts = await exportSearch({
    spec,
    rows: iterateMatches(db, dict, spec, last.filters),
    total,
    dir,
    baseName: `${spec.title}-${stamp(now)}`,
    key: `${ctx.robotCode}/${ctx.msg.msgId}`,
    conditions: {
      sentence: last.sentence,
      filters: last.filters,
      relaxed: last.relaxed,
      who: ctx.userId && ctx.userId !== ctx.userNick ? `${ctx.userNick}（${ctx.userId}）` : ctx.userNick,
      where: ctx.isGroup ? (ctx.conversationTitle ?? '群聊') : '单聊',
      when: localDateTime(now),
    },
  })
  const bytes = parts.reduce((n, p) => n + p.bytes, 0)
  ctx.logger.info({ table: spec.key, total, parts: parts.length, bytes, ms: Date.now() - started }, 'search exported')
  const size = bytes >= MB ? `${(bytes / MB).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`
  const files = parts.length > 1 ? `分成 ${parts.length} 个文件（钉钉单个文件最大 20 MB），共 ${size}` : `${size}`
  const relaxed = last.relaxed.length ? '（含放宽条件后的结果，详见「查询条件」工作表）' : ''
  const where =
    ctx.source === 'local'
      ? '已保存到本机'
      : ctx.source === 'assistant'
        ? '马上由 Andy 机器人在钉钉单聊里发给你'
        : '马上发到这里'
  await ctx.reply(
    `已导出${asked}的全部 **${total.toLocaleString('en-US')}** 条${spec.title}${relaxed}：Excel ${files}，${where}。`,
    { title: `导出 ${spec.title}` },
  )
  for (const p of parts) await ctx.replyFile({ kind: 'file', path: p.path, fileName: p.fileName })
}
