import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cliRunner } from '../helpers/cli.js'
import { makeDocx, makePng } from '../helpers/documents.js'
import { type E2eBot, e2eBot, markdownOf } from '../helpers/e2e-bot.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'
import { type ChatBody, FakeOpenAI } from '../helpers/fake-openai.js'
import { robotFilePayload, robotRichTextPayload } from '../helpers/file-messages.js'
import { type PgCluster, pgCluster } from '../helpers/pg-cluster.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'

/**
 * The LLM features on several instances: two real `andy start` processes (the compiled CLI) on one
 * PostgreSQL, the real openai client against the fake model. The prompts are seeded into PostgreSQL, a
 * 报告解读 announced on one instance names the file interpreted on the other, every call lands in
 * PostgreSQL's llm_calls, and the daily budget one instance spent is the budget the other refuses on.
 */

let server: PgServer | undefined
let env: E2eBot | undefined
let cluster: PgCluster | undefined
let llm: FakeOpenAI | undefined

beforeAll(async () => {
  if (!PG_DISABLED) server = await startPgServer()
})
afterAll(async () => {
  await server?.stop()
})
afterEach(async () => {
  await cluster?.close()
  await env?.close()
  cluster = undefined
  await llm?.close()
  env = undefined
  llm = undefined
})

type Part = { type: string; text?: string }
const userText = (b: ChatBody) =>
  b.messages
    .filter((m) => m.role === 'user')
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
    .join('\n')

async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return (await c.query<T>(sql, values)).rows
  } finally {
    await c.end()
  }
}

describe.skipIf(PG_DISABLED)('LLM features on several andy start processes on one PostgreSQL', () => {
  it('interprets a report and a picture with the ledger and the daily budget in PostgreSQL', async () => {
    // A picture "costs" 200,000 input tokens: at ¥10 per million that is ¥2.0001, over the ¥1 budget.
    llm = await FakeOpenAI.start({
      handler: (b) => {
        const user = b.messages.find((m) => m.role === 'user')!
        if (Array.isArray(user.content))
          return {
            content: `看图回答：${(user.content as Part[]).find((p) => p.type === 'text')?.text}`,
            usage: { prompt_tokens: 200_000, completion_tokens: 10 },
          }
        const app = /以下是客户的「(.+?)」/.exec(userText(b))?.[1]
        return app ? `【${app}】第一步结论` : '下一步'
      },
    })
    const c = (cluster = await pgCluster(await server!.createDatabase(), llm, {
      LLM_VISION_MODEL: 'fake-vl',
      LLM_TIMEOUT_MS: '60000',
      LLM_PRICE_INPUT_RMB_PER_MTOK: '10',
      LLM_PRICE_OUTPUT_RMB_PER_MTOK: '10',
      LLM_DAILY_BUDGET_RMB: '1',
    }))
    const e = c.env
    const url = c.url
    const a = await c.start('a')
    const b = await c.start('b')
    // The default prompts were loaded into PostgreSQL (once, though two instances started on empty tables).
    const [prompts] = await query<{ steps: string; reports: string; apps: string }>(
      url,
      `SELECT (SELECT count(*) FROM prompt_steps) AS steps, (SELECT count(*) FROM report_prompts) AS reports,
              (SELECT count(DISTINCT app_name) FROM report_prompts) AS apps`,
    )
    expect(Number(prompts!.steps)).toBeGreaterThan(0)
    expect(prompts!.reports).toBe(prompts!.apps)

    const dm = (msgId: string, user: string) => ({
      msgId,
      conversationType: '1' as const,
      conversationId: `cid-dm-${user}`,
      senderStaffId: user,
      sessionWebhook: e.sink.url(`/${msgId}`),
    })
    const repliesTo = c.repliesTo
    const answered = (msgId: string, what: string, done?: (t: string) => boolean) => c.answered(msgId, what, done)

    // 报告解读: the report type said on instance a names the file sent next, which instance b interprets.
    await e.gateway.sendRobotMessage(robotTextPayload({ ...dm('m-say', 'rep7'), text: '人才盘点报告解读' }), {
      connection: a.connection,
    })
    await answered('m-say', 'the request for the file')
    expect(repliesTo('m-say')[0]).toContain('按「人才盘点报告」解读')
    e.openapi.addDownload('code-doc', await makeDocx([{ heading: '结论' }, { para: '高潜人才 12 人，占 8%。' }]), {
      fileName: '三季度结果.docx',
    })
    await e.gateway.sendRobotMessage(
      robotFilePayload({ ...dm('m-doc', 'rep7'), downloadCode: 'code-doc', fileName: '三季度结果.docx' }),
      { connection: b.connection },
    )
    await answered('m-doc', 'the interpretation', (t) => t.includes('本次用量'))
    expect(repliesTo('m-doc').join('\n')).toContain('【人才盘点报告】第一步结论')
    expect(llm.requests.some((r) => userText(r.body).includes('高潜人才 12 人'))).toBe(true)
    const calls = await query<{ intent: string; model: string; status: string; cost_rmb: number; user_id: string }>(
      url,
      'SELECT intent, model, status, cost_rmb, user_id FROM llm_calls WHERE msg_id = $1 ORDER BY id',
      ['m-doc'],
    )
    expect(calls.length).toBeGreaterThan(0)
    for (const c of calls)
      expect(c).toMatchObject({ intent: 'report', model: 'fake-model', status: 'ok', user_id: 'rep7' })
    expect(calls.every((c) => c.cost_rmb > 0)).toBe(true)

    // 图片 on instance a: the call is recorded in PostgreSQL with its cost; it spends rep8's whole budget…
    e.openapi.addDownload('pic-1', makePng(16, 16))
    await e.gateway.sendRobotMessage(
      robotRichTextPayload({ ...dm('m-pic', 'rep8'), text: '图里哪个部门最低？', downloadCode: 'pic-1' }),
      { connection: a.connection },
    )
    await answered('m-pic', 'the picture answer')
    expect(repliesTo('m-pic')[0]).toContain('看图回答：图里哪个部门最低？')
    const [pic] = await query<{ model: string; intent: string; cost_rmb: number; tokens_in: string }>(
      url,
      'SELECT model, intent, cost_rmb, tokens_in FROM llm_calls WHERE msg_id = $1',
      ['m-pic'],
    )
    expect(pic).toMatchObject({ model: 'fake-vl', intent: 'image', tokens_in: '200000' })
    expect(pic!.cost_rmb).toBeCloseTo(2.0001, 6)
    // …so instance b, which never saw that call, refuses rep8's next picture on the budget.
    e.openapi.addDownload('pic-2', makePng(16, 16))
    await e.gateway.sendRobotMessage(
      robotRichTextPayload({ ...dm('m-pic2', 'rep8'), text: '再看一张', downloadCode: 'pic-2' }),
      { connection: b.connection },
    )
    await answered('m-pic2', 'the budget reply')
    expect(repliesTo('m-pic2')[0]).toContain('今天的 AI 额度（¥1.00）已经用完了')
    expect(await query(url, 'SELECT id FROM llm_calls WHERE msg_id = $1', ['m-pic2'])).toEqual([])
    expect(llm.requests.filter((r) => r.body.model === 'fake-vl')).toHaveLength(1)
    // Nothing was refused as "not available on several instances".
    expect(e.sink.requests.map((r) => markdownOf(r.body)).join('\n')).not.toContain('多实例模式')
  }, 300_000)

  it("andy migrate brings the file's prompts along; andy prompts import, list and export work on PostgreSQL", async () => {
    const url = await server!.createDatabase()
    env = await e2eBot()
    const e = env
    const onFile = cliRunner({ ...process.env, ...e.env })
    const onPg = cliRunner({ ...process.env, ...e.env, DATABASE_URL: url })
    const csv = (name: string, version: string, step: string) => {
      const path = join(e.dir, name)
      writeFileSync(path, `提示词版本,步骤类型,步骤名称,提示词,步骤1\n${version},rcfz,${step},你是顾问,"{{input}}"\n`)
      return path
    }
    // Prompts imported into the single file before the move…
    const local = await onFile('prompts', 'import', csv('v1.csv', '1.5', '文件里的步骤'))
    expect(local.code, local.stderr).toBe(0)
    const migrate = await onPg('migrate')
    expect(migrate.code, migrate.stderr).toBe(0)
    expect(migrate.stdout).toContain('中的提示词写入 PostgreSQL：提示词步骤 1 行')
    // …are in PostgreSQL; an import with DATABASE_URL adds a version there, not in the file.
    const imported = await onPg('prompts', 'import', csv('v2.csv', '2.0', '新版本步骤'))
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.stdout).toContain('✔ 导入提示词步骤（版本 2.0） 1 行')
    const rows = await query<{ version: string; step_name: string }>(
      url,
      `SELECT version, step_name FROM prompt_steps WHERE step_type = 'rcfz' ORDER BY id`,
    )
    expect(rows).toEqual([
      { version: '1.5', step_name: '文件里的步骤' },
      { version: '2.0', step_name: '新版本步骤' },
    ])
    const listed = await onPg('prompts', 'list', '--type', 'rcfz')
    expect(listed.stdout).toContain('提示词版本（新→旧）：2.0（默认）、1.5')
    expect((await onFile('prompts', 'list', '--type', 'rcfz')).stdout).not.toContain('2.0')
    const out = join(e.dir, 'steps.csv')
    const exported = await onPg('prompts', 'export', '--out', out, '--version', '2.0')
    expect(exported.stdout).toContain(`✔ 1 行 → ${out}`)
    expect(readFileSync(out, 'utf8')).toContain('新版本步骤')
  })
})
