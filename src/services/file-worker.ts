import { parentPort } from 'node:worker_threads'
import { extractDocument, type ExtractJob } from './file-extract.js'
import { heapUsed, serializeError, type WorkerReply } from './file-pool.js'
import type { FileLimits } from './file-limits.js'
import { tableRows, type TableRow, type TableSource } from './table-rows.js'

/**
 * A file-parsing worker thread (started by file-pool.ts through file-worker-boot.mjs). One job at a
 * time: `extract` (a document's text) answers once; `table` streams rows in batches, one batch per
 * `pull`, until `end` (or `cancel`). Whatever goes wrong inside a job is sent back as an error reply;
 * running out of heap or time ends the worker, which the pool replaces.
 */

// pdf.js is loaded on first use by file-pdf.ts; loading it now keeps that out of every job's deadline.
await import('pdfjs-dist/legacy/build/pdf.mjs')

const port = parentPort!
const BATCH_ROWS = 500
const BATCH_CHARS = 500_000

type Message =
  | { type: 'extract'; job: ExtractJob }
  | { type: 'table'; source: TableSource; limits: FileLimits; firstSheetOnly?: boolean }
  | { type: 'pull' }
  | { type: 'cancel' }

let rows: AsyncIterator<TableRow> | undefined
let progress: number | undefined

const send = (m: WorkerReply) => port.postMessage(m)

async function batch(): Promise<void> {
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
    send({ type: 'error', error: serializeError(err), heapUsed: heapUsed() })
    return
  }
  if (out.length) send({ type: 'rows', rows: out, progress })
  else send({ type: 'end', heapUsed: heapUsed() })
}

port.on('message', (m: Message) => {
  void (async () => {
    switch (m.type) {
      case 'extract':
        try {
          send({ type: 'result', value: await extractDocument(m.job), heapUsed: heapUsed() })
        } catch (err) {
          send({ type: 'error', error: serializeError(err), heapUsed: heapUsed() })
        }
        return
      case 'table':
        progress = undefined
        try {
          rows = tableRows(m.source, m.limits, { firstSheetOnly: m.firstSheetOnly, onProgress: (f) => (progress = f) })[Symbol.asyncIterator]()
        } catch (err) {
          send({ type: 'error', error: serializeError(err), heapUsed: heapUsed() })
          return
        }
        return batch()
      case 'pull':
        return batch()
      case 'cancel':
        await rows?.return?.(undefined).catch(() => undefined)
        rows = undefined
        send({ type: 'end', heapUsed: heapUsed() })
        return
    }
  })()
})

send({ type: 'ready' })
