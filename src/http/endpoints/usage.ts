import { storesOf } from '../../db/stores/index.js'
import { data, type Endpoint, listSchema, objectSchema } from '../endpoint.js'
import { pageOf, pageParams, str } from '../params.js'

/** AAndyUseRecordStatistics: the usage records every handled message leaves behind, newest first. */
export const usageEndpoint: Endpoint = {
  action: 'AAndyUseRecordStatistics',
  summary: '使用情况记录统计',
  tag: '使用统计',
  params: [
    ...pageParams(),
    {
      name: 'assistant_type',
      type: 'string',
      description: '助手类型（精确匹配）：1内容产品售卖、2平台合作客户、3内容打单方案、4内容客户案例…',
    },
    { name: 'user_dd_nick', type: 'string', description: '使用者钉钉昵称（精确匹配）' },
    { name: 'consult_content', type: 'string', description: '咨询内容（包含匹配）' },
    { name: 'conversation_type', type: 'string', description: '会话类型（精确匹配）：1单聊、2群聊' },
  ],
  response: listSchema(
    'items',
    'total',
    objectSchema({
      id: ['integer', '主键'],
      assistant_type: '助手类型',
      assistant_name: '助手名称',
      dd_group_name: '钉钉群名称',
      user_dd_nick: '使用者钉钉昵称',
      consult_content: '咨询内容',
      conversation_type: '会话类型：1单聊、2群聊',
      use_time: '使用时间',
      use_date: '使用日期',
    }),
  ),
  async run({ deps, values }) {
    // Through the store: with DATABASE_URL, the records every instance wrote (PostgreSQL).
    const res = await storesOf(deps.app.deps).usage.list(
      {
        assistant_type: str(values, 'assistant_type'),
        user_dd_nick: str(values, 'user_dd_nick'),
        consult_content: str(values, 'consult_content'),
        conversation_type: str(values, 'conversation_type'),
      },
      pageOf(values),
    )
    return data(res)
  },
}
