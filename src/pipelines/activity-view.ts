import { UserError } from '../core/errors.js'
import { escapeMd } from '../core/markdown.js'
import type { ProcessRow } from '../db/stores/index.js'
import { formatRmb } from '../services/llm.js'
import { parseOptions } from './activity-picks.js'
import {
  ACTIVITY_STEPS,
  type ActivityStep,
  DONE_INDEX,
  GEN_STEPS,
  genPosition,
  INPUT_FIELDS,
  INPUT_LABELS,
  stepAt,
} from './activity-steps.js'

/** The workflow's messages: progress, the pick questions, the pause and done notes. */

export const COMMAND_HINT = '随时可回复：**继续** · **重新生成** · **上一步** · **查看进度** · **取消**'

export function usageOf(p: ProcessRow): string {
  return `${p.total_tokens.toLocaleString('en-US')} tokens · ${formatRmb(p.total_rmb)}${p.current_model ? ` · 模型 ${p.current_model}` : ''}`
}

/** "(3/13) 内容选择" */
export function stepTitle(step: ActivityStep): string {
  return `(${genPosition(step.field)}/${GEN_STEPS.length}) ${step.label}`
}

export function progressSummary(p: ProcessRow): string {
  const lines = [`**运营活动设计进度**${p.enterprise_name ? `（${escapeMd(p.enterprise_name)}）` : ''} · 记录 #${p.id}`]
  const mark = (block: number) => (p.block_index > block ? '✓' : p.block_index === block ? '→' : '·')
  const missing = INPUT_FIELDS.filter((f) => !p[f])
  lines.push(
    `${mark(0)} 活动信息${missing.length ? `（还缺：${missing.map((f) => INPUT_LABELS[f]).join('、')}）` : ''}`,
  )
  ACTIVITY_STEPS.forEach((s, i) => {
    const block = i + 1
    const label = s.kind === 'gen' ? stepTitle(s) : s.label
    const chosen =
      s.kind === 'pick' && p.block_index > block && p[s.field]
        ? `：${escapeMd(p[s.field]!.split('\n')[0]!.slice(0, 40))}`
        : ''
    const waiting = p.block_index === block ? (s.kind === 'pick' ? '（等待你的选择）' : '（下一步）') : ''
    lines.push(`${mark(block)} ${label}${chosen}${waiting}`)
  })
  lines.push('', `用量：${usageOf(p)}`)
  lines.push(
    p.block_index >= DONE_INDEX
      ? '方案已完成。可回复 **重新生成** 重写最后一步，或 **上一步** 重新选择活动名称。'
      : COMMAND_HINT,
  )
  return lines.join('  \n')
}

/** The question for a pick step, with the options read from the step that produced them. */
export function pickQuestion(p: ProcessRow, step: ActivityStep, head = ''): string {
  const source = step.optionsFrom ? (p[step.optionsFrom] ?? '') : ''
  const options = parseOptions(source)
  const what = step.field === 'user_content_select' ? '内容组合' : '活动名称'
  const lines = head ? [head, ''] : []
  lines.push(`**请${step.label}**：回复编号（如 **选2**、**第二个**），或直接写出你想要的${what}。`)
  for (const o of options) lines.push(`${o.n}. ${o.title}`)
  if (!options.length) lines.push(`（没能从上面的结果里读出编号选项，请直接回复你想要的${what}。）`)
  if (p[step.field]) lines.push('', `上次的选择：${escapeMd(p[step.field]!.split('\n')[0]!.slice(0, 60))}`)
  lines.push('', `不满意可回复 **重新生成** 换一批，或 **上一步**。`)
  return lines.join('\n')
}

export function pausedMessage(p: ProcessRow, paced = false): string {
  const step = stepAt(p.block_index)
  const at = `「${step?.label ?? ''}」（${genPosition(step?.field ?? 'sys_survey_report')}/${GEN_STEPS.length}）`
  const head = paced
    ? `先生成到这里，以免一条消息处理太久。下一步是${at}，回复 **继续** 接着生成。`
    : `活动设计暂停在${at}。回复 **继续** 接着生成后面的步骤。`
  return `${head}\n\n${COMMAND_HINT}`
}

export function doneMessage(p: ProcessRow): string {
  return [
    `**运营活动设计完成** ✓${p.user_activity_name ? `「${escapeMd(p.user_activity_name.split('\n')[0]!.slice(0, 40))}」` : ''}`,
    '完整方案见上方「方案合并」，一页纸摘要见「方案精简」。',
    `用量：${usageOf(p)}（记录 #${p.id}）`,
    '可回复 **重新生成** 重写摘要，**上一步** 重新选择活动名称，或直接问其他问题。',
  ].join('\n\n')
}

export function inputsReview(p: ProcessRow, head: string): string {
  const lines = [head, '']
  for (const f of INPUT_FIELDS) lines.push(`- **${INPUT_LABELS[f]}**：${p[f] ? escapeMd(p[f]!) : '（未填）'}`)
  lines.push('', '回复要修改的项（如 **活动目标：…**），或回复 **继续** 按当前信息重新生成。')
  return lines.join('\n')
}

/** The daily budget cannot pay for the next step: where the design stopped and how to continue. */
export function budgetPause(p: ProcessRow, err: { budget: number; left: number; needed: number }): UserError {
  const step = stepAt(p.block_index)
  const at = step?.kind === 'gen' ? `第 ${genPosition(step.field)}/${GEN_STEPS.length} 步「${step.label}」` : '下一步'
  const why =
    err.left > 0
      ? `今天的 AI 额度（${formatRmb(err.budget)}）只剩 ${formatRmb(err.left)}，不够生成${at}（最多约 ${formatRmb(err.needed)}）`
      : `今天的 AI 额度（${formatRmb(err.budget)}）已经用完了`
  return new UserError(
    'llm_budget',
    `${why}，运营活动设计先停在这里，已生成的步骤都已保存。明天 0 点额度恢复后回复 **继续**，从${at}接着生成。`,
  )
}
