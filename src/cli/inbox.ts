import { defineCommand } from 'citty'
import { localDateTime } from '../core/clock.js'
import { getInbound, type InboxListRow, inboxIdentities, listInbound } from '../db/inbox.js'
import { renderTable } from '../stats/terminal.js'
import { DeliveryRouter } from '../transport/delivery.js'
import { LocalReplier } from '../transport/local.js'
import { buildApp, createDingtalkApi, openRuntime } from './bootstrap.js'

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

const list = defineCommand({
  meta: { name: 'list', description: 'Recent messages with status, delivery path and errors (newest first)' },
  args: {
    status: { type: 'string', description: `Only this status: ${STATUSES.join(' | ')}` },
    limit: { type: 'string', description: 'How many', default: '20' },
    json: { type: 'boolean', description: 'Print JSON lines instead of a table' },
  },
  run({ args }) {
    if (args.status && !STATUSES.includes(args.status)) {
      process.stderr.write(`未知状态「${args.status}」。可选：${STATUSES.join('、')}\n`)
      process.exitCode = 2
      return
    }
    const rt = openRuntime({ quiet: true })
    try {
      const rows = listInbound(rt.db, { status: args.status, limit: Math.max(1, Number(args.limit) || 20) })
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
    } finally {
      rt.db.close()
    }
  },
})

const ids = defineCommand({
  meta: {
    name: 'ids',
    description:
      'Staff ids of the people and openConversationIds of the groups that messaged Andy (for ANDY_ADMIN_STAFF_IDS, ANDY_DIGEST_CONVERSATION_ID)',
  },
  args: { json: { type: 'boolean', description: 'Print JSON instead of tables' } },
  run({ args }) {
    const rt = openRuntime({ quiet: true })
    try {
      const who = inboxIdentities(rt.db)
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
    } finally {
      rt.db.close()
    }
  },
})

const retry = defineCommand({
  meta: { name: 'retry', description: 'Handle a failed message again: re-send undelivered reply parts, or re-run it' },
  args: { id: { type: 'positional', description: 'The message id from `andy inbox`', required: true } },
  async run({ args }) {
    const id = Number(args.id)
    const rt = openRuntime({ quiet: true })
    try {
      const row = Number.isInteger(id) ? getInbound(rt.db, id) : undefined
      if (!row) {
        process.stderr.write(`没有 id 为 ${args.id} 的消息（andy inbox 可查看）。\n`)
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
      const after = getInbound(rt.db, id)!
      if (after.status === 'replied')
        process.stdout.write(`✔ 消息 ${id} 已重新处理并回复（${r.replies.length} 条）。\n`)
      else {
        process.stdout.write(`✘ 消息 ${id} 仍未成功：${after.last_error ?? r.error ?? '未知原因'}\n`)
        process.exitCode = 1
      }
    } finally {
      rt.db.close()
    }
  },
})

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
