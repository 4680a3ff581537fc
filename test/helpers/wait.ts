/**
 * Waiting in tests. Every wait is for an event (a condition becoming true), never for a span of time; the
 * limit only turns a hang into a failure with a message. It is wide (two minutes) because CI runs on a shared
 * 2-core machine where the suite can take ten times as long as on a quiet one: a limit that load can reach
 * makes a flaky test, and a generous one costs nothing while the test passes.
 */
export const HANG_MS = 120_000

/** Polls `cond` every 10 ms; rejects, naming `what`, if it is still false after `timeoutMs`. */
export async function until(cond: () => boolean, what = 'condition', timeoutMs = HANG_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
