/**
 * Two people with the same nickname would read as two identical lines: each of them gets the end of
 * their user id, e.g. 张三（…4711） and 张三（…0815), long enough to tell them apart.
 */
export function distinctUserLabels<T extends { key: string; label: string }>(entries: T[]): T[] {
  const byLabel = new Map<string, T[]>()
  for (const e of entries) byLabel.set(e.label, [...(byLabel.get(e.label) ?? []), e])
  const renamed = new Map<T, string>()
  for (const [label, same] of byLabel) {
    if (same.length < 2) continue
    const ids = same.map((e) => e.key)
    let n = 4
    while (n < Math.max(...ids.map((k) => k.length)) && new Set(ids.map((k) => k.slice(-n))).size < ids.length) n++
    for (const e of same) renamed.set(e, `${label}（${e.key.length > n ? '…' : ''}${e.key.slice(-n)}）`)
  }
  return entries.map((e) => (renamed.has(e) ? { ...e, label: renamed.get(e)! } : e))
}
