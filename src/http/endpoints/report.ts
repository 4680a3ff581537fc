import { type Endpoint } from '../endpoint.js'
import { ApiError } from '../envelope.js'

/** AJdyyReportData: the operations report. Answers 501 until the report feature lands. */
export const reportDataEndpoint: Endpoint = {
  action: 'AJdyyReportData',
  summary: '获取阶段运营报告数据（尚未上线）',
  tag: '运营报告',
  params: [
    { name: 'input_type', type: 'string', description: '输入类型，1-kng，2-…' },
    { name: 'webhook', type: 'string', description: '回送地址' },
  ],
  response: { type: 'object' },
  notes: '尚未上线：返回 ret=501。',
  run() {
    throw new ApiError(501, 'AJdyyReportData（阶段运营报告）尚未在 Andy 上线，暂不可用；上线后无需修改调用方式。')
  },
}
