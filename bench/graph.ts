/**
 * AI 助理 ability latency: the search action (/v1/actions/andy/search?q=…) over 1,000,000 content cases,
 * invoked as a Graph API frame on the stream (fake gateway on loopback → the real dingtalk-stream client →
 * fastify inject → the dispatcher → the ack) beside the same request over HTTP, in the same run and the
 * same server process. Latency = frame sent → ack with the response received (stream), request sent →
 * body read (HTTP). The server runs in a child process so the load generator does not share its loop.
 *
 *   npx tsx bench/graph.ts [--rows 1000000] [--requests 1000] [--concurrency 8] [--fresh]
 *
 * The database is built once in the OS temp dir (the same file bench/http.ts uses) and reused.
 */

import { fork } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { FakeGateway } from '../test/helpers/fake-gateway.js'
import { buildContentCases, percentile, printTable } from './util.js'

const KEY = 'bench-app-key-0123456789abcdef0123'

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
    fresh: { type: 'boolean', default: false },
    serve: { type: 'string' },
    gateway: { type: 'string' },
  },
})
const ROWS = Number(args.rows)

/** The server: what `andy start` runs (app, HTTP API listening, stream with the Graph API topic). */
async function serve(dbPath: string, apiBase: string, clientId: string, clientSecret: string): Promise<void> {
  const { createApp } = await import('../src/app.js')
  const { systemClock } = await import('../src/core/clock.js')
  const { parseConfig } = await import('../src/config.js')
  const { openDb } = await import('../src/db/client.js')
  const { createHttpServer } = await import('../src/http/server.js')
  const { createLogger } = await import('../src/logger.js')
  const { createDictionaryProvider } = await import('../src/search/dictionary-provider.js')
  const { AssistantReplier } = await import('../src/transport/assistant-replier.js')
  const { DingtalkStreamTransport } = await import('../src/transport/dingtalk-stream.js')
  const config = parseConfig({
    DB_PATH: dbPath,
    API_APP_KEY: KEY,
    LOG_LEVEL: 'warn',
    DINGTALK_CLIENT_ID: clientId,
    DINGTALK_CLIENT_SECRET: clientSecret,
    DINGTALK_API_BASE: apiBase,
    ANDY_USER_RATE_PER_MIN: '1000000',
  })
  const logger = createLogger({ level: 'warn' })
  const db = openDb(dbPath)
  const dictionary = createDictionaryProvider(db)
  await dictionary.warm?.()
  const app = createApp({
    config,
    db,
    logger,
    clock: systemClock,
    dictionary,
    repliers: { assistant: new AssistantReplier() },
  })
  const http = createHttpServer({ config, logger, db, app })
  const transport = new DingtalkStreamTransport({ config, logger, graph: http.graph })
  await transport.start()
  const url = await http.start(0, '127.0.0.1')
  process.send?.({ url })
}

const INDUSTRIES = ['制造业', '金融', '医药', '零售', '能源', '互联网', '房地产']
const TYPES = ['国企', '民营', '央企', '上市公司', '外资']
const SIZES = ['', '1000人以上 ', '5000人以上 ']
const SENTENCES = INDUSTRIES.flatMap((i) => TYPES.flatMap((t) => SIZES.map((s) => `${i} ${s}${t} 的客户案例`)))

/** Runs `total` requests with `concurrency` in flight; returns each one's latency in ms. */
async function drive(
  total: number,
  concurrency: number,
  one: (i: number) => Promise<void>,
): Promise<{ lat: number[]; seconds: number }> {
  const lat: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now()
        await one(i)
        lat.push(performance.now() - t)
      }
    }),
  )
  return { lat, seconds: (performance.now() - started) / 1000 }
}

async function main(): Promise<void> {
  if (args.serve) {
    const [apiBase, clientId, clientSecret] = String(args.gateway).split('|')
    return serve(args.serve, apiBase!, clientId!, clientSecret!)
  }
  const dbPath = join(tmpdir(), `andy-bench-http-${ROWS}.db`)
  if (args.fresh && existsSync(dbPath))
    for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(f, { force: true })
  await buildContentCases(dbPath, ROWS)
  const gateway = await FakeGateway.start()
  const gw = `${gateway.apiBase}|${gateway.clientId}|${gateway.clientSecret}`
  const child = fork(fileURLToPath(import.meta.url), ['--serve', dbPath, '--gateway', gw, '--rows', String(ROWS)], {
    execArgv: process.execArgv,
    stdio: 'inherit',
  })
  try {
    const base = await new Promise<string>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { url: string }).url))
      child.once('exit', (code) => reject(new Error(`server exited (${code})`)))
    })
    const total = Number(args.requests)
    const concurrency = Number(args.concurrency)
    const uri = (i: number) =>
      `/v1/actions/andy/search?${new URLSearchParams({ q: SENTENCES[i % SENTENCES.length]!, userId: `bench-${i % 50}`, corpId: 'dingbench' })}`
    let bad = 0
    const viaStream = async (i: number) => {
      const a = await gateway.sendGraphRequest({ uri: uri(i) }, { ackTimeoutMs: 60_000 })
      if (a.json?.ret !== 200) bad++
    }
    const viaHttp = async (i: number) => {
      const res = await fetch(`${base}${uri(i)}&app_key=${KEY}`)
      const json = (await res.json()) as { ret: number }
      if (json.ret !== 200) bad++
    }
    // The answers must be real before they are timed.
    const sample = await gateway.sendGraphRequest({ uri: uri(0) }, { ackTimeoutMs: 60_000 })
    if (sample.json?.ret !== 200) throw new Error(`sanity request failed: ${sample.response.body.slice(0, 300)}`)
    console.log(
      `\nsearch action over ${ROWS.toLocaleString()} rows: ${total} requests per channel, ${concurrency} in flight (e.g. 「${SENTENCES[0]}」: ${sample.json.data.total.toLocaleString()} matches)`,
    )
    await drive(Math.min(100, total), concurrency, viaStream) // warm-up
    await drive(Math.min(100, total), concurrency, viaHttp)
    const rows: Array<Array<string | number>> = []
    // Interleaved rounds so both channels see the same machine load.
    const results = { stream: [] as number[], http: [] as number[] }
    const secs = { stream: 0, http: 0 }
    for (let round = 0; round < 4; round++) {
      const s = await drive(Math.ceil(total / 4), concurrency, (i) => viaStream(i + round * 1000))
      const h = await drive(Math.ceil(total / 4), concurrency, (i) => viaHttp(i + round * 1000))
      results.stream.push(...s.lat)
      results.http.push(...h.lat)
      secs.stream += s.seconds
      secs.http += h.seconds
    }
    for (const [name, lat] of [
      ['stream (Graph API frame → ack)', results.stream],
      ['HTTP (request → body)', results.http],
    ] as const) {
      const sec = name.startsWith('stream') ? secs.stream : secs.http
      rows.push([
        name,
        lat.length,
        Math.round(lat.length / sec),
        percentile(lat, 50).toFixed(1),
        percentile(lat, 99).toFixed(1),
        Math.max(...lat).toFixed(1),
      ])
    }
    printTable('search action latency (ms)', ['channel', 'requests', 'req/s', 'p50', 'p99', 'max'], rows)
    if (bad) console.log(`${bad} answers were not ret 200`)
  } finally {
    child.kill()
    await gateway.close()
  }
}

await main()
