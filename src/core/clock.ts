/** Time source, injectable so tests can pin "today" (近两年, 本周 …). */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** Andy's business day is China time (UTC+8, no daylight saving). */
export const TZ_OFFSET_MS = 8 * 3600_000

/** "2026-11-28 15:04:05" in China time. */
export function localDateTime(ms: number): string {
  return new Date(ms + TZ_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ')
}

/** "2026-11-28" in China time. */
export function localDate(ms: number): string {
  return localDateTime(ms).slice(0, 10)
}

export function localYear(ms: number): number {
  return new Date(ms + TZ_OFFSET_MS).getUTCFullYear()
}

/** 1–12, in China time. */
export function localMonth(ms: number): number {
  return new Date(ms + TZ_OFFSET_MS).getUTCMonth() + 1
}
