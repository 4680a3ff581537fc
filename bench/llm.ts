/**
 * Issue 4 figures:
 *  1. Added latency of the LLM parse path over the rule path: the same search sentences through the
 *     whole app (handleNow), once without an LLM and once with the real openai client against a fake
 *     OpenAI-compatible server on loopback that answers instantly (so the figure is Andy's own overhead:
 *     schema, HTTP, validation, merge — a real provider adds its own latency, capped by LLM_PARSE_TIMEOUT_MS).
 *  2. Tokens and RMB for one complete 运营活动设计 with the default prompts (data/prompts/), the fake
 *     answering each step as long as its prompt allows, counted by the fake server's tokenizer estimate.
 *
 * Run: npx tsx bench/llm.ts [iterations=40]
 */

import { systemClock } from '../src/core/clock.js'
import { llmCalls } from '../src/db/llm-calls.js'
import { storesOf } from '../src/db/stores/index.js'
import { activityLlm, stepOf } from '../test/helpers/activity-llm.js'
import { type ChatBody, FakeOpenAI } from '../test/helpers/fake-openai.js'
import { createTestApp, DEFAULT_USER, demoDbPath, type TestApp, tempDir } from '../test/helpers/test-app.js'
import { percentile, printTable } from './util.js'

const ITER = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 40)

/** Sentences whose leftover words make the LLM parse run, and one the rules fully understand. */
const SENTENCES = [
  '大型药企的客户案例',
  '城商行 新员工 打单方案',
  '主机厂采购了哪些领导力课程',
  '制造业 5000人以上 国企 的客户案例',
]

/** Example price points (RMB per million input / output tokens); use your provider's list price. */
const PRICES: Array<[string, number, number]> = [
  ['low: ¥0.8 in / ¥2 out per MTok', 0.8, 2],
  ['mid: ¥2 in / ¥8 out per MTok', 2, 8],
  ['high: ¥18 in / ¥72 out per MTok', 18, 72],
]

function parseAnswer(body: ChatBody) {
  const name = body.tools?.[0]?.function.name
  if (name === 'set_filters')
    return { toolCall: { arguments: { industry: ['医药'], staff_size_min: 1000, keywords: [] } } }
  if (name === 'classify_intent') return { toolCall: { arguments: { intent: 'procurement', confidence: 0.9 } } }
  return { content: 'ok' }
}

async function timeSentences(t: TestApp, sentence: string): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < ITER + 3; i++) {
    const t0 = performance.now()
    await t.ask(sentence, { staffId: `bench-${i % 5}` })
    if (i >= 3) times.push(performance.now() - t0)
  }
  return times
}

async function parseLatency(dir: string): Promise<void> {
  const fake = await FakeOpenAI.start({ handler: parseAnswer })
  const plain = createTestApp({
    clock: systemClock,
    user: DEFAULT_USER,
    dbPath: await demoDbPath(dir, 'plain.db'),
    env: { LOG_LEVEL: 'silent' },
  })
  const withLlm = createTestApp({
    clock: systemClock,
    user: DEFAULT_USER,
    fake,
    dbPath: await demoDbPath(dir, 'llm.db'),
  })
  const rows: Array<Array<string | number>> = []
  for (const s of SENTENCES) {
    const before = fake.requests.length
    const a = await timeSentences(plain, s)
    const b = await timeSentences(withLlm, s)
    const calls = (fake.requests.length - before) / (ITER + 3)
    const p50a = percentile(a, 50)
    const p50b = percentile(b, 50)
    rows.push([
      s,
      p50a.toFixed(1),
      percentile(a, 95).toFixed(1),
      p50b.toFixed(1),
      percentile(b, 95).toFixed(1),
      (p50b - p50a).toFixed(1),
      calls.toFixed(0),
    ])
  }
  printTable(
    `Search message latency, rule path vs LLM parse path (ms, ${ITER} runs each, fake provider answering instantly)`,
    ['sentence', 'rules p50', 'rules p95', 'LLM p50', 'LLM p95', 'added p50', 'LLM calls/msg'],
    rows,
  )
  await plain.close()
  await withLlm.close()
  await fake.close()
}

async function activityCost(dir: string): Promise<void> {
  const script = activityLlm({ long: true })
  const fake = await FakeOpenAI.start({ handler: script.handler })
  const t = createTestApp({
    clock: systemClock,
    user: DEFAULT_USER,
    fake,
    dbPath: await demoDbPath(dir, 'activity.db'),
    env: { LLM_PRICE_INPUT_RMB_PER_MTOK: '2', LLM_PRICE_OUTPUT_RMB_PER_MTOK: '8' },
  })
  const t0 = performance.now()
  await t.ask(
    '帮我设计一个运营活动，企业名称：远拓通信集团；活动背景：今年校招 300 名新员工，入职后融入慢、试用期流失率高；活动目标：3 个月内新员工留存率提升到 90%；活动类型：线上训练营加线下分享；意向课程：职场新人训练营；发散方式：适度创新',
  )
  await t.ask('选1')
  await t.ask('选2')
  const elapsed = performance.now() - t0
  const calls = llmCalls(t.db)
  const perStep = new Map<string, { calls: number; tin: number; tout: number }>()
  calls.forEach((c, i) => {
    const body = fake.requests[i]?.body
    const step = (body && stepOf(body)) ?? body?.tools?.[0]?.function.name ?? 'other'
    const e = perStep.get(step) ?? { calls: 0, tin: 0, tout: 0 }
    e.calls++
    e.tin += c.tokens_in
    e.tout += c.tokens_out
    perStep.set(step, e)
  })
  const rows = [...perStep].map(([step, e]) => [step, e.calls, e.tin, e.tout, e.tin + e.tout])
  const tin = calls.reduce((n, c) => n + c.tokens_in, 0)
  const tout = calls.reduce((n, c) => n + c.tokens_out, 0)
  rows.push(['total', calls.length, tin, tout, tin + tout])
  printTable(
    'Tokens per step of one complete 运营活动设计 (default prompts, fake tokenizer)',
    ['step', 'calls', 'tokens in', 'tokens out', 'total'],
    rows,
  )
  const p = (await storesOf({ db: t.db }).workflows.processData.listOfUser('u-wang'))[0]!
  printTable(
    'RMB per complete activity design',
    ['price', 'RMB'],
    PRICES.map(([name, pin, pout]) => [name, `¥${((tin * pin + tout * pout) / 1e6).toFixed(3)}`]),
  )
  process.stdout.write(
    `\nprocess_data: block_index ${p.block_index}, total_tokens ${p.total_tokens}, total_rmb ¥${p.total_rmb.toFixed(4)} (at ¥2/¥8), ${calls.length} calls, ${(elapsed / 1000).toFixed(1)} s wall time with an instant model\n`,
  )
  await t.close()
  await fake.close()
}

async function main(): Promise<void> {
  const dir = tempDir('andy-bench-llm-')
  try {
    await parseLatency(dir.dir)
    await activityCost(dir.dir)
  } finally {
    dir.cleanup()
  }
}

await main()
