import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parseRobotMessage } from '../../src/core/message.js'
import { openDb } from '../../src/db/client.js'
import { inboxIdentities, insertInbound } from '../../src/db/inbox.js'
import { ANDY_CLI } from '../helpers/cli.js'
import { robotTextPayload } from '../helpers/fake-gateway.js'

/** `andy inbox ids`: where an admin finds staff ids (ANDY_ADMIN_STAFF_IDS) and openConversationIds (ANDY_DIGEST_CONVERSATION_ID). */

const root = join(import.meta.dirname, '..', '..')

function store(dbPath: string): void {
  const db = openDb(dbPath)
  const messages = [
    robotTextPayload({
      text: '案例',
      senderStaffId: 'manager4711',
      senderNick: '王经理',
      conversationId: 'cidSalesEast==',
      conversationTitle: '华东销售群',
    }),
    robotTextPayload({
      text: '统计',
      senderStaffId: 'manager4711',
      senderNick: '王经理',
      conversationType: '1',
      conversationId: 'cidSingle==',
    }),
    robotTextPayload({
      text: '帮助',
      senderStaffId: 'rep0815',
      senderNick: '李四',
      conversationId: 'cidSalesNorth==',
      conversationTitle: '华北销售群',
    }),
  ]
  messages.forEach((m, i) => {
    const parsed = parseRobotMessage(m)
    if (!parsed.ok) throw new Error(parsed.error)
    insertInbound(
      db,
      { source: 'stream', robotCode: 'dingrobot', message: parsed.message, raw: JSON.stringify(m) },
      1_800_000_000_000 + i * 1000,
    )
  })
  db.close()
}

describe('andy inbox ids', () => {
  it('lists each sender with their staff id and each group with its openConversationId', async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'andy-ids-')), 'a.db')
    store(dbPath)
    const db = openDb(dbPath)
    const who = inboxIdentities(db)
    db.close()
    expect(who.senders.map((s) => [s.sender_nick, s.sender_staff_id, s.messages])).toEqual([
      ['李四', 'rep0815', 1],
      ['王经理', 'manager4711', 2],
    ])
    expect(who.groups.map((g) => [g.conversation_title, g.conversation_id])).toEqual([
      ['华北销售群', 'cidSalesNorth=='],
      ['华东销售群', 'cidSalesEast=='],
    ])

    const env = { ...process.env, DB_PATH: dbPath, LOG_LEVEL: 'silent' }
    const { stdout } = await promisify(execFile)(process.execPath, [...ANDY_CLI, 'inbox', 'ids'], {
      cwd: root,
      env,
      timeout: 120_000,
    })
    for (const s of [
      'manager4711',
      'rep0815',
      'cidSalesEast==',
      'cidSalesNorth==',
      'ANDY_ADMIN_STAFF_IDS',
      'ANDY_DIGEST_CONVERSATION_ID',
    ])
      expect(stdout).toContain(s)
    expect(stdout).not.toContain('cidSingle==')
  })
})
