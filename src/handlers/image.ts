import type { BotContext } from '../bot/context.js'
import { assertBudget } from '../bot/model-call.js'
import { localDate } from '../core/clock.js'
import { isUserError, UserError } from '../core/errors.js'
import { insertLlmCall } from '../db/llm-calls.js'
import { progressFor } from '../pipelines/progress.js'
import { usageLine } from '../pipelines/runner.js'
import { checkImage } from '../services/file-image.js'
import { detectFile, FileError, MAX_FILE_BYTES, MB } from '../services/files.js'
import { type ChatResult, LlmError } from '../services/llm.js'
import { type VisionClient, type VisionRequest, visionFromConfig } from '../services/vision.js'
import { downloadAttachment, modelFailureReply, pictureOf, refuseFile } from './inbound-file.js'

/**
 * 图片 (customType 1): a picture (or a richText with one) → the vision model answers the question written
 * next to it, or by default describes the picture and pulls out its key information. The call is
 * budgeted and recorded in llm_calls like every other LLM call.
 */

export const VISION_MAX_BYTES = 10 * MB

export const DEFAULT_QUESTION =
  '请描述这张图片，并提取其中的关键信息：文字、数字、指标、结论。如果是报表、截图或文档页面，请按要点整理出来。'

const SYSTEM =
  '你是企业学习公司销售同事的助手，帮他们看懂客户发来的图片（报表截图、方案页、聊天截图、海报、照片等）。' +
  '用简体中文和 Markdown（标题、列表、加粗）回答，不用表格和代码块。只根据图片里能看到的内容回答，看不清或图片里没有的信息要直说，不要编造。'

export const VISION_OFF =
  '图片解读需要接入能看图的大模型，管理员还没有配置（OPENAI_API_KEY 和 LLM_VISION_MODEL，例如 qwen-vl-max、glm-4v）。文件解读和案例搜索不受影响。'

const clients = new WeakMap<object, VisionClient | null>()

function visionClient(ctx: BotContext): VisionClient | undefined {
  const cfg = ctx.deps.config.llm
  let c = clients.get(cfg)
  if (c === undefined) {
    c = visionFromConfig(cfg) ?? null
    clients.set(cfg, c)
  }
  return c ?? undefined
}

/** One vision call on behalf of the message's user: ledger row (ok or not) and the result's tokens/cost. */
async function visionCall(ctx: BotContext, client: VisionClient, req: VisionRequest): Promise<ChatResult> {
  const base = { intent: 'image', user_id: ctx.userId, msg_id: ctx.msg.msgId, use_date: localDate(ctx.now()) }
  const record = (row: Parameters<typeof insertLlmCall>[1]) => {
    try {
      insertLlmCall(ctx.deps.db, row)
    } catch (err) {
      ctx.logger.error({ err }, 'llm call not recorded')
    }
  }
  const started = Date.now()
  let res: ChatResult
  try {
    res = await client.describe(req)
  } catch (err) {
    const e = err instanceof LlmError ? err : new LlmError('network', String(err))
    record({
      ...base,
      model: client.model,
      tokens_in: 0,
      tokens_out: 0,
      estimated: false,
      cost_rmb: 0,
      latency_ms: Date.now() - started,
      status: e.kind === 'timeout' ? 'timeout' : 'error',
      error: `${e.kind}: ${e.message}`.slice(0, 500),
    })
    ctx.logger.warn({ kind: e.kind, status: e.status, latencyMs: Date.now() - started }, 'vision call failed')
    throw e
  }
  record({
    ...base,
    model: res.model,
    tokens_in: res.usage.tokensIn,
    tokens_out: res.usage.tokensOut,
    estimated: res.usage.estimated,
    cost_rmb: res.costRmb,
    latency_ms: res.latencyMs,
    status: 'ok',
  })
  ctx.result.tokens = (ctx.result.tokens ?? 0) + res.usage.tokensIn + res.usage.tokensOut
  ctx.result.costRmb = Math.round(((ctx.result.costRmb ?? 0) + res.costRmb) * 1_000_000) / 1_000_000
  ctx.logger.info(
    {
      model: res.model,
      tokensIn: res.usage.tokensIn,
      tokensOut: res.usage.tokensOut,
      costRmb: res.costRmb,
      latencyMs: res.latencyMs,
    },
    'vision call',
  )
  return res
}

/** Interprets a picture already downloaded (a picture message, or an image sent as a file). */
export async function interpretImage(ctx: BotContext, buffer: Buffer, fileName?: string): Promise<void> {
  const client = visionClient(ctx)
  if (!client) throw new UserError('vision_off', VISION_OFF)
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
  assertBudget(ctx)
  const question = ctx.text.trim() || DEFAULT_QUESTION
  const progress = progressFor(ctx)
  const title = '图片解读'
  const stream = progress.begin(title)
  try {
    const res = await visionCall(ctx, client, {
      image: { mime: type.mime, data: buffer },
      question,
      system: SYSTEM,
      maxTokens: ctx.deps.config.llm.maxOutputTokens,
      temperature: 0.3,
      signal: ctx.signal,
      onDelta: progress.mode === 'card' ? (_d, text) => stream.update(text) : undefined,
    })
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
  if (!visionClient(ctx)) throw new UserError('vision_off', VISION_OFF)
  const { buffer, fileName } = await downloadAttachment(ctx, picture, MAX_FILE_BYTES)
  await interpretImage(ctx, buffer, fileName)
}
