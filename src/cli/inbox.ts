import { defineCommand } from 'citty'
import { localDateTime } from '../core/clock.js'
import { type InboxIdentities, type InboxListRow, inboxIdentities, listInbound } from '../db/inbox.js'
import { storesOf } from '../db/stores/index.js'
import { renderTable } from '../stats/terminal.js'
import { DeliveryRouter } from '../transport/delivery.js'
import { LocalReplier } from '../transport/local.js'
import { buildApp, createDingtalkApi, openRuntime, type Runtime } from './bootstrap.js'
import { openCluster } from './cluster.js'

const STATUSES = ['received', 'processing', 'replied', 'failed', 'skipped']

function delivery(r: InboxListRow): string {
  const parts = r.parts_sent + r.parts_failed + r.parts_pending
  if (parts === 0) return '—'
  const out = [`${r.parts_sent}/${parts} 已发送`]
  if (r.channels) out.push(`经 ${r.channels}`)
  if (r.parts_failed) out.push(`${r.parts_failed} 失败`)
  if (r.parts_pending) out.push(`${r.parts_pending} 待发`)
  return out.join('，')
}

function oneLine(s: string | null | undefined, max: number): string {
  const t = (s ?? '').replace(/\s+/g, ' ').trim()
  return t.length > max ? `${t.slice(0, max - 1)}…` : t
}

interface InboxReads {
  list(opts: { status?: string; limit: number }): Promise<InboxListRow[]>
  identities(): Promise<InboxIdentities>
}

/**
 * Runs `fn` on the inbox: with DATABASE_URL PostgreSQL's, every instance's messages (the local file holds
 * none then); else the DB_PATH file's. pg is loaded only then.
 */
async function withInbox<T>(fn: (inbox: InboxReads) => Promise<T>): Promise<T> {
  const rt = openRuntime({ quiet: true })
  try {
    const url = rt.config.databaseUrl
    if (!url)
      return await fn({ list: async (o) => listInbound(rt.db, o), identities: async () => inboxIdentities(rt.db) })
    const [{ openPg }, { pgInboxIdentities, pgListInbound }] = await Promise.all([
      import('../db/pg/client.js'),
      import('../db/pg/inbox-admin.js'),
    ])
    const pg = await openPg(url, { max: 2 })
    try {
      return await fn({ list: (o) => pgListInbound(pg.pool, o), identities: () => pgInboxIdentities(pg.pool) })
    } finally {
      await pg.close()
    }
  } finally {
    rt.db.close()
  }
}

const list = defineCommand({
  meta: { name: 'list', description: 'Recent messages with status, delivery path and errors (newest first)' },
  args: {
    status: { type: 'string', description: `Only this status: ${STATUSES.join(' | ')}` },
    limit: { type: 'string', description: 'How many', default: '20' },
    json: { type: 'boolean', description: 'Print JSON lines instead of a table' },
  },
  async run({ args }) {
    if (args.status && !STATUSES.includes(args.status)) {
      process.stderr.write(`未知状态「${args.status}」。可选：${STATUSES.join('、')}\n`)
      process.exitCode = 2
      return
    }
    await withInbox(async (inbox) => {
      const rows = await inbox.list({ status: args.status, limit: Math.max(1, Number(args.limit) || 20) })
      if (args.json) {
        for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`)
        return
      }
      if (rows.length === 0) {
        process.stdout.write('收件箱是空的。\n')
        return
      }
      const table = renderTable(
        ['id', '收到', '状态', '意图', '发送人', '内容', '回复', '错误'],
        rows.map((r) => [
          String(r.id),
          localDateTime(r.received_at).slice(5, 16),
          r.attempts > 1 ? `${r.status}×${r.attempts}` : r.status,
          r.intent ?? '',
          oneLine(r.conversation_title ? `${r.sender_nick ?? ''}@${r.conversation_title}` : r.sender_nick, 16),
          oneLine(r.text ?? `[${r.msgtype ?? '?'}]`, 24),
          delivery(r),
          oneLine(r.last_error ?? r.part_error, 40),
        ]),
      )
      process.stdout.write(
        `${table}\n\n重新发送失败的消息：andy inbox retry <id>　·　发送人 staffId 与群 openConversationId：andy inbox ids\n`,
      )
    })
  },
})

const ids = defineCommand({
  meta: {
    name: 'ids',
    description:
      'Staff ids of the people and openConversationIds of the groups that messaged Andy (for ANDY_ADMIN_STAFF_IDS, ANDY_DIGEST_CONVERSATION_ID)',
  },
  args: { json: { type: 'boolean', description: 'Print JSON instead of tables' } },
  async run({ args }) {
    await withInbox(async (inbox) => {
      const who = await inbox.identities()
      if (args.json) {
        process.stdout.write(`${JSON.stringify(who, null, 2)}\n`)
        return
      }
      if (who.senders.length === 0 && who.groups.length === 0) {
        process.stdout.write('还没有收到过钉钉消息。先在钉钉里 @Andy 或单聊它一句，再运行 andy inbox ids。\n')
        return
      }
      const when = (ms: number) => localDateTime(ms).slice(0, 16)
      process.stdout.write('发送人（staffId 填入 ANDY_ADMIN_STAFF_IDS，逗号分隔）\n')
      process.stdout.write(
        `${renderTable(
          ['昵称', 'staffId', '消息数', '最近'],
          who.senders.map((s) => [s.sender_nick ?? '', s.sender_staff_id, String(s.messages), when(s.last_at)]),
        )}\n\n`,
      )
      process.stdout.write('群聊（openConversationId 填入 ANDY_DIGEST_CONVERSATION_ID）\n')
      process.stdout.write(
        `${
          who.groups.length
            ? renderTable(
                ['群名', 'openConversationId', '消息数', '最近'],
                who.groups.map((g) => [
                  g.conversation_title ?? '',
                  g.conversation_id,
                  String(g.messages),
                  when(g.last_at),
                ]),
              )
            : '（还没有群消息：把机器人加进群并 @ 它一次）'
        }\n`,
      )
    })
  },
})

const retry = defineCommand({
  meta: { name: 'retry', description: 'Handle a failed message again: re-send undelivered reply parts, or re-run it' },
  args: { id: { type: 'positional', description: 'The message id from `andy inbox`', required: true } },
  async run({ args }) {
    const id = Number(args.id)
    const rt = openRuntime({ quiet: true })
    try {
      // DATABASE_URL: the message is in PostgreSQL's inbox; it is run here like on an instance (case tables copied first).
      if (rt.config.databaseUrl) rt.cluster = await openCluster(rt)
      await retryMessage(rt, id, String(args.id))
    } finally {
      await rt.cluster?.pg.close()
      rt.db.close()
    }
  },
})

async function retryMessage(rt: Runtime, id: number, given: string): Promise<void> {
  const inbox = storesOf({ db: rt.db, stores: rt.cluster?.stores }).inbox
  const row = Number.isInteger(id) ? await inbox.get(id) : undefined
  if (!row) {
    process.stderr.write(`没有 id 为 ${given} 的消息（andy inbox 可查看）。\n`)
    process.exitCode = 2
    return
  }
  if (row.status === 'replied') {
    process.stderr.write(`消息 ${id} 已经回复过了，不再重发（避免重复回复）。\n`)
    process.exitCode = 2
    return
  }
  const api = createDingtalkApi(rt)
  const router = new DeliveryRouter({ api, logger: rt.logger.child({ mod: 'delivery' }) })
  const local = new LocalReplier()
  const app = await buildApp(rt, { stream: router, http: router, local }, { dingtalk: api })
  const r = (await app.retry(id))!
  await app.stop(rt.config.shutdownGraceMs)
  const after = (await inbox.get(id))!
  if (after.status === 'replied') process.stdout.write(`✔ 消息 ${id} 已重新处理并回复（${r.replies.length} 条）。\n`)
  else if (after.status === 'received' || after.status === 'processing')
    process.stdout.write(`消息 ${id} 已重新排队：运行中的实例会接着处理（andy inbox 查看结果）。\n`)
  else {
    process.stdout.write(`✘ 消息 ${id} 仍未成功：${after.last_error ?? r.error ?? '未知原因'}\n`)
    process.exitCode = 1
  }
}

export default defineCommand({
  meta: {
    name: 'inbox',
    description:
      'The message inbox: `andy inbox [list --status failed]`, `andy inbox retry <id>`, `andy inbox ids` (staff ids, openConversationIds)',
  },
  subCommands: { list, ids, retry },
  async run({ rawArgs }) {
    if (rawArgs.length === 0)
      await list.run!({ args: { status: undefined, limit: '20', json: false, _: [] }, rawArgs, cmd: list } as never)
  },
})
