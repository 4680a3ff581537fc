#!/usr/bin/env node
// `npm run build`: src/**/*.ts → dist/ with esbuild (types stripped; `tsc --noEmit` in npm test type-checks).
// Two outputs:
//  - dist/<dir>/<file>.js, one per source file (no bundling): dist/ mirrors src/, so the file worker
//    (services/file-pool.ts) and every import.meta.url-relative path (../../drizzle, ../../data/…) stay valid.
//  - dist/main.js, the CLI (bin/andy.js, `npm start`): src/main.ts bundled with code splitting — each
//    subcommand's code is a chunk loaded when that command runs (src/cli/commands.ts), shared code in common
//    chunks, all in dist/ itself. One file per chunk instead of ~330 modules resolved and read one by one
//    (zod alone is ~95) is most of `andy ask`'s start-up (issue 13). The pure-JS packages on the CLI's paths
//    (BUNDLED below) are bundled too; the others stay imports of node_modules (native addons, packages that
//    load files or workers of their own, the lazily loaded big ones). Inside the bundle, import.meta.url of a
//    source file is rewritten to the URL of its per-file twin, so its relative paths mean what they do there.
// Also the `prepare` script: in a production install (`npm ci --omit=dev`) esbuild is absent and the
// shipped dist/ is used as it is.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

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
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'main.ts')
  .map((f) => join(src, f))

/** pino and the packages it loads at import (its worker transports are never used: Andy logs to fd 2). */
const PINO = [
  'pino',
  'pino-std-serializers',
  '@pinojs/redact',
  'sonic-boom',
  'thread-stream',
  'atomic-sleep',
  'on-exit-leak-free',
  'quick-format-unescaped',
  'safe-stable-stringify',
  'process-warning',
  'pino-abstract-transport',
  'real-require',
]
/** Packages bundled into the CLI: pure JS, no files or workers of their own, loaded by `ask`/`start`. */
const BUNDLED = new Set([
  'zod',
  'citty',
  'croner',
  'csv-parse',
  'ipaddr.js',
  'image-size',
  'papaparse',
  'yauzl',
  ...PINO,
])
/** 'zod/v4' → 'zod', '@scope/pkg/x' → '@scope/pkg'. */
function packageOf(spec) {
  const parts = spec.split('/')
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
}

/** The CLI bundle's plugin: packages outside BUNDLED stay external; import.meta.url → the per-file twin's. */
function cliBundle() {
  return {
    name: 'andy-cli-bundle',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) =>
        BUNDLED.has(packageOf(args.path)) ? undefined : { external: true },
      )
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        let contents = readFileSync(args.path, 'utf8')
        if (contents.includes('import.meta.url')) {
          // Every output file of the bundle is in dist/ itself: the twin is dist/<path in src>.js.
          const twin = relative(src, args.path).replace(/\.ts$/, '.js')
          const url = `new URL(${JSON.stringify(`./${twin.split(sep).join('/')}`)}, import.meta.url).href`
          contents = contents.replaceAll('import.meta.url', url)
        }
        return { contents, loader: 'ts' }
      })
    },
  }
}

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
await esbuild.build({
  entryPoints: [join(src, 'main.ts')],
  outdir: next,
  bundle: true,
  splitting: true,
  chunkNames: 'bundle-[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS packages (yauzl, papaparse) call require(): give the ESM chunks one.
  banner: {
    js: "import { createRequire as __andyRequire } from 'node:module'; const require = __andyRequire(import.meta.url);",
  },
  plugins: [cliBundle()],
})
await writeJiebaTotal(next)
await writeCheckedTaxonomy(next)
const old = `${dist}.${process.pid}.old`
if (existsSync(dist)) renameSync(dist, old)
renameSync(next, dist)
rmSync(old, { recursive: true, force: true })
/**
 * jieba's total (every word's frequency summed) for the dictionary file installed now, beside the compiled
 * segmenter: `andy ask` reads it instead of summing 349k lines each run (src/search/segmenter.ts knownTotal).
 */
async function writeJiebaTotal(out) {
  const require = createRequire(import.meta.url)
  const bytes = readFileSync(require.resolve('@node-rs/jieba/dict.txt'))
  const { JiebaDictFile } = await import(pathToFileURL(join(out, 'search', 'jieba-dict.js')).href)
  const { JIEBA_TOTAL_FILE } = await import(pathToFileURL(join(out, 'search', 'segmenter.js')).href)
  const total = new JiebaDictFile(bytes).total
  writeFileSync(join(out, 'search', JIEBA_TOTAL_FILE), `${JSON.stringify({ bytes: bytes.length, total })}\n`)
}

/**
 * The shipped taxonomy (data/taxonomy.json) validated now, as zod returns it, with the SHA-1 of its text:
 * the compiled Taxonomy skips validating that exact text again (src/search/taxonomy.ts checkedAtBuild).
 */
async function writeCheckedTaxonomy(out) {
  const { createHash } = await import('node:crypto')
  const text = readFileSync(join(root, 'data', 'taxonomy.json'), 'utf8')
  const { taxonomySchema, CHECKED_TAXONOMY_FILE, Taxonomy } = await import(
    pathToFileURL(join(out, 'search', 'taxonomy.js')).href
  )
  Taxonomy.parse(JSON.parse(text.replace(/^\uFEFF/, ''))) // throws (fails the build) when the shipped file is invalid
  const data = taxonomySchema.parse(JSON.parse(text.replace(/^\uFEFF/, '')))
  const sha1 = createHash('sha1').update(text).digest('hex')
  writeFileSync(join(out, 'search', CHECKED_TAXONOMY_FILE), `${JSON.stringify({ sha1, data })}\n`)
}

if (!process.argv.includes('--quiet')) {
  console.log(
    `andy build: ${entryPoints.length} files → ${relative(root, dist)}/ in ${Math.round(performance.now() - t0)} ms`,
  )
}
