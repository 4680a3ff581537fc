/**
 * npm run bench [-- name…]: runs the benchmark scripts (each in its own process, so memory figures do
 * not mix) and prints their tables. Names: the files in bench/ without .ts (search, delivery, llm,
 * excel, http, stats, files). Extra arguments after `--` go to every script (e.g. a row count).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('.', import.meta.url))
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'util.ts'].includes(f) && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort()
const args = process.argv.slice(2)
const names = args.filter((a) => available.includes(a))
const passthrough = args.filter((a) => !available.includes(a))
const chosen = names.length ? names : available
let failed = 0
for (const name of chosen) {
  const file = `${dir}${name}.ts`
  if (!existsSync(file)) continue
  process.stdout.write(`\n=== bench/${name}.ts ===\n`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file, ...passthrough], { stdio: 'inherit' })
  if (r.status !== 0) {
    failed++
    process.stdout.write(`bench/${name}.ts exited with ${r.status}\n`)
  }
}
process.exitCode = failed ? 1 : 0
