/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled. `guardFormulas`
 * prefixes a text that starts like a formula (= + - @ tab CR) with ' so a spreadsheet shows it as text —
 * for files of what users typed (usage records), not for files meant to be read back as they are (prompts).
 */
export function csvCell(v: unknown, guardFormulas = false): string {
  if (v == null) return ''
  const s = String(v)
  const safe = guardFormulas && typeof v === 'string' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}
