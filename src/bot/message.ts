import { tableByIntent } from '../tables/index.js'

/** The seed's customType values (AReceiveMsg) → Andy intents. */
export const CUSTOM_TYPES: Record<string, string> = {
  '1': 'image', '2': 'report', '3': 'pitch', '4': 'case', '5': 'activity', '6': 'usage', '7': 'switch',
  rcfz: 'talent', hyps: 'meeting',
}

/** A search table's display name (its spec title: one name everywhere). */
const tableName = (intent: string): string => tableByIntent(intent)!.title

/** The seed's assistant_type for usage records, and the assistant names. */
export const ASSISTANTS: Record<string, { type: string; name: string }> = {
  procurement: { type: '1', name: tableName('procurement') },
  software: { type: '2', name: tableName('software') },
  pitch: { type: '3', name: tableName('pitch') },
  case: { type: '4', name: tableName('case') },
  activity: { type: '5', name: '运营活动设计' },
  usage: { type: '6', name: '使用次数统计' },
  switch: { type: '7', name: tableName('switch') },
  report: { type: 'report', name: '报告解读' },
  image: { type: 'image', name: '图片解读' },
  talent: { type: 'rcfz', name: '人才发展' },
  meeting: { type: 'hyps', name: '会议评审' },
  'ops-report': { type: 'ops-report', name: '阶段运营报告' },
  more: { type: 'more', name: '翻页（更多）' },
  export: { type: 'export', name: '导出 Excel' },
  cancel: { type: 'cancel', name: '取消' },
  progress: { type: 'progress', name: '查看进度' },
  unsupported: { type: 'unsupported', name: '不支持的消息类型' },
  quota: { type: 'quota', name: '钉钉额度告警' },
  rate_limited: { type: 'rate_limited', name: '超出频率限制' },
  forbidden: { type: 'forbidden', name: '非本组织消息' },
  help: { type: 'help', name: '帮助' },
  'admin-import': { type: 'admin-import', name: '导入数据' },
  'data-check': { type: 'data-check', name: '数据体检' },
  unanswered: { type: 'unanswered', name: '未能回答' },
  clarify: { type: 'clarify', name: '确认查询类别' },
}

export function assistantOf(intent: string): { type: string; name: string } {
  return ASSISTANTS[intent] ?? { type: intent, name: intent }
}
