// Entry of a file-parsing worker thread (file-pool.ts): Andy runs its TypeScript through tsx, and a
// worker thread does not inherit the main thread's loader hooks on Node 20, so it registers tsx itself
// before loading file-worker.ts.
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
await import(workerData.entry)
