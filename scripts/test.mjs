// npm test: the type check and the test suite side by side (the suite spends much of its time waiting on
// sockets and timers, so tsc uses the idle CPU). Fails when either fails; tsc's output comes after the suite's.
// Extra arguments go to vitest (npm test -- test/search).
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const tscBin = require.resolve('typescript/bin/tsc')
const vitestBin = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs')

function run(args, capture) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' })
    let out = ''
    if (capture) {
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (out += d))
    }
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }))
  })
}

const started = Date.now()
const [tsc, vitest] = await Promise.all([
  run([tscBin, '--noEmit'], true),
  run([vitestBin, 'run', ...process.argv.slice(2)], false),
])
process.stdout.write(tsc.code === 0 ? 'tsc --noEmit: no type errors\n' : `tsc --noEmit found type errors:\n${tsc.out}`)
process.stdout.write(`npm test: ${((Date.now() - started) / 1000).toFixed(0)} s\n`)
process.exitCode = tsc.code || vitest.code
