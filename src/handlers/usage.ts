import { writeFileSync } from 'node:fs'
import type { BotContext } from '../bot/context.js'
import { storesOf } from '../db/stores/index.js'
import { messageFilePath } from '../stats/files.js'
import { fmtInt, formatStatsReply } from '../stats/format.js'
import { describeFilters, type StatsQuery } from '../stats/query.js'
import { renderStatsImage } from '../stats/usage-chart.js'
import { computeUsageStatsAsync, readStatsQueryFrom, type StatsScope } from '../stats/usage-stats.js'
import { detailNote, statsFileName, writeStatsWorkbook } from '../stats/workbook.js'

/**
 * `统计` (customType 6): usage numbers for a period with the seed's filters, a chart picture, and with
 * `导出` the workbook. Reps see their own usage; admins (ANDY_ADMIN_STAFF_IDS) see everyone's.
 */
export async function usageHandler(ctx: BotContext): Promise<void> {
  // A period it cannot read throws PeriodError: the router's error table (user-errors.ts) answers it.
  const usage = storesOf(ctx.deps).usage
  let query: StatsQuery = await readStatsQueryFrom(usage, ctx.text, ctx.now())
  const notes: string[] = []
  const scope: StatsScope = ctx.isAdmin ? { kind: 'all' } : { kind: 'self', userId: ctx.userId, nick: ctx.userNick }
  if (scope.kind === 'self' && query.userNick && query.userNick !== ctx.userNick) {
    notes.push(`只有管理员能查看他人的使用情况，下面是你本人的数据（已忽略「人员:${query.userNick}」）。`)
    query = { ...query, userNick: undefined }
  }
  const stats = await computeUsageStatsAsync(usage, query, scope)
  ctx.result.filters = {
    from: query.period.from,
    to: query.period.to,
    scope: scope.kind,
    ...(describeFilters(query) ? { filters: describeFilters(query) } : {}),
  }
  ctx.logger.info(
    { from: query.period.from, to: query.period.to, scope: scope.kind, total: stats.total, export: query.export },
    'usage statistics',
  )

  if (query.export) {
    if (stats.total === 0) {
      await ctx.reply(formatStatsReply(stats, { notes }))
      return
    }
    const fileName = statsFileName(stats)
    const path = messageFilePath(ctx.deps.config, ctx.msg.msgId, fileName)
    const res = await writeStatsWorkbook(usage, stats, path, ctx.deps.config.statsExportDetailRows)
    const capped = detailNote(res.detail)
    await ctx.reply(
      [
        `**使用统计导出 · ${query.period.label}**`,
        '',
        `共 ${fmtInt(stats.total)} 次使用；汇总表 ${res.summaries.join('、')} 含全部记录。`,
        capped
          ? `> ${capped.replace(/(andy stats .*)$/, '`$1`')}`
          : `明细 ${fmtInt(res.detail.shown)} 条（全部记录）。`,
        ...notes.map((n) => `> ${n}`),
      ].join('\n'),
      { title: '使用统计导出' },
    )
    ctx.logger.info(
      { rows: res.rows, bytes: res.bytes, detailShown: res.detail.shown, detailTotal: res.detail.total },
      'usage workbook written',
    )
    await ctx.replyFile({ kind: 'file', path, fileName })
    return
  }

  await ctx.reply(formatStatsReply(stats, { chart: stats.total > 0, notes }), {
    title: `使用统计 · ${query.period.label}`,
  })
  if (stats.total === 0) return
  let png: Buffer
  try {
    png = renderStatsImage(stats)
  } catch (err) {
    ctx.logger.error({ err }, 'usage chart not rendered')
    await ctx.reply('趋势图暂时无法生成，上面的文字统计不受影响。')
    return
  }
  const path = messageFilePath(ctx.deps.config, ctx.msg.msgId, '使用统计.png')
  writeFileSync(path, png)
  await ctx.replyFile({ kind: 'image', path, fileName: '使用统计.png' })
}
