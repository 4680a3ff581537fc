import { storesOf } from '../../db/stores/index.js'
import { data, type Endpoint, listSchema, objectSchema } from '../endpoint.js'
import { pageOf, pageParams, str } from '../params.js'

/**
 * ALieBiaoAndypromptsteps and ALieBiaoAndyReportPromts: the prompt tables the pipelines read, through the
 * prompt store — with DATABASE_URL the ones in PostgreSQL that every instance uses, not the local file.
 */

const stepFields = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`step${i + 1}`, `步骤${i + 1}`]))

export const promptStepsEndpoint: Endpoint = {
  action: 'ALieBiaoAndypromptsteps',
  summary: '分页获取提示词步骤表数据列表',
  tag: '提示词',
  params: [
    ...pageParams(),
    { name: 'version', type: 'string', required: true, example: '1.0', description: '提示词版本，如 1.0' },
    { name: 'step_type', type: 'string', description: '步骤类型（精确匹配），如 qymc（企业名称）' },
  ],
  response: listSchema(
    'lie_biao',
    'zong_shu',
    objectSchema({
      id: ['integer', '主键'],
      version: '提示词版本',
      step_type: '步骤类型',
      step_name: '步骤名称（企业名称、企业概述…）',
      prompt: '提示词',
      ...stepFields,
    }),
  ),
  async run({ deps, values }) {
    const res = await storesOf(deps.app.deps).llm.prompts.pageSteps(
      { version: String(values.version), stepType: str(values, 'step_type') },
      pageOf(values),
    )
    return data({ lie_biao: res.rows, zong_shu: res.total })
  },
}

export const reportPromptsEndpoint: Endpoint = {
  action: 'ALieBiaoAndyReportPromts',
  summary: '分页获取报告解读提示词步骤表数据列表',
  tag: '提示词',
  params: [
    ...pageParams(),
    { name: 'app_catalog', type: 'string', description: '应用分类（精确匹配）' },
    { name: 'app_name', type: 'string', description: '应用名称（包含匹配）' },
    { name: 'app_id', type: 'string', description: '应用 id（精确匹配）' },
  ],
  response: listSchema(
    'lie_biao',
    'zong_shu',
    objectSchema({
      id: ['integer', '主键'],
      app_catalog: '应用分类',
      app_name: '应用名称',
      app_id: '应用id',
      app_url: '应用地址',
      currNodeInstanceId: '节点实例id',
      order_index: ['integer', '排序'],
      prompt: '主提示词',
      step1: '步骤1',
      step2: '步骤2',
      step3: '步骤3',
    }),
  ),
  async run({ deps, values }) {
    const res = await storesOf(deps.app.deps).llm.prompts.pageReports(
      {
        appCatalog: str(values, 'app_catalog'),
        appNameContains: str(values, 'app_name'),
        appId: str(values, 'app_id'),
      },
      pageOf(values),
    )
    return data({ lie_biao: res.rows, zong_shu: res.total })
  },
}
