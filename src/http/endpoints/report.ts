import { storesOf } from '../../db/stores/index.js'
import { buildOpsReport, postOpsReport } from '../../ops-report/build.js'
import { OpsReportError } from '../../ops-report/errors.js'
import { recordedNarrativeLlm } from '../../ops-report/ledger.js'
import { checkOutboundUrl, guardedFetch, type UrlPolicy, UrlRefusedError } from '../../transport/url-guard.js'
import { data, type Endpoint } from '../endpoint.js'
import { ApiError, badRequest } from '../envelope.js'

/**
 * AJdyyReportData: the stage operations report (阶段运营报告) from a customer's learning-platform export.
 * The seed defines only `input_type` and `webhook`; the workbook itself comes as `file_base64` (within the
 * body limit, HTTP_BODY_LIMIT_KB) or `file_url` (downloaded, ≤ 20 MB). With `webhook` (a DingTalk
 * custom-robot URL; `secret` = its SEC… signing secret) the summary is also posted there.
 */

const MAX_BYTES = 20 * 1024 * 1024

/** A URL from the request: public hosts only, unless allowlisted (transport/url-guard.ts); refusals are 400s. */
async function checked<T>(p: Promise<T>): Promise<T> {
  try {
    return await p
  } catch (err) {
    if (err instanceof UrlRefusedError) throw badRequest(err.message)
    throw err
  }
}

async function download(url: string, policy: UrlPolicy): Promise<Uint8Array> {
  let res: Response
  try {
    res = await checked(guardedFetch(url, 'file_url', policy, { signal: AbortSignal.timeout(30_000) }))
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw badRequest(`无法下载 file_url：${(err as Error).message}`)
  }
  if (!res.ok || !res.body) throw badRequest(`下载 file_url 失败：HTTP ${res.status}`)
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength
    if (size > MAX_BYTES) throw badRequest('file_url 指向的文件超过 20 MB')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

export const reportDataEndpoint: Endpoint = {
  action: 'AJdyyReportData',
  summary: '获取阶段运营报告数据',
  tag: '运营报告',
  params: [
    { name: 'input_type', type: 'string', default: '1', description: '输入类型，1-kng（知识/课程学习记录）' },
    { name: 'webhook', type: 'string', description: '回送：钉钉自定义机器人 Webhook 地址（可选）' },
    { name: 'secret', type: 'string', description: '回送机器人的加签密钥 SEC…（可选）' },
    { name: 'file_base64', type: 'string', description: '学习记录工作簿（.xlsx/.csv）的 base64 内容' },
    { name: 'file_url', type: 'string', description: '或：学习记录工作簿的下载地址（≤ 20 MB）' },
    { name: 'file_name', type: 'string', default: 'learning.xlsx', description: '文件名（用于识别 .xlsx / .csv）' },
    { name: 'title', type: 'string', description: '报告标题（默认：阶段运营报告）' },
  ],
  response: {
    type: 'object',
    properties: {
      title: { type: 'string' },
      markdown: { type: 'string', description: '报告正文（钉钉 markdown）' },
      metrics: { type: 'object', description: '阶段指标：参与率、完成率、学时、按部门/课程/周' },
      problems: { type: 'integer', description: '有问题而被跳过的行数' },
      narrative: { type: 'string', description: 'llm：大模型撰写；plain：指标摘要' },
      webhook_posted: { type: 'boolean' },
    },
  },
  notes:
    '工作簿列：学员/姓名、部门、课程/课程名称、学习时长（分钟/小时）、完成状态/是否完成/完成率、学习日期。file_base64 与 file_url 二选一。',
  async run({ deps, values, logger }) {
    const b64 = values.file_base64 as string | undefined
    const url = values.file_url as string | undefined
    if (!b64 && !url) throw badRequest('需要学习记录工作簿：请传 file_base64（文件的 base64）或 file_url（下载地址）')
    const policy: UrlPolicy = { allowlist: deps.config.urlAllowlist }
    if (values.webhook) await checked(checkOutboundUrl(String(values.webhook), 'webhook', policy))
    const buffer = b64 ? Buffer.from(b64, 'base64') : await download(url!, policy)
    if (buffer.byteLength === 0) throw badRequest('file_base64 解码后为空，请检查编码')
    if (buffer.byteLength > MAX_BYTES) throw new ApiError(413, `文件超过 ${MAX_BYTES / 1024 / 1024} MB，请拆分后再提交`)
    let report
    try {
      report = await buildOpsReport({
        buffer,
        fileName: String(values.file_name ?? 'learning.xlsx'),
        inputType: values.input_type as string | undefined,
        // Its narrative's calls are recorded in llm_calls (PostgreSQL's with DATABASE_URL), for cost accounting.
        llm:
          deps.app.deps.llm &&
          recordedNarrativeLlm(deps.app.deps.llm, storesOf(deps.app.deps).llm.calls, {
            userId: 'api',
            now: deps.now,
            onError: (err) => logger.error({ err }, 'ops report llm call not recorded'),
          }),
        now: deps.now(),
        title: values.title as string | undefined,
        // The workbook is read in a parsing worker within the file caps (ANDY_FILE_*): a zip bomb is a 413.
        limits: deps.app.deps.config.files,
      })
    } catch (err) {
      if (err instanceof OpsReportError)
        throw new ApiError(err.code === 'too_large' ? 413 : err.code === 'file_failed' ? 422 : 400, err.message)
      throw err
    }
    let webhookError: string | undefined
    if (values.webhook) {
      try {
        const post = (target: string, init: RequestInit) =>
          guardedFetch(target, 'webhook', policy, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json; charset=utf-8' },
            body: String(init.body),
            signal: init.signal ?? undefined,
          })
        await postOpsReport(report, String(values.webhook), {
          secret: values.secret as string | undefined,
          now: deps.now,
          fetch: post as typeof fetch,
        })
      } catch (err) {
        webhookError = (err as Error).message
        logger.warn({ err }, 'AJdyyReportData: webhook post failed')
      }
    }
    return data(
      {
        title: report.title,
        markdown: report.markdown,
        metrics: report.metrics,
        problems: report.problems.length,
        narrative: report.narrative.source,
        webhook_posted: values.webhook ? webhookError === undefined : false,
      },
      webhookError ? `报告已生成，但回送 webhook 失败：${webhookError}` : undefined,
    )
  },
}
