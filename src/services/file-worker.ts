import { parentPort } from 'node:worker_threads'
import type { FileLimits } from '../core/file-limits.js'
import type { ExtractJob } from './file-extract.js'
import { heapUsed, serializeError, type WorkerReply } from './file-pool.js'
import { packRows, type TableRow, type TableRowsOptions, type TableSource } from './table-rows.js'

/**
 * A file-parsing worker thread (started by file-pool.ts through file-worker-boot.mjs). One job at a
 * time: `extract` (a document's text) answers once; `table` streams rows in batches, one batch per
 * `pull`, until `end` (or `cancel`). Whatever goes wrong inside a job is sent back as an error reply;
 * running out of heap or time ends the worker, which the pool replaces.
 */

// The parsers load on a job's first use (a table job never loads pdf.js); the job's deadline starts after.
const port = parentPort!
const BATCH_ROWS = 2000
const BATCH_CHARS = 500_000

type Message =
  | { type: 'extract'; job: ExtractJob }
  | {
      type: 'table'
      source: TableSource
      limits: FileLimits
      options?: Pick<TableRowsOptions, 'firstSheetOnly' | 'sheetIndex' | 'headRows'>
    }
  | { type: 'pull' }
  | { type: 'cancel' }

let rows: AsyncIterator<TableRow> | undefined
let progress: number | undefined
/** The next batch, read while the main thread consumes the previous one. */
let ahead: Promise<WorkerReply> | undefined

const send = (m: WorkerReply) => port.postMessage(m)

async function readBatch(): Promise<WorkerReply> {
  const out: TableRow[] = []
  let chars = 0
  try {
    while (rows && out.length < BATCH_ROWS && chars < BATCH_CHARS) {
      const next = await rows.next()
      if (next.done) {
        rows = undefined
        break
      }
      out.push(next.value)
      for (const v of next.value.values) if (typeof v === 'string') chars += v.length
    }
  } catch (err) {
    rows = undefined
    return { type: 'error', error: serializeError(err), heapUsed: heapUsed() }
  }
  return out.length ? { type: 'rows', rows: packRows(out), progress } : { type: 'end', heapUsed: heapUsed() }
}

async function batch(): Promise<void> {
  const reply = await (ahead ?? readBatch())
  ahead = reply.type === 'rows' && rows ? readBatch() : undefined
  send(reply)
}

port.on('message', (m: Message) => {
  void (async () => {
    switch (m.type) {
      case 'extract':
        try {
          const { extractDocument } = await import('./file-extract.js')
          send({ type: 'result', value: await extractDocument(m.job), heapUsed: heapUsed() })
        } catch (err) {
          send({ type: 'error', error: serializeError(err), heapUsed: heapUsed() })
        }
        return
      case 'table':
        progress = undefined
        ahead = undefined
        try {
          const { tableRows } = await import('./table-rows.js')
          rows = tableRows(m.source, m.limits, { ...m.options, onProgress: (f) => (progress = f) })[
            Symbol.asyncIterator
          ]()
        } catch (err) {
          send({ type: 'error', error: serializeError(err), heapUsed: heapUsed() })
          return
        }
        return batch()
      case 'pull':
        return batch()
      case 'cancel':
        await ahead
        ahead = undefined
        await rows?.return?.(undefined).catch(() => undefined)
        rows = undefined
        send({ type: 'end', heapUsed: heapUsed() })
        return
    }
  })()
})

send({ type: 'ready' })
