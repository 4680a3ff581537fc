import type { BotContext } from '../bot/context.js'
import { formatSearchReply } from '../search/format.js'
import { runSearch } from '../search/service.js'
import { loadLastSearch, recordOutcome, saveLastSearch } from './search.js'

/** 更多 / 下一页: the next page of this user's last search in this conversation. */
export async function moreHandler(ctx: BotContext): Promise<void> {
  const last = loadLastSearch(ctx.conversation.lastSearch)
  if (!last) {
    await ctx.reply(
      '还没有可以翻页的搜索。先问一个问题，例如：**制造业 5000人以上 国企 的客户案例**，再回复 **更多**。',
    )
    return
  }
  const pages = Math.max(1, Math.ceil(last.total / last.perpage))
  if (last.page >= pages) {
    await ctx.reply(
      `「${last.sentence}」的 ${last.total} 条结果已经全部看完了。回复 **导出** 可下载全部结果，或换个条件再搜。`,
    )
    return
  }
  const outcome = runSearch(ctx.deps.db, ctx.deps.dictionary.get(), {
    table: last.spec,
    filters: last.filters,
    page: last.page + 1,
    perpage: last.perpage,
  })
  const shown = { ...outcome, relaxed: last.relaxed }
  recordOutcome(ctx, shown)
  saveLastSearch(ctx, shown, last.sentence)
  await ctx.reply(formatSearchReply(shown, { notes: ctx.notes }))
}
