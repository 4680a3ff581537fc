import { fileURLToPath } from 'node:url'

/**
 * Node arguments that run the compiled CLI (dist/main.js, built once per test run by test/helpers/build-dist.ts):
 * what `bin/andy.js` runs in production, and seconds faster per spawn than tsx compiling src/ again.
 */
export const ANDY_CLI: readonly string[] = [fileURLToPath(new URL('../../dist/main.js', import.meta.url))]
