/** An error whose message is meant for the chat user (Chinese, actionable). The router replies with it. */
export class UserError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'UserError'
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
