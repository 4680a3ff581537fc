/**
 * The 运营活动设计 workflow, described once: the six inputs, then the steps in order (generation steps
 * are prompt_steps rows whose step_type is the process_data field they fill; picks are the user's
 * choices). process_data.block_index counts completed blocks: 0 = collecting the inputs, k = the k-th
 * entry of ACTIVITY_STEPS is next, ACTIVITY_STEPS.length + 1 = done.
 */

export const INPUT_FIELDS = [
  'enterprise_name',
  'activity_beijing',
  'activity_mubiao',
  'activity_type',
  'yixiang_course',
  'fansan_mothed',
] as const
export type InputField = (typeof INPUT_FIELDS)[number]

export const INPUT_LABELS: Record<InputField, string> = {
  enterprise_name: '企业名称',
  activity_beijing: '活动背景',
  activity_mubiao: '活动目标',
  activity_type: '活动类型',
  yixiang_course: '意向课程',
  fansan_mothed: '发散方式',
}

/** What to tell the user about each input when asking for it. */
export const INPUT_HINTS: Record<InputField, string> = {
  enterprise_name: '客户的企业名称，如：远拓通信集团',
  activity_beijing: '为什么要做这个活动，如：今年校招 300 名新员工，入职后融入慢、流失率高',
  activity_mubiao: '希望达到的效果，如：3 个月内新员工留存率提升到 90%',
  activity_type: '线上/线下/混合，或训练营、知识竞赛、学习打卡、读书会等',
  yixiang_course: '客户想用的课程或内容方向，如：职场新人训练营、沟通协作；不确定可填“无”',
  fansan_mothed: '创意的发散程度：稳妥务实 / 适度创新 / 大胆发散（也可写头脑风暴、SCAMPER 等方法）',
}

export type ActivityField =
  | 'sys_survey_report'
  | 'sys_activity_need'
  | 'sys_content_select'
  | 'sys_content_tuij'
  | 'user_content_select'
  | 'sys_activity_name'
  | 'user_activity_name'
  | 'sys_activity_ideas'
  | 'sys_activity_plan'
  | 'sys_activity_enroll'
  | 'sys_activity_xuanc'
  | 'sys_incentive_plan'
  | 'sys_yuqi_result'
  | 'sys_refine_merge'
  | 'sys_activity_simplify'

export interface ActivityStep {
  readonly field: ActivityField
  readonly kind: 'gen' | 'pick'
  readonly label: string
  /** pick: the generation step whose numbered options the user picks from. */
  readonly optionsFrom?: ActivityField
  /** gen: variables besides the inputs and earlier results (computed by the workflow). */
  readonly extras?: readonly string[]
}

export const ACTIVITY_STEPS: readonly ActivityStep[] = [
  { field: 'sys_survey_report', kind: 'gen', label: '需求调研报告' },
  { field: 'sys_activity_need', kind: 'gen', label: '活动需求' },
  { field: 'sys_content_select', kind: 'gen', label: '内容选择' },
  { field: 'sys_content_tuij', kind: 'gen', label: '内容推荐', extras: ['content_rows'] },
  { field: 'user_content_select', kind: 'pick', label: '选择内容', optionsFrom: 'sys_content_tuij' },
  { field: 'sys_activity_name', kind: 'gen', label: '活动名称' },
  { field: 'user_activity_name', kind: 'pick', label: '选择活动名称', optionsFrom: 'sys_activity_name' },
  { field: 'sys_activity_ideas', kind: 'gen', label: '活动思路' },
  { field: 'sys_activity_plan', kind: 'gen', label: '活动策划' },
  { field: 'sys_activity_enroll', kind: 'gen', label: '活动报名' },
  { field: 'sys_activity_xuanc', kind: 'gen', label: '活动宣传' },
  { field: 'sys_incentive_plan', kind: 'gen', label: '激励措施' },
  { field: 'sys_yuqi_result', kind: 'gen', label: '预期效果' },
  { field: 'sys_refine_merge', kind: 'gen', label: '方案合并' },
  { field: 'sys_activity_simplify', kind: 'gen', label: '方案精简' },
]

/** block_index when every step is done. */
export const DONE_INDEX = ACTIVITY_STEPS.length + 1

export const GEN_STEPS = ACTIVITY_STEPS.filter((s) => s.kind === 'gen')
/** The prompt_steps step_types of the workflow. */
export const ACTIVITY_STEP_TYPES: readonly string[] = GEN_STEPS.map((s) => s.field)

/** The step a block index points at (undefined for 0 = inputs and for done). */
export function stepAt(blockIndex: number): ActivityStep | undefined {
  return blockIndex >= 1 ? ACTIVITY_STEPS[blockIndex - 1] : undefined
}

export function blockIndexOf(field: ActivityField): number {
  return ACTIVITY_STEPS.findIndex((s) => s.field === field) + 1
}

/** 1-based position of a generation step among the generation steps ("(3/13)"). */
export function genPosition(field: ActivityField): number {
  return GEN_STEPS.findIndex((s) => s.field === field) + 1
}

/** Variables a generation step's prompt may use: the inputs, every earlier result, its extras. */
export function activityVariables(field: string): string[] | undefined {
  const i = ACTIVITY_STEPS.findIndex((s) => s.field === field)
  if (i < 0) return undefined
  return [...INPUT_FIELDS, ...ACTIVITY_STEPS.slice(0, i).map((s) => s.field), ...(ACTIVITY_STEPS[i]!.extras ?? [])]
}

/** Variables every prompt step has: the date, the previous output; step N also has step1..step(N-1). */
export const COMMON_VARIABLES = ['today', 'prev'] as const

/**
 * Variables of step `stepNo` (1-based; 0 = the row's main prompt) of a prompt_steps row.
 * Activity steps have the workflow's variables; other pipelines (rcfz, hyps …) have the message text `input`.
 */
export function variablesFor(stepType: string, stepNo: number): string[] {
  const base = activityVariables(stepType) ?? ['input']
  const earlier = Array.from({ length: Math.max(0, stepNo - 1) }, (_, k) => `step${k + 1}`)
  return [...base, ...COMMON_VARIABLES, ...earlier]
}

/** Variables of a report prompt (report_prompts): the report text, the app, earlier steps. */
export function reportVariables(stepNo: number): string[] {
  const earlier = Array.from({ length: Math.max(0, stepNo - 1) }, (_, k) => `step${k + 1}`)
  return ['report', 'app_name', 'input', ...COMMON_VARIABLES, ...earlier]
}
