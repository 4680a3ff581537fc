import { storesOf } from '../../db/stores/index.js'
import { PROCESS_DATA_COLUMNS, type ProcessDataValues, type ProcessRow } from '../../db/stores/process-types.js'
import { data, type Endpoint, objectSchema } from '../endpoint.js'
import { ApiError, badRequest } from '../envelope.js'
import type { ParamSpec } from '../params.js'

/** ASaveAndyVardDtas / AGetAndyVarDatas: the activity-design workflow's stored steps, per user. */

const LABELS: Record<(typeof PROCESS_DATA_COLUMNS)[number], string> = {
  user_id: '用户id',
  user_name: '用户姓名',
  sys_survey_report: '系统-需求调研报告',
  sys_activity_need: '系统-活动方案-活动需求',
  sys_content_select: '系统-活动方案-内容选择',
  user_content_select: '用户-活动方案-内容选择',
  sys_content_tuij: '系统-活动方案-内容推荐',
  sys_activity_name: '系统-活动方案-活动名称',
  user_activity_name: '用户-活动方案-活动名称',
  sys_activity_ideas: '系统-活动方案-活动思路',
  sys_activity_plan: '系统-活动方案-活动策划',
  sys_activity_enroll: '系统-活动方案-活动报名',
  sys_activity_xuanc: '系统-活动方案-活动宣传',
  sys_incentive_plan: '系统-活动方案-激励措施',
  sys_yuqi_result: '系统-活动方案-预期效果',
  sys_refine_merge: '方案合并',
  sys_activity_simplify: '方案精简',
  fansan_mothed: '发散方式',
  yixiang_course: '意向课程',
  activity_type: '活动类型',
  block_index: '分块索引，默认0',
  total_tokens: '总Token数',
  total_rmb: '总人民币',
  current_model: '当前模型',
  activity_beijing: '活动背景',
  activity_mubiao: '活动目标',
  enterprise_name: '企业名称',
}

const NUMERIC: Partial<Record<string, Pick<ParamSpec, 'type' | 'min'>>> = {
  block_index: { type: 'integer', min: 0 },
  total_tokens: { type: 'integer', min: 0 },
  total_rmb: { type: 'number', min: 0 },
}

/** Numbers stored as numbers that the seed types as 字符串. */
const SEED_STRINGS = ['id', 'block_index', 'total_tokens', 'total_rmb'] as const

const fieldParams: ParamSpec[] = PROCESS_DATA_COLUMNS.map((name) => ({
  name,
  type: 'string',
  description: LABELS[name],
  ...NUMERIC[name],
}))

export const saveProcessDataEndpoint: Endpoint = {
  action: 'ASaveAndyVardDtas',
  summary: '保存过程数据存储表（operate_type 1 创建，2 按 id 更新）',
  tag: '过程数据',
  idempotent: true,
  params: [
    {
      name: 'operate_type',
      type: 'integer',
      default: 1,
      min: 1,
      max: 2,
      description: '操作方式，1-创建，2-更新。默认为1创建',
    },
    { name: 'id', type: 'integer', min: 1, description: '待更新的数据ID（operate_type=2 时必填）' },
    ...fieldParams,
  ],
  response: objectSchema({ id: '新主键Id（更新时为被更新的 id；字符串）', row_num: '影响行数（字符串）' }),
  notes: '更新时只改动本次给出的字段；空字符串视为未给出。',
  async run({ deps, values }) {
    const records = storesOf(deps.app.deps).workflows.processData
    const fields: ProcessDataValues = {}
    for (const c of PROCESS_DATA_COLUMNS) {
      const v = values[c]
      if (typeof v === 'string' || typeof v === 'number') fields[c] = v
    }
    const now = deps.now()
    if (values.operate_type === 1) {
      const id = await records.insert(fields, now)
      return data(
        { id: String(id), row_num: '1' },
        values.id !== undefined ? 'operate_type=1（创建）时忽略参数 id' : '',
      )
    }
    const id = values.id
    if (typeof id !== 'number') throw badRequest('operate_type=2（更新）时必须提供参数 id（待更新的数据ID）')
    const rowNum = await records.update(id, fields, now)
    if (rowNum === 0) throw new ApiError(404, `id=${id} 的过程数据不存在，无法更新；新建请用 operate_type=1`)
    return data({ id: String(id), row_num: String(rowNum) })
  },
}

const RECORD_FIELDS = ['id', ...PROCESS_DATA_COLUMNS, 'created_at', 'updated_at'] as const

/** The seed types every field as 字符串: the counters and the id go out as strings. */
function seedRecord(r: ProcessRow): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of RECORD_FIELDS) out[k] = (r as Record<string, unknown>)[k] ?? null
  for (const k of SEED_STRINGS) if (out[k] !== null && out[k] !== undefined) out[k] = String(out[k])
  return out
}

export const getProcessDataEndpoint: Endpoint = {
  action: 'AGetAndyVarDatas',
  summary: '根据 user_id 获取过程数据存储表数据详情',
  tag: '过程数据',
  params: [{ name: 'user_id', type: 'string', required: true, description: '过程数据存储表数据 UserID' }],
  response: {
    type: 'object',
    properties: {
      datas: {
        type: 'array',
        items: objectSchema({
          id: '主键（字符串）',
          ...LABELS,
          created_at: ['integer', '创建时间（毫秒）'],
          updated_at: ['integer', '更新时间（毫秒）'],
        }),
      },
    },
  },
  async run({ deps, values }) {
    const rows = await storesOf(deps.app.deps).workflows.processData.listOfUser(String(values.user_id))
    // In block order, each with the seed's fields in the seed's order.
    const datas = rows.sort((a, b) => a.block_index - b.block_index || a.id - b.id).map(seedRecord)
    return data({ datas })
  },
}
