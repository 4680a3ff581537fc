import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPg } from '../../src/db/pg/client.js'
import { createPgStores } from '../../src/db/pg/stores.js'
import type { Stores } from '../../src/db/stores/index.js'
import { localEnvelope } from '../../src/transport/local.js'
import { cliRunner } from '../helpers/cli.js'
import { textEnvelope } from '../helpers/envelope.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'
import { tempDir } from '../helpers/test-app.js'

/**
 * `andy inbox` with DATABASE_URL: the messages are in PostgreSQL's inbox (every instance's), the local
 * DB_PATH file holds none — list, ids and retry work on PostgreSQL's.
 */

describe.skipIf(PG_DISABLED)('andy inbox on PostgreSQL', () => {
  let server: PgServer
  let stores: Stores
  let url = ''
  const tmp = tempDir('andy-inbox-pg-')
  beforeAll(async () => {
    server = await startPgServer()
    url = await server.createDatabase()
    stores = createPgStores(await openPg(url, { migrate: true }))
  }, 120_000)
  afterAll(async () => {
    await stores?.close()
    await server?.stop()
    tmp.cleanup()
  })

  it('lists the shared inbox, the senders and groups in it, and retries a failed message', async () => {
    const now = Date.now()
    const group = await stores.inbox.insert(
      textEnvelope({
        msgId: 'm-group',
        conversationId: 'cid-east',
        groupTitle: '华东销售群',
        user: 'staff-007',
        nick: '王五',
      }),
      now,
    )
    await stores.inbox.finish(group.id, 'replied', now, { intent: 'case' })
    // A message an instance failed on (stored from the terminal, so its reply goes to the terminal).
    const failed = await stores.inbox.insert(localEnvelope('帮助', { nick: '张三', staffId: 'u-zhang' }, now), now)
    await stores.inbox.finish(failed.id, 'failed', now, { error: '模型超时' })

    const andy = cliRunner({ ...process.env, DATABASE_URL: url, DB_PATH: `${tmp.dir}/local.db`, LOG_LEVEL: 'silent' })
    const listed = await andy('inbox', 'list', '--json')
    expect(listed.code, listed.stderr).toBe(0)
    const rows = listed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(rows.map((r) => [r.id, r.status, r.last_error])).toEqual([
      [failed.id, 'failed', '模型超时'],
      [group.id, 'replied', null],
    ])
    expect((await andy('inbox', 'list', '--status', 'failed')).stdout).toContain('模型超时')

    const ids = await andy('inbox', 'ids', '--json')
    expect(JSON.parse(ids.stdout)).toMatchObject({
      senders: [{ sender_staff_id: 'staff-007', sender_nick: '王五', messages: 1 }],
      groups: [{ conversation_id: 'cid-east', conversation_title: '华东销售群', messages: 1 }],
    })

    expect((await andy('inbox', 'retry', String(group.id))).stderr).toContain('已经回复过了')
    const retried = await andy('inbox', 'retry', String(failed.id))
    expect(retried.code, retried.stderr).toBe(0)
    expect(retried.stdout).toContain(`✔ 消息 ${failed.id} 已重新处理并回复`)
    expect(await stores.inbox.get(failed.id)).toMatchObject({ status: 'replied', last_error: null })
  })
})
