import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Vitest globalSetup: compiles src/ → dist/ (esbuild, about a second) so CLI tests run what production runs. */
export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: root, stdio: 'inherit' })
}
