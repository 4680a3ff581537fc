import type { BotContext } from '../bot/context.js'
import type { PromptStepRow, ReportPromptRow } from '../db/prompts.js'
import { seededPrompts } from '../pipelines/prompt-files.js'

/**
 * Which report prompt app (report_prompts: 学习数据分析报告, 培训满意度调研报告 …) interprets a document:
 * named in the message or the file name (whole name, or enough of its distinctive words), or the
 * document's own title when it carries the app's name; otherwise the user picks from a numbered list.
 */

export async function reportApps(ctx: BotContext): Promise<ReportPromptRow[]> {
  const rows = await (await seededPrompts(ctx, 'report')).reports()
  return rows.filter((r) => r.app_name && (r.prompt || r.step1 || r.step2 || r.step3))
}

/** The distinctive part of an app name: 培训满意度调研报告 → 培训满意度调研. */
export function coreName(name: string): string {
  const core = name
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/(解读|分析)?报告$/, '')
  return core.length >= 2 ? core : name
}

function bigrams(s: string): string[] {
  const out = new Set<string>()
  const chars = [...s]
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!)
  return [...out]
}

const norm = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, '')

/**
 * Scores each app against the user's words (message + file name): the whole name or its core counts 10;
 * otherwise each bigram of the core found counts 1 divided by how many apps share it (培训 says little).
 * The document title only counts when it contains an app's core name.
 */
export function chooseApp(
  apps: readonly ReportPromptRow[],
  words: readonly (string | undefined)[],
  title?: string,
): ReportPromptRow | undefined {
  if (apps.length === 1) return apps[0]
  const hay = norm(words.filter(Boolean).join(' '))
  let candidates = [...apps]
  const catalogs = [...new Set(apps.map((a) => a.app_catalog).filter((c): c is string => !!c && c.length >= 2))]
  const named = catalogs.filter((c) => hay.includes(norm(c)))
  if (catalogs.length > 1 && named.length === 1) candidates = apps.filter((a) => a.app_catalog === named[0])
  if (candidates.length === 1) return candidates[0]
  const grams = new Map<string, number>()
  for (const a of candidates)
    for (const g of bigrams(norm(coreName(a.app_name!)))) grams.set(g, (grams.get(g) ?? 0) + 1)
  const scored = candidates.map((a) => {
    const core = norm(coreName(a.app_name!))
    let score = hay.includes(norm(a.app_name!)) || hay.includes(core) ? 10 : 0
    if (!score) for (const g of bigrams(core)) if (hay.includes(g)) score += 1 / grams.get(g)!
    if (!score && title && norm(title).includes(core)) score = 5
    return { a, score }
  })
  scored.sort((x, y) => y.score - x.score)
  const [best, second] = scored
  if (!best || best.score < 1) return undefined
  if (second && second.score >= best.score) return undefined
  return best.a
}

/** "2", "第2个", "选 2", "２号", or (part of) an app's name → the option. */
export function parseChoice(
  text: string,
  options: readonly { id: number; name: string }[],
): { id: number; name: string } | undefined {
  const t = norm(text).replace(/[。.!！,，、]+$/, '')
  if (!t) return undefined
  const m = /^(?:第|选|选择|用|按)?(\d{1,2})(?:个|项|号|种|\.)?$/.exec(t)
  if (m) return options[Number(m[1]) - 1]
  const byName = options.filter(
    (o) => t.includes(norm(coreName(o.name))) || (t.length >= 2 && norm(o.name).includes(t)),
  )
  return byName.length === 1 ? byName[0] : undefined
}

/** A report app as a prompt-steps row for the step runner (its prompt is the system message, step1..3 chain). */
export function asPromptRow(app: ReportPromptRow): PromptStepRow {
  const steps = [app.step1, app.step2, app.step3].filter((s) => s && s.trim())
  const step1 = steps.length
    ? app.step1
    : '以下是客户的「{{app_name}}」：\n\n{{report}}\n\n请解读这份报告：核心结论、存在的问题和改进建议，每条附上报告中的依据。'
  return {
    id: app.id,
    version: 'report',
    step_type: 'report',
    step_name: app.app_name,
    prompt: app.prompt,
    step1,
    step2: app.step2,
    step3: app.step3,
    step4: null,
    step5: null,
    step6: null,
    step7: null,
    step8: null,
    step9: null,
    step10: null,
    step11: null,
    step12: null,
  }
}
