import { describe, expect, it } from 'vitest'
import { APOLOGY } from '../src/bot/router.js'
import { splitMarkdown } from '../src/core/markdown.js'
import type { InboundEnvelope } from '../src/core/message.js'
import { getInbound } from '../src/db/inbox.js'
import { localEnvelope } from '../src/transport/local.js'
import { loadFixtures } from './helpers/fixtures.js'
import { createTestApp } from './helpers/test-app.js'

function withFixtures(env?: Record<string, string>) {
  const t = createTestApp({ env })
  loadFixtures(t.db)
  return t
}

function envelope(message: Record<string, unknown>, robotCode = 'robot-1'): InboundEnvelope {
  const msg = {
    msgId: `m-${Math.random()}`,
    conversationId: 'cid-1',
    conversationType: '1',
    senderStaffId: 'u1',
    senderNick: '李四',
    ...message,
  }
  return { source: 'local', robotCode, message: msg as InboundEnvelope['message'], raw: JSON.stringify(msg) }
}

const usage = (t: ReturnType<typeof createTestApp>) =>
  t.db.sqlite.prepare('SELECT * FROM usage_records ORDER BY id').all() as Array<Record<string, unknown>>

describe('search through the dispatcher', () => {
  it('answers the flagship sentence with the total, the filters and the cases', async () => {
    const t = withFixtures()
    const r = await t.ask('制造业 5000人以上 国企 的客户案例')
    expect(r.intent).toBe('case')
    expect(r.total).toBe(2)
    expect(r.hits!.map((h) => h.kh_name).sort()).toEqual(['中国宏达重工集团有限公司', '江苏恒远汽车零部件集团'])
    const reply = r.replies.join('\n')
    expect(reply).toContain('内容客户案例：找到 2 条')
    expect(reply).toContain('行业=制造业')
    expect(reply).toContain('规模≥5000人')
    expect(reply).toContain('[查看案例](https://cases.example.com/c/')
    expect(reply).not.toMatch(/\|.*\|/) // no markdown tables
    // 制造业 stands for the finer manufacturing labels of the customer-industry column too (data/taxonomy.json).
    expect(r.filters).toEqual({
      yxt_industry_1: expect.arrayContaining(['制造业', '汽车制造', '装备制造']),
      enterprise_type: ['地方国企', '央企'],
      staff_size: { min: 5000 },
    })
  })

  it('@-mentions the sender in groups and records the group on the usage record', async () => {
    const t = withFixtures()
    const r = await t.ask('央企 客户案例', { nick: '王五', staffId: 'staff-9', group: '华东销售群' })
    expect(r.replies[0]).toMatch(/^@staff-9 /)
    expect(t.local.parts[0]!.part.atUserIds).toEqual(['staff-9'])
    const [u] = usage(t)
    expect(u).toMatchObject({
      intent: 'case',
      assistant_type: '4',
      assistant_name: '内容客户案例',
      dd_group_name: '华东销售群',
      user_dd_nick: '王五',
      conversation_type: '2',
      hits: 1,
      status: 'ok',
      consult_content: '央企 客户案例',
    })
    expect(u!.latency_ms).toBeTypeOf('number')
    expect(u!.use_date).toBe('2026-11-28')
  })

  it('says what it relaxed when nothing matches exactly', async () => {
    const t = withFixtures()
    const r = await t.ask('央企 金融 2023年 客户案例')
    expect(r.relaxed!.map((f) => f.key)).toEqual(['case_year', 'enterprise_type'])
    expect(r.replies[0]).toContain('已放宽：年份=2023年、企业性质=央企')
    expect(r.total).toBe(2)
  })

  it('pages with 更多 and says when the results are exhausted', async () => {
    const t = withFixtures()
    const first = await t.ask('客户案例')
    expect(first.total).toBe(7)
    expect(first.hits).toHaveLength(5)
    expect(first.replies[0]).toContain('回复 **更多** 看下一页（共 2 页）')
    const second = await t.ask('更多')
    expect(second.intent).toBe('more')
    expect(second.hits).toHaveLength(2)
    expect(second.replies[0]).toContain('第 2/2 页')
    expect(new Set([...first.hits!, ...second.hits!].map((h) => h.id)).size).toBe(7)
    const third = await t.ask('下一页')
    expect(third.replies[0]).toContain('已经全部看完了')
    // another user in the same conversation has no search to page
    const other = await t.ask('更多', { nick: '赵六' })
    expect(other.replies[0]).toContain('还没有可以翻页的搜索')
  })

  it('honours command prefixes, customType and robot bindings', async () => {
    const t = withFixtures({ ANDY_ROBOT_INTENTS: 'switch-bot=switch' })
    expect((await t.ask('/案例 银行')).hits!.map((h) => h.kh_name)).toEqual(['浙江丰利农村商业银行股份有限公司'])
    expect((await t.ask('打单：金融')).intent).toBe('pitch')
    const ct = await t.app.handleNow(envelope({ msgtype: 'text', text: { content: '金融' }, customType: '7' }))
    expect(ct.intent).toBe('switch')
    expect(ct.total).toBe(2)
    const bound = await t.app.handleNow(envelope({ msgtype: 'text', text: { content: '金融' } }, 'switch-bot'))
    expect(bound.intent).toBe('switch')
    const help = await t.app.handleNow(envelope({ msgtype: 'text', text: { content: '帮助' } }, 'switch-bot'))
    expect(help.intent).toBe('help')
  })
})

describe('bad input', () => {
  it('shows the menu for empty text, greetings and sentences it cannot place', async () => {
    const t = withFixtures()
    for (const text of ['', '   ', '帮助', '你好', '谢谢！', '今天天气怎么样']) {
      const r = await t.ask(text)
      // a question it cannot place is answered with the menu but recorded as unanswered (a content gap)
      expect(r.intent).toBe(text === '今天天气怎么样' ? 'unanswered' : 'help')
      expect(r.replies[0]).toContain('客户案例：制造业 5000人以上 国企 的客户案例')
    }
    expect((await t.ask('今天天气怎么样')).replies[0]).toContain('没太明白「今天天气怎么样」')
  })

  it('reads a 10,000-character message on a truncated prefix and says so', async () => {
    const t = withFixtures()
    const r = await t.ask(`央企 客户案例 ${'啊'.repeat(10_000)}`)
    expect(r.intent).toBe('case')
    expect(r.replies[0]).toContain('只按前 500 个字理解')
  })

  it('searches SQL, LIKE metacharacters, emoji and full-width text literally', async () => {
    const t = withFixtures()
    for (const text of ["'; DROP TABLE content_cases; -- 案例", '%_% 案例', '😀😀 案例', 'ＳＥＬＥＣＴ＊ 案例']) {
      const r = await t.ask(text)
      expect(r.status).toBe('ok')
      expect(r.intent).toBe('case')
    }
    expect((t.db.sqlite.prepare('SELECT count(*) AS n FROM content_cases').get() as { n: number }).n).toBe(7)
  })

  it('explains which message types it can take', async () => {
    const t = withFixtures()
    for (const m of [
      { msgtype: 'video', content: { downloadCode: 'x', duration: '5', videoType: 'mp4' } },
      { msgtype: 'unknownMsgType', content: { unknownMsgType: '用户发送了一条消息，机器人暂不支持接收。' } },
      { msgtype: 'audio', content: { downloadCode: 'x', duration: 3000 } },
    ]) {
      const r = await t.app.handleNow(envelope(m))
      expect(r.intent).toBe('unsupported')
      expect(r.replies[0]).toContain('Andy 可以接收')
    }
  })

  it('uses the speech recognition of an audio message as its text', async () => {
    const t = withFixtures()
    const r = await t.app.handleNow(
      envelope({ msgtype: 'audio', content: { downloadCode: 'x', duration: 3000, recognition: '央企的客户案例' } }),
    )
    expect(r.intent).toBe('case')
    expect(r.total).toBe(1)
  })

  it('records an org-quota callback once and does not reply', async () => {
    const t = withFixtures()
    const e = envelope({ errorCode: 20001, errorMessage: 'quota exceeded' })
    const r = await t.app.handleNow(e)
    expect(r.replies).toEqual([])
    expect((await t.app.handleNow(e)).duplicate).toBe(true)
    expect(usage(t).filter((u) => u.intent === 'quota')).toHaveLength(1)
  })
})

describe('delivery and failures', () => {
  it('never answers the same robotCode+msgId twice, but answers each robot once', async () => {
    const t = withFixtures()
    const e = envelope({ msgtype: 'text', text: { content: '央企 客户案例' } })
    const a = await t.app.handleNow(e)
    const b = await t.app.handleNow(e)
    const other = await t.app.handleNow({ ...e, robotCode: 'robot-2' })
    expect(a.duplicate).toBe(false)
    expect(b.duplicate).toBe(true)
    expect(other.duplicate).toBe(false)
    expect(t.local.parts).toHaveLength(2)
    expect(getInbound(t.db, a.inboxId)!.status).toBe('replied')
  })

  it('apologises when a handler throws and keeps serving others', async () => {
    const t = withFixtures()
    t.app.router.handle('pitch', async () => {
      throw new Error('boom')
    })
    const bad = await t.ask('打单方案')
    expect(bad.status).toBe('failed')
    expect(bad.replies).toEqual([APOLOGY])
    expect(usage(t).at(-1)).toMatchObject({ status: 'failed', error: 'boom' })
    expect((await t.ask('央企 客户案例')).status).toBe('ok')
  })

  it('splits long replies under 3500 characters at line boundaries', () => {
    const text = Array.from({ length: 300 }, (_, i) => `第${i}行：${'内容'.repeat(10)}`).join('\n')
    const parts = splitMarkdown(text)
    expect(parts.length).toBeGreaterThan(1)
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(3500)
    expect(parts.join('\n')).toBe(text)
  })

  it('replies through every source with its own replier', async () => {
    const t = withFixtures()
    const r = await t.app.handleNow(localEnvelope('央企 案例', { nick: 'x' }, t.clock.now()))
    expect(t.local.parts[0]!.part.key).toMatch(/^andy-local\/local-.*:1$/)
    expect(r.replies).toHaveLength(1)
  })
})
