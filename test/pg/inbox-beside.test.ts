import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPg } from '../../src/db/pg/client.js'
import { CANCEL_CHANNEL } from '../../src/db/pg/inbox-store.js'
import { listenPg } from '../../src/db/pg/listen.js'
import { createPgStores } from '../../src/db/pg/stores.js'
import { textEnvelope } from '../helpers/envelope.js'
import { PG_DISABLED, type PgServer, startPgServer } from '../helpers/pg-server.js'

/**
 * 查看进度 / 取消 beside a user's running message on PostgreSQL: a control message is taken although the
 * same user's earlier message is unfinished, the message running on another instance is found, and 取消
 * is announced to every instance.
 */

describe.skipIf(PG_DISABLED)('control messages beside a running message on PostgreSQL', () => {
  let server: PgServer
  beforeAll(async () => {
    server = await startPgServer()
  }, 120_000)
  afterAll(async () => server?.stop())

  it('takes 取消 beside the running message, finds that message on the other instance, announces 取消', async () => {
    const url = await server.createDatabase()
    const s = createPgStores(await openPg(url, { migrate: true }))
    const run = (
      await s.inbox.insert(textEnvelope({ msgId: 'gen', text: '取消', user: 'u1' }), 1, { owner: 'A', until: 1000 })
    ).id
    const ctl = (
      await s.inbox.insert(textEnvelope({ msgId: 'ctl', text: '取消', user: 'u1' }), 2, { owner: 'B', until: 1000 })
    ).id
    const other = (
      await s.inbox.insert(textEnvelope({ msgId: 'x', text: '取消', user: 'u2' }), 3, { owner: 'B', until: 1000 })
    ).id
    expect(await s.inbox.markProcessing(run, 10, { owner: 'A', until: 1000 })).toBe(true)
    // In order the control message waits for the first; beside it, it is taken at once.
    expect(await s.inbox.markProcessing(ctl, 20, { owner: 'B', until: 1000 })).toBe(false)
    expect(await s.inbox.markProcessing(ctl, 20, { owner: 'B', until: 1000 }, { beside: true })).toBe(true)
    expect(await s.inbox.get(ctl)).toMatchObject({ status: 'processing', lease_owner: 'B', attempts: 1 })
    // The message running on A, seen from B; not from A itself, not for another user, not after A's lease.
    expect(await s.inbox.runningElsewhere(ctl, 30, 'B')).toMatchObject({ id: run, msg_id: 'gen', lease_owner: 'A' })
    expect(await s.inbox.runningElsewhere(ctl, 30, 'A')).toBeUndefined()
    expect(await s.inbox.runningElsewhere(other, 30, 'B')).toBeUndefined()
    expect(await s.inbox.runningElsewhere(ctl, 1001, 'B')).toBeUndefined()

    const heard: Array<string | undefined> = []
    let listening!: () => void
    const ready = new Promise<void>((r) => (listening = r))
    let got!: () => void
    const announced = new Promise<void>((r) => (got = r))
    const listener = listenPg(url, [CANCEL_CHANNEL], {
      notification: (_channel, payload) => {
        heard.push(payload)
        got()
      },
      listening,
      lost: () => undefined,
    })
    await ready
    await s.inbox.cancelElsewhere('gen')
    await announced
    expect(heard).toEqual(['gen'])
    await listener.stop()
    await s.close()
  })
})
