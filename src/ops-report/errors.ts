/** too_large: a resource cap (ANDY_FILE_*) or MAX_RECORDS; file_failed: the parse timed out or its worker crashed. */
export type OpsReportErrorCode =
  | 'unsupported_type'
  | 'bad_file'
  | 'missing_columns'
  | 'no_rows'
  | 'too_large'
  | 'file_failed'
  | 'webhook'

/** A problem with the input or the delivery, worded for the person who sent it (Chinese). */
export class OpsReportError extends Error {
  constructor(
    readonly code: OpsReportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'OpsReportError'
  }
}
