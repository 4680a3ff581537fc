import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { LlmTotals } from '../db/api-queries.js'

/**
 * Prometheus metrics (served at GET /metrics). Message counts and reply latency are observed as
 * messages finish (src/app.ts); LLM totals, OpenAPI call counts and the inbox backlog are read from their
 * sources at scrape time, so they survive restarts (llm_calls is a table) and cost nothing in between.
 */

/** LLM usage per model and status, as summed from llm_calls. */
export interface ScrapeSources {
  llm?: () => readonly LlmTotals[] | Promise<readonly LlmTotals[]>
  /** DingTalk OpenAPI calls by name (token, send, upload…), counted since start. */
  openapi?: () => Record<string, number>
  backlog?: () => number | Promise<number>
}

export interface Metrics {
  readonly registry: Registry
  /** One handled message: its intent, its status (ok | failed | rejected) and the handling time. */
  observeMessage(intent: string, status: string, latencyMs: number): void
  /** One HTTP API call: the action (or route), the envelope's ret and the time to answer. */
  observeHttp(route: string, ret: number, latencyMs: number): void
  /** Where the scrape-time metrics come from (the HTTP server sets these). */
  setSources(sources: ScrapeSources): void
  /** The Prometheus text exposition. */
  render(): Promise<string>
}

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120]
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/** Totals read from their sources at scrape time: reset, then set to the current sums. */
function scrapeTimeMetrics(registry: Registry, src: () => ScrapeSources): void {
  new Counter({
    name: 'andy_llm_calls_total',
    help: 'LLM requests recorded in llm_calls, by model and status',
    labelNames: ['model', 'status'] as const,
    registers: [registry],
    async collect() {
      const totals = (await src().llm?.()) ?? []
      this.reset()
      for (const t of totals) this.inc({ model: t.model, status: t.status }, t.calls)
    },
  })
  new Counter({
    name: 'andy_llm_tokens_total',
    help: 'LLM tokens recorded in llm_calls, by model and direction (in, out)',
    labelNames: ['model', 'direction'] as const,
    registers: [registry],
    async collect() {
      const totals = (await src().llm?.()) ?? []
      this.reset()
      for (const t of totals) {
        this.inc({ model: t.model, direction: 'in' }, t.tokens_in)
        this.inc({ model: t.model, direction: 'out' }, t.tokens_out)
      }
    },
  })
  new Counter({
    name: 'andy_llm_cost_rmb_total',
    help: 'LLM cost in RMB recorded in llm_calls, by model',
    labelNames: ['model'] as const,
    registers: [registry],
    async collect() {
      const totals = (await src().llm?.()) ?? []
      this.reset()
      for (const t of totals) this.inc({ model: t.model }, t.cost_rmb)
    },
  })
  new Counter({
    name: 'andy_dingtalk_openapi_calls_total',
    help: 'DingTalk OpenAPI calls since start, by call',
    labelNames: ['call'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [call, n] of Object.entries(src().openapi?.() ?? {})) if (n > 0) this.inc({ call }, n)
    },
  })
  new Gauge({
    name: 'andy_inbox_backlog',
    help: 'Messages stored but not finished (received or processing)',
    registers: [registry],
    async collect() {
      const backlog = src().backlog
      if (backlog) this.set(await backlog())
    },
  })
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'andy_' })
  let sources: ScrapeSources = {}

  const messages = new Counter({
    name: 'andy_messages_total',
    help: 'Messages handled, by intent and status (ok, failed, rejected)',
    labelNames: ['intent', 'status'] as const,
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'andy_reply_latency_seconds',
    help: 'Time from the start of handling a message to its last reply part, by intent',
    labelNames: ['intent'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  const httpCalls = new Counter({
    name: 'andy_http_requests_total',
    help: 'Seed API / callback requests, by action and envelope ret',
    labelNames: ['action', 'ret'] as const,
    registers: [registry],
  })
  const httpLatency = new Histogram({
    name: 'andy_http_request_duration_seconds',
    help: 'Seed API / callback answer time, by action',
    labelNames: ['action'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  })

  scrapeTimeMetrics(registry, () => sources)

  return {
    registry,
    observeMessage(intent, status, latencyMs) {
      messages.inc({ intent, status })
      latency.observe({ intent }, Math.max(0, latencyMs) / 1000)
    },
    observeHttp(route, ret, latencyMs) {
      httpCalls.inc({ action: route, ret: String(ret) })
      httpLatency.observe({ action: route }, Math.max(0, latencyMs) / 1000)
    },
    setSources(s) {
      sources = { ...sources, ...s }
    },
    render: () => registry.metrics(),
  }
}
