import type { BotContext } from '../bot/context.js'
import { assertBudget, VISION_OFF, visionFor } from '../bot/model-call.js'
import { isUserError, UserError } from '../core/errors.js'
import { progressFor } from '../pipelines/progress.js'
import { usageLine } from '../pipelines/runner.js'
import { checkImage } from '../services/file-image.js'
import { detectFile, FileError, MAX_FILE_BYTES, MB } from '../services/files.js'
import { downloadAttachment, modelFailureReply, pictureOf, refuseFile } from './inbound-file.js'

/**
 * 图片 (customType 1): a picture (or a richText with one) → the vision model answers the question written
 * next to it, or by default describes the picture and pulls out its key information. The call goes
 * through the one model-call path (bot/model-call.ts visionFor): budgeted and recorded in llm_calls.
 */

export const VISION_MAX_BYTES = 10 * MB

export const DEFAULT_QUESTION =
  '请描述这张图片，并提取其中的关键信息：文字、数字、指标、结论。如果是报表、截图或文档页面，请按要点整理出来。'

const SYSTEM =
  '你是企业学习公司销售同事的助手，帮他们看懂客户发来的图片（报表截图、方案页、聊天截图、海报、照片等）。' +
  '用简体中文和 Markdown（标题、列表、加粗）回答，不用表格和代码块。只根据图片里能看到的内容回答，看不清或图片里没有的信息要直说，不要编造。'

/** Interprets a picture already downloaded (a picture message, or an image sent as a file). */
export async function interpretImage(ctx: BotContext, buffer: Buffer, fileName?: string): Promise<void> {
  if (!ctx.deps.vision) throw new UserError('vision_off', VISION_OFF)
  const type = await detectFile(buffer, fileName)
  if (type.kind !== 'image')
    throw new UserError('not_image', '收到的内容不是可识别的图片（支持 PNG、JPG、GIF、WebP、BMP），请重新发送。')
  if (buffer.length > VISION_MAX_BYTES) {
    throw new UserError(
      'image_too_large',
      `图片有 ${(buffer.length / MB).toFixed(1)} MB，看图模型最多接受 ${VISION_MAX_BYTES / MB} MB。请压缩或截取需要的部分后再发。`,
    )
  }
  // The declared pixel count, from the header, before anything decodes the picture.
  try {
    checkImage(buffer, ctx.deps.config.files)
  } catch (err) {
    if (err instanceof FileError) throw refuseFile(ctx, err, fileName)
    throw err
  }
  await assertBudget(ctx)
  const question = ctx.text.trim() || DEFAULT_QUESTION
  const progress = progressFor(ctx)
  const title = '图片解读'
  const stream = progress.begin(title)
  try {
    const res = await visionFor(
      ctx,
      {
        image: { mime: type.mime, data: buffer },
        question,
        system: SYSTEM,
        maxTokens: ctx.deps.config.llm.maxOutputTokens,
        temperature: 0.3,
        signal: ctx.signal,
        onDelta: progress.mode === 'card' ? (_d, text) => stream.update(text) : undefined,
      },
      { purpose: 'image' },
    )
    const answer = res.text.trim() || '（模型没有给出内容）'
    await stream.finish(`${answer}\n\n> ${usageLine(res.usage.tokensIn + res.usage.tokensOut, res.costRmb)}`)
  } catch (err) {
    await stream.fail(err instanceof Error ? err.message : String(err))
    if (isUserError(err)) throw err
    throw modelFailureReply(err, '稍后再发一次图片', '看图模型')
  }
}

export async function imageHandler(ctx: BotContext): Promise<void> {
  const picture = pictureOf(ctx.msg)
  if (!picture) {
    await ctx.reply(
      '请直接把图片发给我（群里请 @我 并附上图片），可以在图片旁写上想问的问题，例如「这张报表里完课率最低的是哪个部门」。',
    )
    return
  }
  // Say it before spending a download on a picture that cannot be read.
  if (!ctx.deps.vision) throw new UserError('vision_off', VISION_OFF)
  const { buffer, fileName } = await downloadAttachment(ctx, picture, MAX_FILE_BYTES)
  await interpretImage(ctx, buffer, fileName)
}
