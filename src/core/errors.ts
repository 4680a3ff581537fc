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

/**
 * The user stopped this message's generation (取消 while it ran). The router ends the message quietly:
 * the 取消 message itself tells the user what was stopped and what was kept.
 */
export class RunCancelled extends Error {
  constructor() {
    super('generation cancelled by the user')
    this.name = 'RunCancelled'
  }
}
