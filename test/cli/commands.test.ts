import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { COMMANDS, subCommands } from '../../src/cli/commands.js'
import { ANDY_CLI } from '../helpers/cli.js'

describe('CLI command table', () => {
  it('each entry loads the command of that name, with a full description for its own --help', async () => {
    for (const [name, c] of Object.entries(COMMANDS)) {
      const cmd = (await c.load()).default as { meta?: { name?: string; description?: string } }
      expect(cmd.meta?.name, name).toBe(name)
      expect(cmd.meta?.description?.length, name).toBeGreaterThan(10)
      expect(c.summary.length, name).toBeLessThanOrEqual(90)
    }
  })

  it('only the command being run is loaded; the others are summaries', async () => {
    const subs = subCommands(['ask', '--json', '问题'])
    const ask = await subs.ask!()
    const chat = await subs.chat!()
    expect(ask.args).toHaveProperty('json')
    expect(chat).toEqual({ meta: { name: 'chat', description: COMMANDS.chat.summary } })
  })

  it('andy --help lists every command with its summary', () => {
    const out = execFileSync(process.execPath, [...ANDY_CLI, '--help'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    })
    for (const [name, c] of Object.entries(COMMANDS)) expect(out).toContain(`${name}    ${c.summary}`)
  })
})
