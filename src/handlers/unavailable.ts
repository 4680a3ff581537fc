import type { BotContext } from '../bot/context.js'
import { featureOf } from '../core/features.js'
import { tableNames } from '../search/format.js'

/** Features that are not switched on in this deployment yet. */
export async function unavailableHandler(ctx: BotContext): Promise<void> {
  const f = featureOf(ctx.intent)
  const name = f ? (f.label ?? f.name) : ctx.intent
  await ctx.reply(`「${name}」功能暂未开通。现在可以直接搜索${tableNames()}，回复 **帮助** 看示例。`)
}

/** Message types Andy cannot read (video, audio without recognition, unknownMsgType…). */
export async function unsupportedHandler(ctx: BotContext): Promise<void> {
  const t = ctx.msg.msgtype
  const what =
    t === 'video'
      ? '视频'
      : t === 'audio'
        ? '这条语音（钉钉没有给出识别文字）'
        : t === 'file'
          ? '文件'
          : t === 'picture'
            ? '图片'
            : '这类消息'
  await ctx.reply(
    `暂时无法处理${what}。Andy 可以接收：文字、语音（按钉钉识别的文字）、图片和图文消息、文件（PDF、Word、Excel、PPT、TXT）；回复 **帮助** 看示例。`,
  )
}

/** A callback that only carries errorCode (e.g. 20001: the org's robot quota is used up): log, never reply. */
export async function quotaHandler(ctx: BotContext): Promise<void> {
  ctx.logger.warn(
    { errorCode: ctx.msg.errorCode, errorMessage: ctx.msg.errorMessage },
    'DingTalk reported an org quota error; not replying',
  )
  ctx.result.status = 'rejected'
  ctx.result.error = `errorCode ${String(ctx.msg.errorCode)}`
}
