#!/usr/bin/env node
// `npm run build`: src/**/*.ts → dist/**/*.js, one output file per source file (no bundling), so dist/
// mirrors src/ and every import.meta.url-relative path (../../drizzle, ../../data/…) stays valid.
// esbuild only strips types (≈1 s for the whole tree); `tsc --noEmit` (npm test) does the type check.
// Also the `prepare` script: in a production install (`npm ci --omit=dev`) esbuild is absent and the
// shipped dist/ is used as it is.
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const src = join(root, 'src')
const dist = join(root, 'dist')

let esbuild
try {
  esbuild = await import('esbuild')
} catch {
  if (existsSync(join(dist, 'main.js'))) {
    console.log('andy build: esbuild is not installed (production install); using the shipped dist/')
    process.exit(0)
  }
  console.error(
    'andy build: esbuild is not installed and dist/ is missing — run `npm ci` (with dev dependencies) and `npm run build`',
  )
  process.exit(process.env.npm_lifecycle_event === 'prepare' ? 0 : 1)
}

const entryPoints = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => join(src, f))

// Build beside dist/ and swap it in, so a running `andy` never sees a half-written tree.
const next = `${dist}.${process.pid}.tmp`
rmSync(next, { recursive: true, force: true })
const t0 = performance.now()
await esbuild.build({
  entryPoints,
  outdir: next,
  outbase: src,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
})
const old = `${dist}.${process.pid}.old`
if (existsSync(dist)) renameSync(dist, old)
renameSync(next, dist)
rmSync(old, { recursive: true, force: true })
if (!process.argv.includes('--quiet')) {
  console.log(
    `andy build: ${entryPoints.length} files → ${relative(root, dist)}/ in ${Math.round(performance.now() - t0)} ms`,
  )
}
