import type { AppDeps, HandlerFn } from '../bot/context.js'
import type { Router } from '../bot/router.js'
import { features } from '../core/features.js'
import { cancelHandler, progressHandler, progressResolver } from '../pipelines/control.js'
import { meetingHandler, pipelineContinueResolver, talentHandler } from '../pipelines/prompt-pipeline.js'
import { workflowResolver } from '../pipelines/workflow.js'
import { TABLES } from '../tables/index.js'
import { registerAdminData } from './admin-import.js'
import { helpHandler, unansweredHandler } from './help.js'
import { lazyHandler } from './lazy.js'
import { moreHandler } from './more.js'
import { OPS_REPORT_INTENT, opsReportHandler, opsReportResolver } from './ops-report.js'
import { reportPickResolver, withReportCancel } from './report-state.js'
import { registerResolvers } from './resolvers.js'
import { searchHandler } from './search.js'
import { quotaHandler, unavailableHandler, unsupportedHandler } from './unavailable.js'
import { USER_ERRORS } from './user-errors.js'

/**
 * Registers every resolver and handler. Later features add their own here; `unavailable` answers any
 * intent without a handler and must stay registered.
 */
export function registerHandlers(router: Router, _deps: AppDeps): void {
  router.mapError(...USER_ERRORS)
  // 运营报告 (text, or an .xlsx/.csv named or announced as one): ahead of the generic msgtype routing of files.
  router.resolve('msgtype', opsReportResolver)
  // Admins' 导入 (spreadsheets from DingTalk) and 数据体检: ahead of 取消/报告解读 routing.
  registerAdminData(router)
  registerResolvers(router)
  for (const t of TABLES) router.handle(t.intent, searchHandler)
  router.handle('more', moreHandler)
  // Files in, Excel out: 导出 (all rows of the last search), 报告解读 (documents; a pending "reply a number" pick), 图片.
  router.handle(
    'export',
    lazyHandler(async () => (await import('./export.js')).exportHandler),
  )
  router.resolve('workflow', reportPickResolver)
  router.handle(
    'report',
    lazyHandler(async () => (await import('./report.js')).reportHandler),
  )
  router.handle(
    'image',
    lazyHandler(async () => (await import('./image.js')).imageHandler),
  )
  // LLM pipelines: 运营活动设计 (resumable workflow), 人才发展, 会议评审 (resumable runs: 继续); 查看进度 and
  // 取消 act on the running generation too (app.ts does not queue them behind it).
  router.resolve('control', progressResolver)
  router.handle('progress', progressHandler)
  router.resolve('workflow', pipelineContinueResolver)
  router.resolve('workflow', workflowResolver)
  router.handle(
    'activity',
    lazyHandler(async () => (await import('../pipelines/activity.js')).activityHandler),
  )
  router.handle('talent', talentHandler)
  router.handle('meeting', meetingHandler)
  router.handle('cancel', withReportCancel(cancelHandler))
  // 统计 (customType 6) and 阶段运营报告.
  router.handle(
    'usage',
    lazyHandler(async () => (await import('./usage.js')).usageHandler),
  )
  router.handle(OPS_REPORT_INTENT, opsReportHandler)
  router.handle('help', helpHandler)
  router.handle('unanswered', unansweredHandler)
  router.handle('unsupported', unsupportedHandler)
  router.handle('quota', quotaHandler)
  router.handle('unavailable', unavailableHandler)
  // Features registered at run time (core/features.ts registerFeature) bring their own handler.
  for (const f of features()) if (f.handler) router.handle(f.intent, f.handler as HandlerFn)
}
