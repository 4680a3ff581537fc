import type { ChatBody, FakeHandler, FakeReply } from './fake-openai.js'

/**
 * A scripted model for the 运营活动设计 workflow on the fake OpenAI server: it recognises each step of
 * the default prompts by a phrase of its step1 template and answers in the shape the workflow expects
 * (numbered options for the picks, P/C references for the recommendation). Answers carry a version
 * number per step ("第2版") so tests can see what was regenerated. `long` makes answers as long as the
 * prompts allow (for the cost bench).
 */

export const STEP_MARKERS: Record<string, string> = {
  sys_survey_report: '撰写一份简明的学习运营活动需求调研报告',
  sys_activity_need: '提炼本次活动的需求要点',
  sys_content_select: '规划本次活动需要的学习内容方向',
  sys_content_tuij: '推荐本次活动的内容组合',
  sys_activity_name: '请为本次活动起名',
  sys_activity_ideas: '设计整体思路',
  sys_activity_plan: '细化为可执行的策划方案',
  sys_activity_enroll: '设计报名方案',
  sys_activity_xuanc: '制定宣传推广方案',
  sys_incentive_plan: '设计激励措施',
  sys_yuqi_result: '的预期效果',
  sys_refine_merge: '整合成一份完整',
  sys_activity_simplify: '精简为一页纸摘要',
}

export function userText(body: ChatBody): string {
  return body.messages
    .filter((m) => m.role === 'user')
    .map((m) => String(m.content))
    .join('\n')
}

export function stepOf(body: ChatBody): string | undefined {
  const u = userText(body)
  return Object.entries(STEP_MARKERS).find(([, marker]) => u.includes(marker))?.[0]
}

const FILLER =
  '围绕客户的业务目标与学员特点，结合线上学习与线下实践，明确每个环节的负责人、时间节点与衡量方式，确保活动可落地、可评估、可复制。'

function filler(chars: number): string {
  let s = ''
  while (s.length < chars) s += FILLER
  return s.slice(0, chars)
}

/** How long the prompt allows the answer to be ("篇幅控制在 600 字以内" → 600). */
function limitOf(body: ChatBody): number {
  const m = /(?:控制在|不超过)\s*(\d+)\s*字/.exec(userText(body))
  return m ? Number(m[1]) : 500
}

export interface ActivityLlm {
  handler: FakeHandler
  /** Requests per step. */
  counts: Map<string, number>
  /** What the input-extraction tool returns for a message (default: nothing). */
  inputs: (text: string) => Record<string, string>
}

export function activityLlm(opts: { long?: boolean } = {}): ActivityLlm {
  const counts = new Map<string, number>()
  const me: ActivityLlm = {
    counts,
    inputs: () => ({}),
    handler: (body): FakeReply => {
      const tool = body.tools?.[0]?.function.name
      if (tool === 'set_activity_inputs') return { toolCall: { arguments: me.inputs(userText(body).trim()) } }
      if (tool) return { toolCall: { arguments: {} } }
      const step = stepOf(body)
      if (!step) return { content: '好的。' }
      const v = (counts.get(step) ?? 0) + 1
      counts.set(step, v)
      const body0 = opts.long ? filler(Math.round(limitOf(body) * 0.85)) : `${step} 的内容。`
      if (step === 'sys_content_tuij') {
        const refs = [...userText(body).matchAll(/^([PC]\d+) /gm)].map((m) => m[1]!)
        const p = refs.filter((r) => r.startsWith('P'))
        const c = refs.filter((r) => r.startsWith('C'))
        const cite = (i: number) => [p[i], c[i]].filter(Boolean).join('、') || '无'
        return {
          content: [
            `1. **新人融入组合（第${v}版）**：职场新人训练营 + 新员工入职通识课。${opts.long ? filler(80) : ''}（依据：${cite(0)}）`,
            `2. **沟通协作组合（第${v}版）**：《高效沟通》系列课 + 校招生融入项目包。${opts.long ? filler(80) : ''}（依据：${cite(1)}）`,
            `3. **数字化组合（第${v}版）**：数字化转型认知课。${opts.long ? filler(80) : ''}（依据：${cite(2)}）`,
          ].join('\n\n'),
        }
      }
      if (step === 'sys_activity_name') {
        const names = ['新锐领航营', '启航计划', '星火成长营', '破浪前行', '青苗计划']
        return {
          content: names
            .map((n, i) => `${i + 1}. ${n}${v > 1 ? v : ''}——寓意${opts.long ? filler(20) : '成长'}`)
            .join('\n'),
        }
      }
      return { content: `【${step}·第${v}版】${body0}` }
    },
  }
  return me
}
