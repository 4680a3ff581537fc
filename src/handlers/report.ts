import type { BotContext } from '../bot/context.js'
import { assertBudget, LLM_OFF_MESSAGE } from '../bot/model-call.js'
import { isUserError, UserError } from '../core/errors.js'
import { escapeMd } from '../core/markdown.js'
import type { ReportPromptRow } from '../db/prompts.js'
import { storesOf } from '../db/stores/index.js'
import { progressFor } from '../pipelines/progress.js'
import { rowSteps, runPromptRow, usageLine } from '../pipelines/runner.js'
import { extractText, FileError } from '../services/files.js'
import { interpretImage } from './image.js'
import { downloadAttachment, fileOf, modelFailureReply, refuseFile } from './inbound-file.js'
import { asPromptRow, chooseApp, reportApps } from './report-apps.js'
import { condenseDocument, needsCondensing } from './report-condense.js'
import { clearPending, type DocFacts, type ReportChoice, savePending } from './report-state.js'

/**
 * 报告解读 (customType 2): a document → its text (files.ts) → the report prompt app (named, or picked from
 * a numbered list) → the app's steps over the text, long documents condensed part by part to fit the
 * model's context → the interpretation as markdown (or an AI card). Without an LLM the basic facts of
 * the document still come back.
 */

/** Characters of a document that are read (≈ 7 condensing calls at a 32k-token context, 3 at a time). */
export const REPORT_MAX_CHARS = 80_000
/** Pasted text at least this long (customType 2 over HTTP, or a long message) is interpreted as the report. */
export const PASTED_MIN_CHARS = 200
/** A 报告解读 message this recent names the interpretation of the file that follows. */
export const ANNOUNCE_WINDOW_MS = 10 * 60_000
const TRIGGER = /^(?:\/)?(?:报告解读|解读一下|解读|帮我解读|分析一下这份报告)[\s:：，,]*/

interface Doc {
  fileName: string
  text: string
  facts: DocFacts
}

const KIND_NAMES: Record<string, string> = {
  pdf: 'PDF',
  docx: 'Word',
  xlsx: 'Excel',
  pptx: 'PPT',
  text: '文本',
  pasted: '粘贴的文字',
}

/** "**《报告.pdf》** PDF · 12 页 · 23,456 字" plus headings and notes about what was not read. */
export function factsMarkdown(doc: Doc, withExcerpt = false): string {
  const f = doc.facts
  const bits = [KIND_NAMES[f.kind] ?? f.kind]
  if (f.pages) bits.push(`${f.pages} 页`)
  if (f.slides) bits.push(`${f.slides} 张幻灯片`)
  if (f.sheets?.length) bits.push(`${f.sheets.length} 个工作表`)
  bits.push(`${f.chars.toLocaleString('en-US')} 字`)
  const lines = [`**《${escapeMd(doc.fileName)}》** ${bits.join(' · ')}`]
  const heads = f.headings.slice(0, 8).map((h) => escapeMd(h.slice(0, 40)))
  if (heads.length)
    lines.push(`标题：${heads.join(' / ')}${f.headings.length > 8 ? ` 等 ${f.headings.length} 个` : ''}`)
  if (withExcerpt) {
    const start = doc.text
      .replace(/^#+\s*/gm, '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 160)
    if (start) lines.push(`开头：${escapeMd(start)}…`)
  }
  if (f.imagePages) lines.push(`> 其中 ${f.imagePages} 页没有文字层（可能是扫描图片），这些页的内容没有读到。`)
  if (f.truncated) lines.push(`> 文档较长，只读取了前 ${f.chars.toLocaleString('en-US')} 字。`)
  return lines.join('  \n')
}

async function readDocument(ctx: BotContext): Promise<Doc | undefined> {
  const attachment = fileOf(ctx.msg)
  if (!attachment) {
    const pasted = ctx.rawText.replace(TRIGGER, '').trim()
    if ([...pasted].length >= PASTED_MIN_CHARS) {
      const text = pasted.slice(0, REPORT_MAX_CHARS)
      return {
        fileName: '粘贴的文字',
        text,
        facts: { kind: 'pasted', chars: text.length, truncated: pasted.length > text.length, headings: [] },
      }
    }
    if (ctx.msg.msgtype === 'file') {
      await ctx.reply('没有拿到这个文件的下载信息，请重新发送一次。')
      return undefined
    }
    const apps = await reportApps(ctx)
    const named = ctx.text.replace(TRIGGER, '').trim() ? chooseApp(apps, [ctx.text]) : undefined
    if (named) {
      await ctx.reply(
        `好的，按「${escapeMd(named.app_name ?? '')}」解读：请在 ${ANNOUNCE_WINDOW_MS / 60_000} 分钟内把报告文件发给我（PDF、Word、Excel、PPT、TXT，20 MB 以内）。`,
      )
      return undefined
    }
    const kinds = apps
      .map((a) => a.app_name)
      .filter(Boolean)
      .slice(0, 10)
      .join('、')
    await ctx.reply(
      `**报告解读**：在和 Andy 的**单聊**里发送报告文件（PDF、Word、Excel、PPT、TXT，20 MB 以内），我会读取内容并解读。${kinds ? `可以解读：${escapeMd(kinds)}。` : ''}先发一句报告类型（如「满意度调研报告解读」）再发文件，或在文件名里写上类型，就不用再选。钉钉群里机器人收不到文件。`,
    )
    return undefined
  }
  const { buffer, fileName = attachment.fileName ?? '文件' } = await downloadAttachment(ctx, attachment)
  try {
    const files = ctx.deps.config.files
    const ex = await extractText(buffer, {
      fileName,
      maxChars: REPORT_MAX_CHARS,
      timeoutMs: files.timeoutMs,
      limits: files,
    })
    ctx.logger.info({ kind: ex.kind, chars: ex.chars, pages: ex.pages, truncated: ex.truncated }, 'document read')
    return {
      fileName,
      text: ex.text,
      facts: {
        kind: ex.kind,
        pages: ex.pages,
        slides: ex.slides,
        sheets: ex.sheets ? [...ex.sheets] : undefined,
        imagePages: ex.imagePages || undefined,
        chars: ex.chars,
        truncated: ex.truncated,
        headings: [...ex.headings],
      },
    }
  } catch (err) {
    if (err instanceof FileError && err.code === 'image') {
      ctx.intent = 'image'
      ctx.result.intent = 'image'
      await interpretImage(ctx, buffer, fileName)
      return undefined
    }
    if (err instanceof FileError) throw refuseFile(ctx, err, fileName)
    throw err
  }
}

async function interpret(ctx: BotContext, doc: Doc, app: ReportPromptRow, question: string): Promise<void> {
  await assertBudget(ctx)
  const name = app.app_name ?? '报告解读'
  const row = asPromptRow(app)
  const progress = progressFor(ctx)
  const condensed = needsCondensing(ctx, doc.text)
  if (progress.mode === 'markdown') {
    await progress.status(
      `正在按「${name}」解读《${escapeMd(doc.fileName)}》（${rowSteps(row).length} 步${condensed ? '，文档较长，先分段提炼' : ''}），请稍候…`,
    )
  }
  const title = `${name}解读`
  let stream: ReturnType<typeof progress.begin> | undefined
  try {
    const report = (await condenseDocument(ctx, doc.text, name)).text
    stream = progress.begin(title)
    const res = await runPromptRow(
      ctx,
      row,
      { report, app_name: name, input: question },
      { name, purpose: 'report', stream },
    )
    const body = res.outputs.join('\n\n')
    await stream.finish(
      `${factsMarkdown(doc)}\n\n${body}\n\n> ${usageLine(ctx.result.tokens ?? res.tokens, ctx.result.costRmb ?? res.rmb)}`,
    )
    ctx.logger.info({ app: name, chars: doc.text.length, condensed, tokens: ctx.result.tokens }, 'report interpreted')
  } catch (err) {
    await stream?.fail(err instanceof Error ? err.message : String(err))
    if (isUserError(err)) throw err
    ctx.logger.error({ err, app: name }, 'report interpretation failed')
    throw modelFailureReply(err, '稍后重新发送文件')
  }
}

export async function reportHandler(ctx: BotContext): Promise<void> {
  const choice = ctx.state.reportChoice as ReportChoice | undefined
  if (choice) {
    const app = (await reportApps(ctx)).find((a) => a.id === choice.option.id)
    try {
      if (!app)
        throw new UserError(
          'report_app_gone',
          `「${choice.option.name}」这个解读方式已经被管理员删除了，请重新发送文件。`,
        )
      if (!ctx.deps.llm) throw new UserError('llm_off', LLM_OFF_MESSAGE)
      const p = choice.pending
      await interpret(ctx, { fileName: p.fileName, text: p.text, facts: p.facts }, app, p.question ?? '')
    } finally {
      clearPending(ctx, choice.pending)
    }
    return
  }
  const doc = await readDocument(ctx)
  if (!doc) return
  const question = fileOf(ctx.msg) ? ctx.text.trim() : ''
  if (!ctx.deps.llm) {
    await ctx.reply(
      `${factsMarkdown(doc, true)}\n\n> 解读报告需要接入大模型，管理员还没有配置（OPENAI_API_KEY、LLM_MODEL）。上面是读到的基本信息。`,
    )
    return
  }
  const apps = await reportApps(ctx)
  if (apps.length === 0)
    throw new UserError(
      'prompts_missing',
      '还没有配置报告解读的提示词，请管理员用 andy prompts import 导入（或运行 andy seed 载入默认提示词）。',
    )
  // Words typed just before the file (DingTalk sends them as a separate message) name the app too.
  const announced = fileOf(ctx.msg)
    ? await storesOf(ctx.deps).inbox.reportRequestText({
        conversationId: ctx.conversationId,
        senderStaffId: ctx.msg.senderStaffId ?? ctx.userId,
        sinceMs: ctx.now() - ANNOUNCE_WINDOW_MS,
        beforeId: ctx.inboxId,
      })
    : undefined
  // The file name (or the text sent with it) first, then what was announced, then the document's title.
  const app =
    chooseApp(apps, [ctx.text, doc.fileName.replace(/\.[A-Za-z0-9]{1,8}$/, '')]) ??
    (announced ? chooseApp(apps, [announced]) : undefined) ??
    chooseApp(apps, [], doc.facts.headings[0] ?? doc.text.slice(0, 80))
  if (app) {
    await interpret(ctx, doc, app, question)
    return
  }
  const options = apps.slice(0, 20).map((a) => ({ id: a.id, name: a.app_name! }))
  savePending(ctx, {
    msgId: ctx.msg.msgId,
    fileName: doc.fileName,
    text: doc.text,
    facts: doc.facts,
    question: question || undefined,
    options,
  })
  const list = options.map((o, i) => `${i + 1}. ${escapeMd(o.name)}`).join('\n')
  await ctx.reply(
    `${factsMarkdown(doc)}\n\n这份文件要按哪种报告解读？**回复数字**：\n\n${list}\n\n回复 **取消** 放弃。`,
    { title: '选择解读方式' },
  )
}
