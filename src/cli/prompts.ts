import { defineCommand } from 'citty'
import { compareVersions, STEP_FIELDS } from '../db/prompts.js'
import type { PromptStore } from '../db/stores/index.js'
import { exportPrompts, importPromptFile, PromptFileError, type PromptKind } from '../pipelines/prompt-files.js'
import { templateVariables } from '../pipelines/template.js'
import { FileFormatError } from '../services/table-file.js'
import { openRuntime } from './bootstrap.js'
import { openCliStores } from './cli-stores.js'

/** Runs `fn` on the prompt store (PostgreSQL with DATABASE_URL, else the DB_PATH file), then closes both. */
async function withPrompts<T>(
  fn: (prompts: PromptStore, rt: ReturnType<typeof openRuntime>) => Promise<T>,
): Promise<T> {
  const rt = openRuntime({ quiet: true })
  try {
    const shared = await openCliStores(rt)
    try {
      return await fn(shared.stores.llm.prompts, rt)
    } finally {
      await shared.close()
    }
  } finally {
    rt.db.close()
  }
}

/** `andy prompts list | import | export`: the prompt-step and report-prompt tables as spreadsheets. */

function kindArg(v: unknown): PromptKind | undefined {
  if (v === undefined || v === '') return undefined
  if (v === 'steps' || v === 'report') return v
  process.stderr.write(`--kind 只能是 steps（提示词步骤）或 report（报告解读提示词），收到「${String(v)}」\n`)
  process.exitCode = 2
  return undefined
}

function oneLine(s: string | null, max = 30): string {
  const t = (s ?? '').replace(/\s+/g, ' ').trim()
  return t.length > max ? `${t.slice(0, max)}…` : t
}

const list = defineCommand({
  meta: { name: 'list', description: 'List prompt versions and steps (newest version first), or the report prompts' },
  args: {
    version: { type: 'string', description: 'Only this version' },
    type: { type: 'string', description: 'Only this step_type (e.g. rcfz, hyps, sys_activity_plan)' },
    report: { type: 'boolean', description: 'List the report-interpretation prompts instead' },
  },
  async run({ args }) {
    const out = process.stdout
    await withPrompts(async (prompts, rt) => {
      if (args.report) {
        const rows = await prompts.reports()
        out.write(`报告解读提示词：${rows.length} 条\n`)
        for (const r of rows) {
          const steps = [r.step1, r.step2, r.step3].filter(Boolean).length
          out.write(
            `  ${r.order_index}. [${r.app_catalog ?? ''}] ${r.app_name ?? ''}（${r.app_id ?? '无 id'}）${steps} 步 · ${oneLine(r.prompt)}\n`,
          )
        }
        return
      }
      const versions = await prompts.versions()
      if (!versions.length) {
        out.write('还没有提示词。运行 andy seed 载入默认提示词，或 andy prompts import <文件>。\n')
        return
      }
      const active = rt.config.llm.promptVersion
      out.write(
        `提示词版本（新→旧）：${versions.map((v, i) => `${v}${v === active ? '（ANDY_PROMPT_VERSION）' : i === 0 && !active ? '（默认）' : ''}`).join('、')}\n`,
      )
      const rows = await prompts.steps({ version: args.version, stepTypes: args.type ? [args.type] : undefined })
      let current = ''
      for (const r of rows.sort((a, b) => compareVersions(b.version, a.version) || a.id - b.id)) {
        if (r.version !== current) {
          current = r.version
          out.write(`\n版本 ${current}\n`)
        }
        const steps = STEP_FIELDS.map((f) => r[f]).filter((s): s is string => !!s)
        const vars = [...new Set([r.prompt ?? '', ...steps].flatMap(templateVariables))]
        out.write(
          `  ${r.step_type.padEnd(22)} ${oneLine(r.step_name, 12).padEnd(10)} ${steps.length} 步  变量：${vars.join(', ') || '无'}\n`,
        )
      }
    })
  },
})

const importCmd = defineCommand({
  meta: {
    name: 'import',
    description: 'Import a prompt sheet (.xlsx/.csv, Chinese or seed headers); the versions in the file are replaced',
  },
  args: {
    file: { type: 'positional', description: 'The .xlsx or .csv file', required: true },
    kind: { type: 'string', description: 'steps | report (default: detected from the headers)' },
  },
  async run({ args }) {
    const kind = kindArg(args.kind)
    if (process.exitCode) return
    try {
      const r = await withPrompts((prompts) => importPromptFile(prompts, String(args.file), kind))
      const what = r.kind === 'steps' ? `提示词步骤（版本 ${r.versions.join('、')}）` : '报告解读提示词'
      process.stdout.write(`✔ 导入${what} ${r.inserted} 行${r.deleted ? `，替换了原有 ${r.deleted} 行` : ''}\n`)
    } catch (err) {
      if (err instanceof PromptFileError || err instanceof FileFormatError) {
        process.stderr.write(`✘ ${err.message}\n`)
        for (const p of (err instanceof PromptFileError ? err.problems : []).slice(0, 30))
          process.stderr.write(`  · ${p}\n`)
        process.exitCode = 1
        return
      }
      throw err
    }
  },
})

const exportCmd = defineCommand({
  meta: {
    name: 'export',
    description: 'Write the prompt steps (or report prompts) to .xlsx/.csv with the Chinese headers',
  },
  args: {
    out: { type: 'string', description: 'Output file (.xlsx or .csv; default data/exports/prompt-steps-<date>.xlsx)' },
    kind: { type: 'string', description: 'steps (default) | report' },
    version: { type: 'string', description: 'Only this version (steps)' },
  },
  async run({ args }) {
    const kind = kindArg(args.kind) ?? 'steps'
    if (process.exitCode) return
    try {
      const out =
        args.out ??
        `data/exports/${kind === 'steps' ? 'prompt-steps' : 'report-prompts'}-${new Date().toISOString().slice(0, 10)}.xlsx`
      const n = await withPrompts((prompts) => exportPrompts(prompts, out, kind, args.version))
      process.stdout.write(`✔ ${n} 行 → ${out}\n`)
    } catch (err) {
      if (err instanceof FileFormatError) {
        process.stderr.write(`✘ ${err.message}\n`)
        process.exitCode = 2
        return
      }
      throw err
    }
  },
})

export default defineCommand({
  meta: { name: 'prompts', description: 'Prompt steps and report prompts: list | import | export' },
  subCommands: { list, import: importCmd, export: exportCmd },
})
