import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CONFIG_VARIABLES } from '../src/config.js'

const root = join(import.meta.dirname, '..')
const read = (f: string) => readFileSync(join(root, f), 'utf8')

describe('documentation', () => {
  it('lists every configuration variable in .env.example and the README', () => {
    const env = read('.env.example')
    const readme = read('README.md')
    const missingEnv = CONFIG_VARIABLES.filter((v) => !new RegExp(`^${v}=`, 'm').test(env))
    const missingReadme = CONFIG_VARIABLES.filter((v) => !readme.includes(`\`${v}\``))
    expect({ missingEnv, missingReadme }).toEqual({ missingEnv: [], missingReadme: [] })
  })

  it('starts the README with the install-and-demo command and the test command', () => {
    const readme = read('README.md')
    const block = readme.slice(readme.indexOf('```bash'), readme.indexOf('```', readme.indexOf('```bash') + 7))
    expect(block).toContain('npm ci && npm run demo')
    expect(block).toContain('npm test')
    expect(read('.ci/run')).toContain('npm test')
  })
})
