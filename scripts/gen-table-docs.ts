import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { withTablesMarkdown } from '../src/cli/table-docs.js'

/** Rewrites the generated column lists in docs/tables.md from the table specs (`npm run docs:tables`). */
const path = join(import.meta.dirname, '..', 'docs', 'tables.md')
writeFileSync(path, withTablesMarkdown(readFileSync(path, 'utf8')))
process.stdout.write(`✔ ${path}\n`)
