import cliProgress from 'cli-progress'

/** The line a byte progress bar shows: label, bar, percentage, MB done/total and an estimate (never "INF"). */
export function progressLine(label: string, bar: string, value: number, total: number, elapsedMs: number): string {
  const fraction = total > 0 ? Math.min(1, value / total) : 0
  const mb = (n: number) => (n / 1e6).toFixed(1)
  let eta: string
  if (fraction >= 1) eta = '完成'
  else if (value <= 0 || elapsedMs < 500) eta = '估算中'
  else {
    const s = Math.ceil(((total - value) / value) * (elapsedMs / 1000))
    eta = s >= 60 ? `约 ${Math.floor(s / 60)} 分 ${s % 60} 秒` : `约 ${s} 秒`
  }
  return `${label} [${bar}] ${Math.floor(fraction * 100)}% | ${mb(value)}/${mb(total)} MB | 剩余 ${eta}`
}

export interface ByteProgress {
  update(read: number, total: number): void
  /** The work finished: shows 100% and stops. */
  done(): void
  /** Stops where it is (the work failed). */
  stop(): void
}

/**
 * A byte-based progress bar on stderr (only on a terminal, only for files bigger than ~1 MB). It counts
 * bytes, not rounded megabytes, so it reaches 100% when the file has been read.
 */
export function byteProgress(label: string, o: { stream?: NodeJS.WriteStream; minBytes?: number } = {}): ByteProgress {
  const stream = o.stream ?? process.stderr
  if (!stream.isTTY) return { update() {}, done() {}, stop() {} }
  let bar: cliProgress.SingleBar | undefined
  let total = 0
  let started = 0
  return {
    update(read, size) {
      if (size < (o.minBytes ?? 1_000_000)) return
      total = size
      if (!bar) {
        started = Date.now()
        bar = new cliProgress.SingleBar(
          {
            stream,
            hideCursor: true,
            format: (options, params) =>
              progressLine(
                label,
                formatBar(params.progress, options),
                params.value,
                params.total,
                Date.now() - started,
              ),
          },
          cliProgress.Presets.shades_classic,
        )
        bar.start(size, 0)
      }
      bar.update(Math.min(read, size))
    },
    done() {
      if (!bar) return
      bar.update(total)
      bar.stop()
      bar = undefined
    },
    stop() {
      bar?.stop()
      bar = undefined
    },
  }
}

function formatBar(progress: number, options: cliProgress.Options): string {
  const size = options.barsize ?? 40
  const complete = Math.round(Math.min(1, Math.max(0, progress)) * size)
  return (
    (options.barCompleteString ?? '█').slice(0, complete) +
    (options.barIncompleteString ?? '░').slice(0, size - complete)
  )
}
