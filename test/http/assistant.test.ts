import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ALL_ACTIONS } from '../../src/http/assistant/actions.js'
import { assistantYaml } from '../../src/http/assistant/yaml.js'
import { ANDY_CLI } from '../helpers/cli.js'
import { APP_KEY, type Harness, startHarness } from './setup.js'

/**
 * `andy assistant-yaml`: the OpenAPI 3.0 description pasted into a DingTalk AI 助理 ability. Checked with a
 * maintained OpenAPI schema validator, and every operation it declares is called through the same path
 * the stream uses (HttpServer.graph: in-process injection) with the parameters it declares.
 */

type Doc = {
  openapi: string
  'x-dingtalk-protocol': string
  paths: Record<
    string,
    Record<
      string,
      {
        summary: string
        description: string
        'x-dingtalk-display-result': string
        parameters: Array<{ name: string; required: boolean; schema: Record<string, any> }>
      }
    >
  >
}

let h: Harness
beforeAll(async () => {
  h = await startHarness({ seed: true })
})
afterAll(async () => {
  await h.close()
})

const CJK = /[\u4e00-\u9fff]/

async function validate(text: string): Promise<{ valid: boolean; errors?: unknown }> {
  const validator = new Validator()
  const res = await validator.validate(text)
  return { valid: res.valid, errors: res.errors, ...(res.valid ? { version: validator.version } : {}) }
}

/** Calls every operation of the document the way the assistant would, over the stream path. */
async function callEveryOperation(
  doc: Doc,
): Promise<Array<{ op: string; status: number; ret: number; content: string }>> {
  const out = []
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = new URLSearchParams()
      for (const p of op.parameters) {
        const ctx = p.schema['x-dingtalk-context'] as { property: string } | undefined
        if (ctx?.property === 'currentUser') params.set(p.name, 'yaml-user')
        else if (ctx?.property === 'currentOrg') params.set(p.name, 'ding-yaml-corp')
        else if (ctx?.property === 'currentInput') params.set(p.name, '制造业 客户案例')
        else if (p.required) params.set(p.name, '制造业 5000人以上 国企 的客户案例')
      }
      const data = JSON.stringify({
        requestLine: { method: method.toUpperCase(), uri: `${path}?${params}` },
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      const res = await h.server.graph(data, { messageId: `yaml-${path}-${method}`, connectionId: 'test' })
      const json = JSON.parse(res.body) as { ret: number; content: string }
      out.push({
        op: `${method.toUpperCase()} ${path}`,
        status: res.statusLine.code,
        ret: json.ret,
        content: json.content,
      })
    }
  }
  return out
}

describe('andy assistant-yaml', () => {
  for (const passthrough of [false, true]) {
    describe(passthrough ? '--passthrough (直通模式)' : 'model-driven', () => {
      const text = assistantYaml({ passthrough })
      const doc = parse(text) as Doc

      it('is a valid OpenAPI 3.0 document with x-dingtalk-protocol: stream', async () => {
        const res = await validate(text)
        expect(res.errors).toBeUndefined()
        expect(res).toMatchObject({ valid: true, version: '3.0' })
        expect(doc.openapi).toBe('3.0.1')
        expect(doc['x-dingtalk-protocol']).toBe('stream')
      })

      it('every operation exists in the router and answers through the stream path', async () => {
        const results = await callEveryOperation(doc)
        expect(results.length).toBe(passthrough ? 1 : 4)
        for (const r of results) expect(r, r.op).toMatchObject({ status: 200, ret: 200 })
        for (const r of results) expect(r.content.length, r.op).toBeGreaterThan(0)
      })

      it('identity comes from the conversation, never from the model; summaries are Chinese', () => {
        for (const [path, methods] of Object.entries(doc.paths)) {
          for (const op of Object.values(methods)) {
            expect(op.summary).toMatch(CJK)
            expect(op.description).toMatch(CJK)
            expect(op['x-dingtalk-display-result']).toBe('markdown')
            const byName = Object.fromEntries(op.parameters.map((p) => [p.name, p]))
            expect(byName.userId?.schema['x-dingtalk-context'], path).toEqual({
              property: 'currentUser',
              format: 'userId',
            })
            expect(byName.corpId?.schema['x-dingtalk-context'], path).toEqual({
              property: 'currentOrg',
              format: 'corpId',
            })
            if (passthrough) {
              for (const p of op.parameters) expect(p.schema['x-dingtalk-context'], p.name).toBeDefined()
              expect(byName.input?.schema['x-dingtalk-context']).toEqual({ property: 'currentInput', format: 'raw' })
            }
          }
        }
        if (passthrough) expect(Object.keys(doc.paths)).toEqual(['/v1/actions/andy/ask'])
      })
    })
  }

  it('the validator does reject a broken document (so the checks above can fail)', async () => {
    const broken = assistantYaml()
      .replace('openapi: 3.0.1', 'openapi: 3.0.1\npaths2: {}')
      .replace(/\n {4}get:\n/, '\n    fetch:\n')
    expect((await validate(broken)).valid).toBe(false)
  })

  it('declares only parameters the actions accept (an unknown one would be a 400)', () => {
    for (const passthrough of [false, true]) {
      const doc = parse(assistantYaml({ passthrough })) as Doc
      for (const [path, methods] of Object.entries(doc.paths)) {
        const action = ALL_ACTIONS.find((a) => a.path === path)!
        expect(action, path).toBeDefined()
        for (const op of Object.values(methods))
          expect(op.parameters.map((p) => p.name).sort()).toEqual(action.params.map((p) => p.name).sort())
      }
    }
  })

  it('is what the CLI prints; --help explains the two modes', async () => {
    const run = promisify(execFile)
    const root = join(import.meta.dirname, '..', '..')
    const env = { ...process.env, LOG_LEVEL: 'silent' }
    const r = await run(process.execPath, [...ANDY_CLI, 'assistant-yaml', '--passthrough'], {
      cwd: root,
      env,
      timeout: 60_000,
    })
    expect(r.stdout).toBe(assistantYaml({ passthrough: true }))
    const help = await run(process.execPath, [...ANDY_CLI, 'assistant-yaml', '--help'], {
      cwd: root,
      env,
      timeout: 60_000,
    })
    expect(help.stdout + help.stderr).toContain('--passthrough')
  })
})

describe('the actions over plain HTTP', () => {
  it('use the same routes with app_key, and the envelope carries the markdown as content', async () => {
    const res = await fetch(
      `${h.base}/v1/actions/andy/search?${new URLSearchParams({ q: '制造业 5000人以上 国企 的客户案例', userId: 'http-user', app_key: APP_KEY })}`,
    )
    const json = (await res.json()) as {
      ret: number
      data: { intent: string; total: number; rows: unknown[]; content: string }
      content: string
    }
    expect(res.status).toBe(200)
    expect(json.data.intent).toBe('case')
    expect(json.data.rows.length).toBe(Math.min(5, json.data.total))
    expect(json.content).toBe(json.data.content)
    expect(json.content).toContain(`找到 ${json.data.total} 条`)
  })

  it('export without DingTalk credentials explains, in Chinese, what is missing', async () => {
    await fetch(
      `${h.base}/v1/actions/andy/search?${new URLSearchParams({ q: '金融 客户案例', userId: 'http-exp', app_key: APP_KEY })}`,
    )
    const res = await fetch(
      `${h.base}/v1/actions/andy/export?${new URLSearchParams({ userId: 'http-exp', app_key: APP_KEY })}`,
      { method: 'POST' },
    )
    const json = (await res.json()) as { ret: number; data: { status: string; files: unknown[] }; content: string }
    expect(json.ret).toBe(200)
    expect(json.data).toMatchObject({ status: 'rejected', files: [] })
    expect(json.content).toContain('DINGTALK_CLIENT_ID')
  })

  it('ASaveAndyVardDtas with an Idempotency-Key creates one row however often it is sent', async () => {
    const send = () =>
      fetch(`${h.base}/api/ASaveAndyVardDtas`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'save-once-1' },
        body: JSON.stringify({ app_key: APP_KEY, user_id: 'idem-user', enterprise_name: '丙公司' }),
      }).then(async (r) => ({
        status: r.status,
        replayed: r.headers.get('idempotent-replayed'),
        json: (await r.json()) as { data: { id: number } },
      }))
    const a = await send()
    const b = await send()
    expect(a.status).toBe(200)
    expect(b).toMatchObject({ status: 200, replayed: 'true' })
    expect(b.json.data).toEqual(a.json.data)
    const n = h.db.sqlite.prepare("SELECT count(*) AS n FROM process_data WHERE user_id = 'idem-user'").get() as {
      n: number
    }
    expect(n.n).toBe(1)
  })
})

describe('the stream channel marker', () => {
  it('cannot be forged from the network: a made-up x-andy-channel header is still asked for app_key', async () => {
    const res = await fetch(`${h.base}/api/ANrkhCaseDetail?perpage=1`, {
      headers: { 'x-andy-channel': 'a'.repeat(64) },
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { msg: string }).msg).toContain('app_key')
  })

  it('a header of that name inside a Graph API request is replaced by the real one (and the call still works)', async () => {
    const data = JSON.stringify({
      requestLine: { method: 'GET', uri: '/api/ANrkhCaseDetail?perpage=1' },
      headers: { 'X-Andy-Channel': 'forged', Host: 'evil' },
      body: '{}',
    })
    const res = await h.server.graph(data, { messageId: 'forged-1', connectionId: 't' })
    expect(res.statusLine.code).toBe(200)
    expect((JSON.parse(res.body) as { ret: number }).ret).toBe(200)
  })
})
