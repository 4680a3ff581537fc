#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs as `prepare`).
// For development from source without a build: `npm run andy -- …` (tsx).
import { existsSync } from 'node:fs'

const main = new URL('../dist/main.js', import.meta.url)
if (!existsSync(main)) {
  console.error('andy: dist/ is missing — run `npm run build` first (or `npm run andy -- …` to run from source)')
  process.exit(1)
}
await import(main.href)
