import { defineCommand } from 'citty'
import { asDisplayed, LocalReplier, localEnvelope } from '../transport/local.js'
import { buildApp, openRuntime } from './bootstrap.js'
import { partFilePath, userArgs } from './local-parts.js'
import { renderMarkdown } from './render.js'

export default defineCommand({
  meta: { name: 'ask', description: 'Ask Andy one question and print the reply (or --json for scripts)' },
  args: {
    text: { type: 'positional', description: 'The question, e.g. "制造业 5000人以上 国企 的客户案例"', required: true },
    json: { type: 'boolean', description: 'Print one JSON object: intent, filters, relaxed, total, hits, reply' },
    ...userArgs,
  },
  async run({ args }) {
    const rt = openRuntime({ quiet: true })
    const replier = new LocalReplier()
    // One question: searches by SQL from the dictionary snapshot rather than building the indexes for it.
    const app = await buildApp(rt, { local: replier }, { oneShot: true })
    try {
      const r = await app.handleNow(
        localEnvelope(String(args.text), { nick: args.user, staffId: args.staff, group: args.group }, Date.now()),
      )
      // Files (导出, charts) are written locally: listed by path, not as their JSON part body.
      const parts = replier.parts.map((p) => p.part)
      const reply = parts
        .filter((p) => p.kind === 'markdown')
        .map((p) => p.body)
        .join('\n\n')
      const files = parts.filter((p) => p.kind !== 'markdown').map(partFilePath)
      if (args.json) {
        const out = {
          intent: r.intent,
          status: r.status,
          filters: r.filters ?? {},
          relaxed: r.relaxed ?? [],
          total: r.total ?? 0,
          hits: r.hits ?? [],
          reply,
          files,
        }
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
      } else {
        const shown = replier.parts
          .filter((p) => p.part.kind === 'markdown')
          .map((p) => asDisplayed(p.part, p.target).body)
          .join('\n\n')
        process.stdout.write(`${renderMarkdown(shown)}\n${files.map((f) => `已生成文件：${f}\n`).join('')}`)
      }
      if (r.status === 'failed') process.exitCode = 1
    } finally {
      await app.stop(2000)
      rt.db.close()
    }
  },
})
