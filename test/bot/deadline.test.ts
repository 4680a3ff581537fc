import { describe, expect, it } from 'vitest'
import { timeoutApology } from '../../src/bot/deadline.js'
import type { DeliveryResult, DeliveryTarget, OutboundPart, Replier } from '../../src/core/delivery.js'
import { getInbound } from '../../src/db/inbox.js'
import { localEnvelope } from '../../src/transport/local.js'
import { createTestApp } from '../helpers/test-app.js'
import { until } from '../helpers/wait.js'

/**
 * A replier that records parts; part `heldNo` (a slow webhook) is held until another part has been delivered
 * (event-driven, so load cannot reorder them), or at most a minute.
 */
class SlowReplier implements Replier {
  readonly delivered: OutboundPart[] = []
  constructor(private readonly heldNo: number) {}
  async deliver(_t: DeliveryTarget, part: OutboundPart): Promise<DeliveryResult> {
    if (part.no === this.heldNo) await until(() => this.delivered.some((p) => p.no !== this.heldNo)).catch(() => {})
    this.delivered.push(part)
    return { channel: 'test' }
  }
}

describe('handler deadline', () => {
  it('stops a long reply that is still going out at the deadline and sends the apology instead', async () => {
    const replier = new SlowReplier(1)
    const t = createTestApp({ env: { ANDY_HANDLER_TIMEOUT_MS: '200' }, repliers: { local: replier } })
    const long = Array.from({ length: 3 }, (_, i) => `第${i + 1}段\n${'内容'.repeat(1000)}`).join('\n\n')
    t.app.router.handle('pitch', async (ctx) => ctx.reply(long))
    const r = await t.app.handleNow(localEnvelope('/打单 银行', { nick: '王' }, 1))
    expect(r.status).toBe('failed')
    expect(r.error).toBe('handler timed out after 200 ms')
    await until(() => replier.delivered.length >= 2, 'the apology and the part in flight')
    // Part 1 was already in flight and lands; parts 2–3 of the long reply never go; the apology is part 2.
    expect(replier.delivered.map((p) => [p.no, p.body.slice(0, 8)])).toEqual([
      [2, timeoutApology(200).slice(0, 8)],
      [1, '第1段\n内容内容'],
    ])
    expect(getInbound(t.db, r.inboxId)).toMatchObject({
      status: 'failed',
      last_error: 'handler timed out after 200 ms',
    })
  })
})

describe('deadline by kind of work', () => {
  it('gives LLM pipelines and file work the pipeline deadline, searches the short one', async () => {
    const t = createTestApp({ env: { ANDY_HANDLER_TIMEOUT_MS: '150', ANDY_PIPELINE_TIMEOUT_MS: '60000' } })
    const slow = (ms: number) => async (ctx: Parameters<Parameters<typeof t.app.router.handle>[1]>[0]) => {
      await new Promise((r) => setTimeout(r, ms))
      await ctx.reply('完成')
    }
    t.app.router.handle('meeting', slow(400))
    t.app.router.handle('pitch', slow(400))
    const pipeline = await t.app.handleNow(localEnvelope('会议评审：周会纪要', { nick: '王' }, 1))
    expect(pipeline.status).toBe('ok')
    expect(pipeline.replies).toEqual(['完成'])
    const search = await t.app.handleNow(localEnvelope('/打单 银行', { nick: '李' }, 2))
    expect(search.status).toBe('failed')
    expect(search.error).toBe('handler timed out after 150 ms')
  })
})
