import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

/**
 * Node arguments that run the compiled CLI (dist/main.js, built once per test run by test/helpers/build-dist.ts):
 * what `bin/andy.js` runs in production, and seconds faster per spawn than tsx compiling src/ again.
 */
export const ANDY_CLI: readonly string[] = [fileURLToPath(new URL('../../dist/main.js', import.meta.url))]

export interface CliResult {
  stdout: string
  stderr: string
  /** The exit code (0 on success). */
  code: number
}

/** `andy …` as a user runs it: the compiled CLI in a child process with `env`, never throwing on a non-zero exit. */
export function cliRunner(env: NodeJS.ProcessEnv, timeoutMs = 240_000): (...args: string[]) => Promise<CliResult> {
  const cwd = fileURLToPath(new URL('../..', import.meta.url))
  return async (...args) => {
    try {
      return { ...(await run(process.execPath, [...ANDY_CLI, ...args], { cwd, env, timeout: timeoutMs })), code: 0 }
    } catch (err) {
      const e = err as CliResult
      return { stdout: e.stdout, stderr: e.stderr, code: e.code }
    }
  }
}

const run = promisify(execFile)
