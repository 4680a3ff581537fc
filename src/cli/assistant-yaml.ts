import { writeFileSync } from 'node:fs'
import { defineCommand } from 'citty'
import { assistantYaml } from '../http/assistant/yaml.js'

/** `andy assistant-yaml [--passthrough] [--out FILE]`: the ability description for DingTalk AI 助理. No database, no network. */
export default defineCommand({
  meta: {
    name: 'assistant-yaml',
    description:
      'Print the OpenAPI 3.0.1 YAML to paste into a DingTalk AI 助理 custom ability (x-dingtalk-protocol: stream: calls reach Andy over its stream, no public address). ' +
      'Default: model-driven (search / next / export / usage). --passthrough: one interface that hands the user\'s raw input to Andy (直通模式). See README "Use Andy from DingTalk AI 助理".',
  },
  args: {
    passthrough: {
      type: 'boolean',
      description:
        '直通模式: one interface, every parameter from x-dingtalk-context; the assistant must have no other skill',
    },
    out: { type: 'string', description: 'Write the YAML to this file instead of printing it' },
  },
  run({ args }) {
    const text = assistantYaml({ passthrough: !!args.passthrough })
    if (args.out) {
      writeFileSync(String(args.out), text)
      process.stderr.write(`已写入 ${String(args.out)}：在 AI 助理「能力 → 自定义能力」中粘贴其内容。\n`)
    } else process.stdout.write(text)
  },
})
