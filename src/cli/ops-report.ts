import { writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { defineCommand } from 'citty'
import { localDate } from '../core/clock.js'
import { buildOpsReport, postOpsReport } from '../ops-report/build.js'
import { OpsReportError } from '../ops-report/errors.js'
import { recordedNarrativeLlm } from '../ops-report/ledger.js'
import { llmFromConfig } from '../services/llm.js'
import { exportDir } from '../stats/files.js'
import { openRuntime } from './bootstrap.js'
import { openCliStores } from './cli-stores.js'
import { renderMarkdown } from './render.js'

export default defineCommand({
  meta: {
    name: 'ops-report',
    description:
      '阶段运营报告 (AJdyyReportData): learning records (.xlsx/.csv) → metrics, narrative, chart, workbook; optional DingTalk robot webhook',
  },
  args: {
    input: {
      type: 'string',
      description: 'Learning records (.xlsx or .csv; columns: see docs/stats.md)',
      required: true,
    },
    'input-type': { type: 'string', description: 'Seed input_type: 1 = kng learning records (default 1)' },
    webhook: { type: 'string', description: 'DingTalk custom-robot webhook URL to post the summary to' },
    secret: { type: 'string', description: "The robot's SEC… signing secret (加签), when the robot uses one" },
    out: {
      type: 'string',
      description: 'Workbook path (default: <DB_PATH folder>/exports/<input>-运营报告-<date>.xlsx)',
    },
    png: { type: 'string', description: 'Chart path (default: next to the workbook, .png)' },
    title: { type: 'string', description: 'Report title (default 阶段运营报告)' },
  },
  async run({ args }) {
    const rt = openRuntime({ quiet: true })
    const client = llmFromConfig(rt.config.llm)
    // Cost accounting: every narrative call lands in llm_calls (PostgreSQL's with DATABASE_URL) like a chat message's would.
    const shared = client ? await openCliStores(rt) : undefined
    const llm =
      client &&
      shared &&
      recordedNarrativeLlm(client, shared.stores.llm.calls, {
        userId: 'cli',
        now: Date.now,
        onError: (err) => rt.logger.error({ err }, 'ops report llm call not recorded'),
      })
    try {
      const report = await buildOpsReport({
        file: args.input,
        inputType: args['input-type'],
        llm,
        now: Date.now(),
        title: args.title,
        llmTimeoutMs: rt.config.llm.timeoutMs,
        limits: rt.config.files,
      })
      const base = basename(args.input).replace(/\.[^.]+$/, '')
      const out = args.out ?? join(exportDir(rt.config), `${base}-运营报告-${localDate(Date.now())}.xlsx`)
      const png = args.png ?? out.replace(/\.xlsx$/i, '') + '.png'
      const wb = await report.writeWorkbook(out)
      writeFileSync(png, report.chartPng())
      process.stdout.write(`${renderMarkdown(report.markdown)}\n\n`)
      if (report.narrative.error) process.stdout.write(`（AI 解读失败，已用数据摘要代替：${report.narrative.error}）\n`)
      process.stdout.write(`✔ Excel：${wb.rows} 行 → ${out}\n✔ 图表 → ${png}\n`)
      if (args.webhook) {
        await postOpsReport(report, args.webhook, { secret: args.secret })
        process.stdout.write('✔ 已发送到钉钉群机器人\n')
      }
    } catch (err) {
      if (!(err instanceof OpsReportError)) throw err
      process.stderr.write(`${err.message}\n`)
      process.exitCode = err.code === 'webhook' ? 1 : 2
    } finally {
      await shared?.close()
      rt.db.close()
    }
  },
})
