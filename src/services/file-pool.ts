import { getHeapStatistics } from 'node:v8'
import { Worker } from 'node:worker_threads'
import type { FileLimits } from '../core/file-limits.js'
import { FileError, type FileErrorDetail, limitError } from './file-common.js'

/**
 * File parsing runs in worker threads (file-worker.ts), never in the bot's own heap: each worker has
 * its own V8 heap limit (resourceLimits, ANDY_FILE_WORKER_HEAP_MB) and every job a wall-clock deadline
 * (ANDY_FILE_TIMEOUT_MS). A job that runs out of memory, hangs or crashes costs its worker — terminated
 * and replaced — and comes back as a FileError; the process and the other users carry on. At most
 * ANDY_FILE_WORKERS jobs run at once; others wait their turn. Workers are reused (the parsers load
 * once), recycled when a job left their heap large, and stopped after a minute idle.
 */

/** Messages a worker sends. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; value: unknown; heapUsed: number }
  | { type: 'rows'; rows: unknown[]; progress?: number }
  | { type: 'end'; heapUsed: number }
  | { type: 'error'; error: SerializedError; heapUsed: number }

export interface SerializedError {
  name: string
  message: string
  code?: string
  detail?: FileErrorDetail
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof FileError) return { name: 'FileError', message: err.message, code: err.code, detail: err.detail }
  return { name: 'Error', message: err instanceof Error ? err.message : String(err) }
}

function toError(e: SerializedError): Error {
  if (e.name === 'FileError' && e.code) return new FileError(e.code as FileError['code'], e.message, e.detail)
  return new FileError('corrupt', `the file could not be parsed: ${e.message}`)
}

const BOOT_TIMEOUT_MS = 120_000
/**
 * Compiled (dist/, production): the worker runs file-worker.js directly. From source (tsx, vitest): a
 * worker thread does not inherit the loader hooks on Node 20, so file-worker-boot.mjs registers tsx first.
 */
const WORKER_ENTRY = import.meta.url.endsWith('.js')
  ? new URL('./file-worker.js', import.meta.url)
  : new URL('./file-worker-boot.mjs', import.meta.url)
const IDLE_STOP_MS = 60_000
const MAX_JOBS_PER_WORKER = 200

class PoolWorker {
  readonly worker: Worker
  readonly ready: Promise<void>
  jobs = 0
  dead = false
  /** The current job's handler for messages and failures. */
  onReply?: (m: WorkerReply) => void
  onFailure?: (err: Error) => void
  idleTimer?: NodeJS.Timeout

  constructor(heapMb: number) {
    this.worker = new Worker(WORKER_ENTRY, {
      workerData: { entry: new URL('./file-worker.ts', import.meta.url).href },
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
      stdout: false,
      stderr: false,
    })
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new FileError('timeout', 'the file parser did not start')), BOOT_TIMEOUT_MS)
      this.onReply = (m) => {
        if (m.type !== 'ready') return
        clearTimeout(timer)
        this.onReply = undefined
        resolve()
      }
      this.onFailure = (err) => {
        clearTimeout(timer)
        reject(err)
      }
    })
    this.ready.catch(() => undefined)
    this.worker.on('message', (m: WorkerReply) => this.onReply?.(m))
    this.worker.on('error', (err: Error & { code?: string }) => {
      this.dead = true
      const failure =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? limitError('memory', `the parser ran out of its ${heapMb} MB heap`, { max: heapMb })
          : new FileError('corrupt', `the file parser failed: ${err.message}`, { crashed: true })
      this.onFailure?.(failure)
    })
    this.worker.on('exit', (code) => {
      this.dead = true
      this.onFailure?.(new FileError('corrupt', `the file parser stopped (exit code ${code})`, { crashed: true }))
    })
  }

  post(message: unknown, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer)
  }

  kill(): void {
    this.dead = true
    void this.worker.terminate()
  }
}

export interface Channel {
  /** Sends `message` and waits for the next reply (rows, result or end); FileError on failure or deadline. */
  request(message: unknown, transfer?: ArrayBuffer[]): Promise<WorkerReply>
  /** Gives the worker back (healthy) or kills it. */
  close(healthy: boolean): void
}

export class FilePool {
  private readonly idle: PoolWorker[] = []
  private count = 0
  private readonly waiting: Array<() => void> = []

  constructor(
    readonly heapMb: number,
    readonly size: number,
  ) {}

  /** The resource limits each worker gets (for tests and `andy doctor`-style checks). */
  get resourceLimits(): { maxOldGenerationSizeMb: number } {
    return { maxOldGenerationSizeMb: this.heapMb }
  }

  private async acquire(): Promise<PoolWorker> {
    for (;;) {
      const w = this.idle.pop()
      if (w && !w.dead) {
        clearTimeout(w.idleTimer)
        w.worker.ref()
        return w
      }
      if (w) {
        // died while idle
        clearTimeout(w.idleTimer)
        this.count--
        continue
      }
      if (this.count < this.size) {
        this.count++
        const fresh = new PoolWorker(this.heapMb)
        try {
          await fresh.ready
        } catch (err) {
          this.count--
          fresh.kill()
          this.wake()
          throw err
        }
        return fresh
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    }
  }

  private wake(): void {
    this.waiting.shift()?.()
  }

  private release(w: PoolWorker, healthy: boolean, heapUsed = 0): void {
    w.onReply = undefined
    w.onFailure = undefined
    if (!healthy || w.dead || ++w.jobs >= MAX_JOBS_PER_WORKER || heapUsed > (this.heapMb * 1024 * 1024) / 2) {
      w.kill()
      this.count--
    } else {
      w.worker.unref()
      w.idleTimer = setTimeout(() => {
        const i = this.idle.indexOf(w)
        if (i >= 0) this.idle.splice(i, 1)
        w.kill()
        this.count--
        this.wake()
      }, IDLE_STOP_MS)
      w.idleTimer.unref()
      this.idle.push(w)
    }
    this.wake()
  }

  /**
   * A worker for one job; each request has `timeoutMs` to be answered. Between requests the worker
   * does not keep the process alive, and a job left without a request for `timeoutMs` (a reader
   * abandoned half-way) is ended and its worker replaced.
   */
  async open(timeoutMs: number): Promise<Channel> {
    const w = await this.acquire()
    let heapUsed = 0
    let closed = false
    let abandon: NodeJS.Timeout | undefined
    let abandoned = false
    const close = (healthy: boolean) => {
      if (closed) return
      closed = true
      clearTimeout(abandon)
      this.release(w, healthy, heapUsed)
    }
    return {
      request: (message, transfer) =>
        new Promise<WorkerReply>((resolve, reject) => {
          clearTimeout(abandon)
          if (abandoned)
            return reject(
              new FileError('timeout', `the reader was left without a request for ${Math.round(timeoutMs / 1000)} s`),
            )
          if (w.dead || closed) return reject(new FileError('corrupt', 'the file parser stopped', { crashed: true }))
          w.worker.ref()
          const settle = () => {
            clearTimeout(timer)
            w.onFailure = undefined
            w.onReply = undefined
            w.worker.unref()
            abandon = setTimeout(() => {
              abandoned = true
              close(false)
            }, timeoutMs)
            abandon.unref()
          }
          const timer = setTimeout(() => {
            settle()
            w.kill()
            reject(new FileError('timeout', `parsing took longer than ${Math.round(timeoutMs / 1000)} s`))
          }, timeoutMs)
          w.onFailure = (err) => {
            settle()
            reject(err)
          }
          w.onReply = (m) => {
            settle()
            if (m.type === 'result' || m.type === 'end' || m.type === 'error') heapUsed = m.heapUsed
            if (m.type === 'error') reject(toError(m.error))
            else resolve(m)
          }
          w.post(message, transfer)
        }),
      close,
    }
  }

  /** One request, one answer (the 'result' value). */
  async run<T>(message: unknown, transfer: ArrayBuffer[], timeoutMs: number): Promise<T> {
    const ch = await this.open(timeoutMs)
    try {
      const reply = await ch.request(message, transfer)
      if (reply.type !== 'result') throw new FileError('corrupt', `unexpected parser reply ${reply.type}`)
      return reply.value as T
    } finally {
      // A worker that died, ran out of memory or missed the deadline is already dead and is replaced.
      ch.close(true)
    }
  }
}

const pools = new Map<string, FilePool>()

/** The shared pool for these limits (one per heap size and worker count). */
export function filePool(limits: Pick<FileLimits, 'workerHeapMb' | 'workers'>): FilePool {
  const key = `${limits.workerHeapMb}:${limits.workers}`
  let pool = pools.get(key)
  if (!pool) {
    pool = new FilePool(limits.workerHeapMb, limits.workers)
    pools.set(key, pool)
  }
  return pool
}

/** Heap in use by this isolate (workers report it after each job). */
export function heapUsed(): number {
  return getHeapStatistics().used_heap_size
}
