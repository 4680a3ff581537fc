import type { BotContext } from '../bot/context.js'
import { controlIntent, features } from '../core/features.js'
import { escapeMd } from '../core/markdown.js'

/** The help menu: one line per feature that has one (core/features.ts), case tables first. */
export function menu(): string {
  return [
    '**我是 Andy，销售助手。直接用一句话问我：**',
    ...features().flatMap((f) => (f.menu ? [`- ${f.menu}`] : [])),
    '',
    '搜索之后回复 **更多** 翻页、**导出** 下载 Excel；也可以用前缀指定类别，例如 `/案例 银行`、`打单：医药`。',
  ].join('\n')
}

/** 帮助, an empty message, or anything Andy could not place: the menu with examples. */
export async function helpHandler(ctx: BotContext): Promise<void> {
  const asked = ctx.text.trim()
  const explicit = !asked || controlIntent(asked) === 'help'
  const head = explicit ? '' : `没太明白「${escapeMd(asked.slice(0, 40))}」想查什么，可以参考下面的说法：\n\n`
  await ctx.reply(`${head}${menu()}`, { title: 'Andy 使用说明' })
}

/**
 * A question Andy could not place (router fallback): the same menu, recorded as a content gap — hits 0,
 * like a search that found nothing — so the statistics show it under 内容缺口, not 帮助.
 */
export async function unansweredHandler(ctx: BotContext): Promise<void> {
  ctx.result.total = 0
  await helpHandler(ctx)
}
