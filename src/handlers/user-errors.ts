import type { ErrorMapping } from '../bot/router.js'
import { UserError } from '../core/errors.js'
import { escapeMd } from '../core/markdown.js'
import { OpsReportError } from '../ops-report/errors.js'
import { FileFormatError } from '../services/file-common.js'
import { ImportError } from '../services/import-types.js'
import { PeriodError } from '../stats/period.js'
import { fileOf } from './inbound-file.js'

/**
 * The one table of domain errors → the user's message, applied by the router's error boundary: handlers
 * let these errors through instead of catching and rethrowing them as UserError. An error that matches
 * no entry (and is no UserError) is logged and answered with the apology.
 */
export const USER_ERRORS: readonly ErrorMapping[] = [
  // 统计 with a period it cannot read (「统计 13月」).
  (err) => (err instanceof PeriodError ? new UserError('bad_period', err.message) : undefined),
  // An admin's 导入 of a file that is not a table of cases (nothing was written).
  (err) =>
    err instanceof ImportError || err instanceof FileFormatError
      ? new UserError('import_failed', `${escapeMd(err.message)}\n\n没有导入任何数据。`)
      : undefined,
  // 运营报告 from a file it cannot read; a file over a resource cap (or one that timed out or crashed its
  // parser) marks the message failed.
  (err, ctx) => {
    if (!(err instanceof OpsReportError)) return undefined
    if (err.code === 'too_large' || err.code === 'file_failed') {
      ctx.result.status = 'failed'
      ctx.logger.warn(
        { code: err.code, reason: err.message, fileName: fileOf(ctx.msg)?.fileName },
        'ops report file refused',
      )
    }
    return new UserError(`ops_report_${err.code}`, err.message)
  },
]
