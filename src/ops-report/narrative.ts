import type { ChatRequest, ChatResult } from '../services/llm.js'
import { type OpsMetrics, percent } from './metrics.js'

/**
 * The report's prose: written by the LLM from the computed metrics when one is configured (it only
 * interprets numbers it is given), otherwise — or when the call fails — plain sentences from the
 * same metrics. The numbers in the report never come from the model.
 */

/** What the narrative needs of an LLM: the LlmClient, or a wrapper that adds budget and ledger (chat). */
export interface NarrativeLlm {
  chat(req: ChatRequest): Promise<ChatResult>
}

export interface Narrative {
  text: string
  source: 'llm' | 'plain'
  /** Why the LLM text is missing (the plain text is used). */
  error?: string
  tokens?: number
  costRmb?: number
}

const SYSTEM = [
  '你是企业培训运营分析师。根据用户给出的阶段学习数据（JSON），写一份给客户培训负责人看的阶段运营解读。',
  '要求：中文；300 字以内；分 3 段，依次以 **整体表现**、**亮点与问题**、**下阶段建议** 开头；',
  '只使用给出的数字，不要编造数据；不要使用表格和代码块。',
].join('')

function llmInput(m: OpsMetrics): string {
  const dept = (d: OpsMetrics['departments'][number]) => ({
    部门: d.name,
    学员: d.learners,
    参与率: percent(d.participationRate),
    完成率: percent(d.completionRate),
    学习小时: d.hours,
    人均小时: d.hoursPerLearner,
  })
  return JSON.stringify({
    周期: m.from && m.to ? `${m.from} 至 ${m.to}` : '未提供日期',
    学员数: m.learners,
    参与人数: m.participants,
    参与率: percent(m.participationRate),
    学习任务数: m.records,
    完成任务数: m.completed,
    完成率: percent(m.completionRate),
    全部完成的学员: m.learnersAllDone,
    总学习小时: m.hours,
    人均学习小时: m.hoursPerParticipant,
    表现最好的部门: m.topDepartments.map(dept),
    需要关注的部门: m.bottomDepartments.map(dept),
    课程: m.courses
      .slice(0, 10)
      .map((c) => ({ 课程: c.name, 学员: c.learners, 完成率: percent(c.completionRate), 学习小时: c.hours })),
    每周趋势: m.weeks
      .slice(-12)
      .map((w) => ({ 周: w.week, 活跃学员: w.activeLearners, 学习小时: w.hours, 完成: w.completed })),
  })
}

export async function writeNarrative(
  m: OpsMetrics,
  llm: NarrativeLlm | undefined,
  o: { timeoutMs?: number } = {},
): Promise<Narrative> {
  if (!llm) return { text: plainNarrative(m), source: 'plain' }
  try {
    const res = await llm.chat({
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: llmInput(m) },
      ],
      temperature: 0.3,
      maxTokens: 800,
      timeoutMs: o.timeoutMs,
    })
    const text = res.text.trim().replace(/^```(?:markdown)?\s*|```\s*$/g, '')
    if (!text) return { text: plainNarrative(m), source: 'plain', error: 'empty answer' }
    return { text, source: 'llm', tokens: res.usage.tokensIn + res.usage.tokensOut, costRmb: res.costRmb }
  } catch (err) {
    return { text: plainNarrative(m), source: 'plain', error: err instanceof Error ? err.message : String(err) }
  }
}

/** Sentences from the metrics alone. */
export function plainNarrative(m: OpsMetrics): string {
  const period = m.from && m.to ? `本阶段（${m.from} 至 ${m.to}）` : '本阶段'
  const lines = [
    `**整体表现** ${period}共 ${m.learners} 名学员、${m.courses.length} 门课程，参与率 ${percent(m.participationRate)}，完成率 ${percent(m.completionRate)}，累计学习 ${m.hours} 小时，参与者人均 ${m.hoursPerParticipant} 小时；${m.learnersAllDone} 人完成了全部课程。`,
  ]
  const good = m.topDepartments.map((d) => `${d.name}（完成率 ${percent(d.completionRate)}）`).join('、')
  const weak = m.bottomDepartments.map((d) => `${d.name}（完成率 ${percent(d.completionRate)}）`).join('、')
  const trend = weekTrend(m)
  lines.push(`**亮点与问题** ${good ? `表现较好的部门：${good}。` : ''}${weak ? `需要关注：${weak}。` : ''}${trend}`)
  const advice: string[] = []
  const absent = m.learners - m.participants
  if (absent > 0) advice.push(`对尚未开始学习的 ${absent} 名学员做一次提醒`)
  if (m.completionRate < 0.6) advice.push('对完成率低的课程拆分学习任务、设置截止时间')
  if (m.bottomDepartments.length) advice.push(`与${m.bottomDepartments[0]!.name}负责人沟通学习安排`)
  lines.push(`**下阶段建议** ${advice.length ? `${advice.join('；')}。` : '保持当前节奏，关注新课程的参与情况。'}`)
  return lines.join('\n\n')
}

function weekTrend(m: OpsMetrics): string {
  const [prev, last] = m.weeks.slice(-2)
  if (!prev || !last || prev.hours === 0) return ''
  const change = (last.hours - prev.hours) / prev.hours
  if (Math.abs(change) < 0.05) return `最近一周学习时长与前一周基本持平（${last.hours} 小时）。`
  return `最近一周学习时长较前一周${change > 0 ? '上升' : '下降'} ${percent(Math.abs(change))}（${prev.hours} → ${last.hours} 小时）。`
}
