import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { defineCommand } from 'citty'
import type { Db } from '../db/client.js'
import { Dictionary } from '../search/dictionary.js'
import { GROUP_LABELS, groupOfDim, type TaxGroup, Taxonomy, TaxonomyError } from '../search/taxonomy.js'
import { defaultTaxonomyPath } from '../search/taxonomy-file.js'
import { TABLES } from '../tables/index.js'
import { openRuntime } from './bootstrap.js'

/**
 * andy taxonomy export | import | check: the taxonomy file (data/taxonomy.json, or ANDY_TAXONOMY_FILE)
 * that tells Andy 金融 covers 银行, 国企 covers 央企, 江苏 is 江苏省. Import validates before it writes;
 * a running Andy picks the new version up with its next message.
 */

const GROUPS: TaxGroup[] = ['industry', 'enterpriseType', 'crowd', 'region']

function fileOf(configured: string | undefined): string {
  return configured ?? defaultTaxonomyPath()
}

function summary(t: Taxonomy): string {
  return GROUPS.map((g) => `${GROUP_LABELS[g]} ${t.nodes(g).length} 个类`).join('，')
}

/** Stored labels in the database that no node of the taxonomy stands for (per field), most common first. */
export function uncovered(db: Db, t: Taxonomy): Array<{ group: TaxGroup; values: string[] }> {
  const dict = Dictionary.build(db, t)
  return GROUPS.map((group) => {
    const values = new Set<string>()
    for (const spec of TABLES) {
      for (const c of spec.columns) {
        if (!c.dim || groupOfDim(c.dim) !== group) continue
        for (const v of dict.values(spec.key, c.name)) if (!t.nodes(group).some((n) => t.ownMatch(n, v))) values.add(v)
      }
    }
    return { group, values: [...values] }
  }).filter((x) => x.values.length > 0)
}

function report(db: Db, t: Taxonomy): string {
  const lines = [`✔ 校验通过（版本 ${t.version}）：${summary(t)}`]
  for (const { group, values } of uncovered(db, t)) {
    lines.push(
      `  ${GROUP_LABELS[group]}里没有归类的取值（${values.length} 个，只能按原词查）：${values.slice(0, 15).join('、')}${values.length > 15 ? '…' : ''}`,
    )
  }
  return `${lines.join('\n')}\n`
}

function fail(err: unknown): void {
  process.stderr.write(
    `✖ ${err instanceof TaxonomyError ? err.message : err instanceof Error ? err.message : String(err)}\n`,
  )
  process.exitCode = 1
}

const exportCmd = defineCommand({
  meta: { name: 'export', description: 'Print the taxonomy in force as JSON (or write it with --out) to edit it' },
  args: { out: { type: 'string', description: 'Write to this file instead of printing' } },
  run({ args }) {
    const rt = openRuntime({ quiet: true })
    try {
      const t = Taxonomy.load(fileOf(rt.config.taxonomyFile))
      const json = `${JSON.stringify(t.file, null, 2)}\n`
      if (args.out) {
        writeFileSync(String(args.out), json)
        process.stdout.write(`✔ 分类表（版本 ${t.version}，${summary(t)}）→ ${args.out}\n`)
      } else process.stdout.write(json)
    } catch (err) {
      fail(err)
    } finally {
      rt.db.close()
    }
  },
})

const importCmd = defineCommand({
  meta: {
    name: 'import',
    description: 'Validate a taxonomy JSON file and make it the one in force (--dry-run: only validate)',
  },
  args: {
    file: {
      type: 'positional',
      description: 'The edited taxonomy (JSON, same shape as andy taxonomy export)',
      required: true,
    },
    'dry-run': { type: 'boolean', description: 'Validate and report, change nothing' },
  },
  run({ args }) {
    const rt = openRuntime({ quiet: true })
    try {
      const text = readFileSync(String(args.file), 'utf8')
      const next = Taxonomy.fromText(text, String(args.file))
      process.stdout.write(report(rt.db, next))
      if (args['dry-run']) return
      const target = fileOf(rt.config.taxonomyFile)
      let before: number | undefined
      try {
        before = Taxonomy.load(target).version
      } catch {
        before = undefined
      }
      // Written next to the target and renamed: a running Andy never reads half a file.
      const tmp = `${target}.${process.pid}.tmp`
      writeFileSync(tmp, `${JSON.stringify(next.file, null, 2)}\n`)
      renameSync(tmp, target)
      process.stdout.write(
        `✔ 已导入 → ${target}（版本 ${before ?? '—'} → ${next.version}）；运行中的 Andy 下一条消息起生效\n`,
      )
      if (before !== undefined && next.version <= before)
        process.stdout.write(`  提示：版本号没有增加（${next.version}），改动后把 version 加 1 便于追溯\n`)
    } catch (err) {
      fail(err)
    } finally {
      rt.db.close()
    }
  },
})

const checkCmd = defineCommand({
  meta: {
    name: 'check',
    description: 'Validate the taxonomy in force (or a file) and list stored labels it does not cover',
  },
  args: { file: { type: 'positional', description: 'A taxonomy file (default: the one in force)', required: false } },
  run({ args }) {
    const rt = openRuntime({ quiet: true })
    try {
      const t = Taxonomy.load(args.file ? String(args.file) : fileOf(rt.config.taxonomyFile))
      process.stdout.write(report(rt.db, t))
    } catch (err) {
      fail(err)
    } finally {
      rt.db.close()
    }
  },
})

export default defineCommand({
  meta: {
    name: 'taxonomy',
    description:
      'The taxonomy used to understand sentences (industries with levels, enterprise types, crowds, provinces/regions): export | import | check',
  },
  subCommands: { export: exportCmd, import: importCmd, check: checkCmd },
})
