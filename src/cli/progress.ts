import cliProgress from 'cli-progress'

/** A byte-based progress bar on stderr (only on a terminal, only for files bigger than ~1 MB). */
export function byteProgress(label: string): { update(read: number, total: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} }
  let bar: cliProgress.SingleBar | undefined
  return {
    update(read, total) {
      if (total < 1_000_000) return
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: `${label} [{bar}] {percentage}% | {value}/{total} MB | ETA {eta}s`, stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
        bar.start(Math.ceil(total / 1e6), 0)
      }
      bar.update(Math.round(read / 1e6))
    },
    stop() {
      bar?.stop()
    },
  }
}
