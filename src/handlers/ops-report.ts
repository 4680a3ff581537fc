import { writeFileSync } from 'node:fs'
import { extname } from 'node:path'
import type { BotContext } from '../bot/context.js'
import { chatFor } from '../bot/model-call.js'
import type { Decision } from '../bot/router.js'
import { storesOf } from '../db/stores/index.js'
import type { NarrativeLlm } from '../ops-report/narrative.js'
import { messageFilePath } from '../stats/files.js'
import { downloadAttachment, fileOf } from './inbound-file.js'

/**
 * 阶段运营报告 in chat. DingTalk sends a file and a text as two messages, so either the file's name
 * contains 运营报告 (or 运营数据 / 阶段报告), or the sender typed 运营报告 first and sends the
 * .xlsx/.csv within WAIT_MS. Resolved at stage 'msgtype' ahead of the generic file routing.
 */

export const OPS_REPORT_INTENT = 'ops-report'
export const WAIT_MS = 10 * 60_000
const NAME_WORDS = /运营报告|运营数据|阶段报告/
const COMMAND = /^[/\s]*(阶段)?运营报告(?:$|[\s:：])/

export const OPS_REPORT_HELP = [
  '**阶段运营报告**：请在 10 分钟内把学习平台导出的学习记录（.xlsx 或 .csv）单聊发给我；文件名包含「运营报告」的文件随时都可以直接发。',
  '',
  '需要的列（表头按名称识别）：学员/姓名、课程/课程名称，加上 学习时长(分钟/小时)、完成状态/是否完成、完成率 中至少一列；可选 部门、工号、学习日期。',
  '我会算出参与率、完成率、各部门和课程的学习时长、每周趋势和部门排名，附图表和 Excel。',
].join('\n')

/**
 * Router stage 'msgtype': 「运营报告」 as text, or a spreadsheet named like a learning report or sent within
 * WAIT_MS after this sender's 「运营报告」 (DingTalk delivers text and file as two messages, dingtalk.md §2.2).
 */
export async function opsReportResolver(ctx: BotContext): Promise<Decision | undefined> {
  const t = ctx.msg.msgtype
  if (t === 'text' || t === 'richText')
    return COMMAND.test(ctx.text.normalize('NFKC')) ? { intent: OPS_REPORT_INTENT } : undefined
  const file = fileOf(ctx.msg)
  if (!file) return undefined
  const name = file.fileName ?? ''
  const ext = extname(name).toLowerCase()
  if (ext !== '.xlsx' && ext !== '.csv') return undefined
  if (NAME_WORDS.test(name)) return { intent: OPS_REPORT_INTENT }
  const staffId = ctx.msg.senderStaffId ?? ctx.userId
  const asked = await storesOf(ctx.deps).inbox.recentRequest({
    conversationId: ctx.conversationId,
    senderStaffId: staffId,
    intent: OPS_REPORT_INTENT,
    sinceMs: ctx.now() - WAIT_MS,
    beforeId: ctx.inboxId,
  })
  return asked !== undefined ? { intent: OPS_REPORT_INTENT } : undefined
}

export async function opsReportHandler(ctx: BotContext): Promise<void> {
  const file = fileOf(ctx.msg)
  if (!file) {
    await ctx.reply(OPS_REPORT_HELP, { title: '阶段运营报告' })
    return
  }
  const { buffer, fileName } = await downloadAttachment(ctx, file)
  const name = fileName ?? file.fileName ?? 'input.xlsx'
  const llm: NarrativeLlm | undefined = ctx.deps.llm
    ? { chat: (req) => chatFor(ctx, req, { purpose: 'ops_report' }) }
    : undefined
  // An OpsReportError (a file it cannot read) is answered by the router's error table (user-errors.ts).
  // Loaded here: the report's reading, charts and workbook are not needed to answer anything else.
  const { buildOpsReport } = await import('../ops-report/build.js')
  const report = await buildOpsReport({
    buffer,
    fileName: name,
    inputType: '1',
    llm,
    now: ctx.now(),
    llmTimeoutMs: ctx.deps.config.llm.timeoutMs,
    limits: ctx.deps.config.files,
  })
  if (report.narrative.error)
    ctx.logger.warn({ error: report.narrative.error }, 'ops report narrative fell back to plain text')
  ctx.result.filters = { input_type: '1', file: name, learners: report.metrics.learners }
  await ctx.reply(report.markdown, { title: report.title })
  const base = name.replace(/\.[^.]+$/, '')
  const png = messageFilePath(ctx.deps.config, ctx.msg.msgId, `${base}-运营报告.png`)
  let rendered = false
  try {
    writeFileSync(png, report.chartPng())
    rendered = true
  } catch (err) {
    ctx.logger.error({ err }, 'ops report chart not rendered')
    await ctx.reply('图表暂时无法生成，文字报告和 Excel 不受影响。')
  }
  if (rendered) await ctx.replyFile({ kind: 'image', path: png, fileName: `${base}-运营报告.png` })
  const xlsx = messageFilePath(ctx.deps.config, ctx.msg.msgId, `${base}-运营报告.xlsx`)
  await report.writeWorkbook(xlsx)
  await ctx.replyFile({ kind: 'file', path: xlsx, fileName: `${base}-运营报告.xlsx` })
}
