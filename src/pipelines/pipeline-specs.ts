/** 人才发展 and 会议评审: the prompt pipelines run on a message's text (see prompt-pipeline.ts). */

export interface PipelineSpec {
  stepType: string
  name: string
  /** Words that only name the feature; removed from the text before it is used as input. */
  trigger: RegExp
  example: string
}

export const PIPELINES: Record<string, PipelineSpec> = {
  talent: {
    stepType: 'rcfz',
    name: '人才发展',
    trigger: /^(?:\/)?(人才发展(?:建议|方案)?)[\s:：，,]*/,
    example: '人才发展：某制造企业 5000 人，今年提拔了 60 名技术骨干做基层经理，普遍不会带团队，离职率上升',
  },
  meeting: {
    stepType: 'hyps',
    name: '会议评审',
    trigger: /^(?:\/)?(会议评审|评审会议|会议纪要评审)[\s:：，,]*/,
    example: '会议评审：（把会议纪要或议程贴在这里）',
  },
}

/** The pipeline (intent and spec) whose prompts have this step type. */
export function pipelineOfStepType(stepType: string): [intent: string, spec: PipelineSpec] | undefined {
  return Object.entries(PIPELINES).find(([, p]) => p.stepType === stepType)
}
