/**
 * `{{variable}}` templating for prompt steps. A prompt may only use the variables its step has; any
 * other name is an error that names the variable, the step and what is available, so an admin can fix
 * the prompt sheet (`andy prompts import` checks every template up front).
 */

const VAR = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g

export class TemplateError extends Error {
  constructor(
    readonly where: string,
    readonly missing: readonly string[],
    readonly available: readonly string[],
  ) {
    super(
      `${where}用到了变量 ${missing.map((m) => `{{${m}}}`).join('、')}，但这一步没有${missing.length > 1 ? '这些' : '这个'}变量。` +
        `可用的变量：${available.length ? available.join('、') : '（无）'}`,
    )
    this.name = 'TemplateError'
  }
}

/** Variable names a template uses, in order of first use. */
export function templateVariables(template: string): string[] {
  const out: string[] = []
  for (const m of template.matchAll(VAR)) if (!out.includes(m[1]!)) out.push(m[1]!)
  return out
}

/** Throws TemplateError when the template uses a variable outside `available`. */
export function checkTemplate(template: string, available: Iterable<string>, where: string): void {
  const avail = [...available]
  const missing = templateVariables(template).filter((v) => !avail.includes(v))
  if (missing.length) throw new TemplateError(where, missing, avail)
}

/**
 * Fills the template. Every variable used must be a key of `vars` (an empty value renders as `empty`,
 * default "（无）", so the model sees that the information is missing rather than a blank).
 */
export function renderTemplate(
  template: string,
  vars: Readonly<Record<string, string | undefined | null>>,
  where: string,
  empty = '（无）',
): string {
  checkTemplate(template, Object.keys(vars), where)
  return template.replace(VAR, (_m, name: string) => {
    const v = vars[name]
    return v == null || v.trim() === '' ? empty : v
  })
}
