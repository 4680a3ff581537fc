import type { BotContext } from '../bot/context.js'
import { localDate } from '../core/clock.js'
import { UserError } from '../core/errors.js'
import { checkData, healthLines, writeHealthWorkbook } from '../search/data-health.js'
import { Taxonomy } from '../search/taxonomy.js'
import { defaultTaxonomyPath } from '../search/taxonomy-file.js'
import { messageFilePath } from '../stats/files.js'

/** 「数据体检」 in chat (admins): the short health report (services/data-health.ts) and its workbook. */

export async function dataCheckHandler(ctx: BotContext): Promise<void> {
  if (!ctx.isAdmin)
    throw new UserError(
      'data_check_not_admin',
      '数据体检只对管理员开放。如果发现数据有问题，请告诉管理员（在 ANDY_ADMIN_STAFF_IDS 里的同事）。',
    )
  let taxonomy: Taxonomy | undefined
  try {
    taxonomy = Taxonomy.load(ctx.deps.config.taxonomyFile ?? defaultTaxonomyPath())
  } catch (err) {
    ctx.logger.warn({ err: (err as Error).message }, 'taxonomy not loaded for the data check')
  }
  const report = checkData(ctx.deps.db, taxonomy)
  await ctx.reply(`${healthLines(report, { markdown: true }).join('  \n')}\n\n明细见附件。`, { title: '数据体检' })
  const name = `数据体检-${localDate(ctx.now())}.xlsx`
  const out = messageFilePath(ctx.deps.config, ctx.msg.msgId, name)
  await writeHealthWorkbook(out, report)
  await ctx.replyFile({ kind: 'file', path: out, fileName: name })
}
