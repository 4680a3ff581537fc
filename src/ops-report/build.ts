import type { Writable } from 'node:stream'
import type { FileLimits } from '../core/file-limits.js'
import type { WorkbookResult } from '../services/excel.js'
import { OpsReportError } from './errors.js'
import { computeOpsMetrics, type OpsMetrics } from './metrics.js'
import { type Narrative, type NarrativeLlm, writeNarrative } from './narrative.js'
import { type LearningRecord, type RowProblem, readLearningData } from './read.js'
import { opsReportMarkdown, renderOpsChart, writeOpsWorkbook } from './render.js'
import { postRobotMarkdown, type WebhookPostOptions } from './webhook.js'

/**
 * 阶段运营报告 (seed AJdyyReportData): one entry point for the chat command, `andy ops-report` and the
 * HTTP API. input_type 1 = kng (knowledge/course learning records); other types are refused clearly.
 */

export const SUPPORTED_INPUT_TYPES = ['1'] as const

export type OpsReportSource = { file: string } | { buffer: Uint8Array; fileName: string }

export type BuildOpsReportOptions = OpsReportSource & {
  /** Seed input_type: '1' (default) = kng learning records. */
  inputType?: string
  /** Writes the narrative when given (LlmClient, or a wrapper that records cost). */
  llm?: NarrativeLlm
  /** Report time (ms); only used for the title date. */
  now: number
  title?: string
  llmTimeoutMs?: number
  /** Resource caps for reading the file (config.files); the defaults otherwise. */
  limits?: FileLimits
}

export interface OpsReport {
  metrics: OpsMetrics
  narrative: Narrative
  /** DingTalk markdown (also what the webhook posts). */
  markdown: string
  title: string
  records: readonly LearningRecord[]
  problems: readonly RowProblem[]
  /** Renders the chart picture (PNG, 960 wide). */
  chartPng(): Buffer
  /** Writes the workbook (概览, 按部门, 按课程, 按周, 明细, 数据问题) to a path or stream. */
  writeWorkbook(target: string | Writable): Promise<WorkbookResult>
}

export async function buildOpsReport(o: BuildOpsReportOptions): Promise<OpsReport> {
  const inputType = (o.inputType ?? '1').trim() || '1'
  if (!(SUPPORTED_INPUT_TYPES as readonly string[]).includes(inputType)) {
    throw new OpsReportError(
      'unsupported_type',
      `input_type=${inputType} 暂不支持；目前支持 1（kng 知识/课程学习记录）。`,
    )
  }
  const data = await readLearningData(
    'file' in o ? { file: o.file } : { buffer: o.buffer, fileName: o.fileName },
    o.limits,
  )
  const metrics = computeOpsMetrics(data.records)
  const narrative = await writeNarrative(metrics, o.llm, { timeoutMs: o.llmTimeoutMs })
  const title = o.title ?? '阶段运营报告'
  const markdown = opsReportMarkdown(metrics, narrative, { title, problems: data.problems })
  return {
    metrics,
    narrative,
    markdown,
    title,
    records: data.records,
    problems: data.problems,
    chartPng: () => renderOpsChart(metrics),
    writeWorkbook: (target) => writeOpsWorkbook(target, metrics, narrative, data.records, data.problems),
  }
}

/** Posts the report's markdown to a custom-robot webhook (signed when `secret` is given). */
export function postOpsReport(
  report: Pick<OpsReport, 'markdown' | 'title'>,
  url: string,
  o: WebhookPostOptions = {},
): Promise<void> {
  return postRobotMarkdown(url, report.title, report.markdown, o)
}
