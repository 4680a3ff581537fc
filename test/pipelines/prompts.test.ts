import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import { type Db, openDb } from '../../src/db/client.js'
import {
  compareVersions,
  countPromptSteps,
  listPromptSteps,
  listReportPrompts,
  promptVersions,
  replacePromptVersions,
} from '../../src/db/prompts.js'
import { storesOf } from '../../src/db/stores/index.js'
import { ACTIVITY_STEP_TYPES, variablesFor } from '../../src/pipelines/activity-steps.js'
import {
  exportPrompts,
  importPromptFile,
  loadDefaultPrompts,
  PromptFileError,
} from '../../src/pipelines/prompt-files.js'
import { rowSteps } from '../../src/pipelines/runner.js'
import { checkTemplate, renderTemplate, TemplateError, templateVariables } from '../../src/pipelines/template.js'
import { FakeOpenAI } from '../helpers/fake-openai.js'
import { createTestApp, DEFAULT_USER, tempDir } from '../helpers/test-app.js'

const promptsOf = (db: Db) => storesOf({ db }).llm.prompts

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

describe('{{variable}} templating', () => {
  it('fills variables and shows missing information as （无）', () => {
    expect(
      renderTemplate(
        '为「{{ enterprise_name }}」设计，课程：{{yixiang_course}}',
        { enterprise_name: '远拓', yixiang_course: '' },
        'x',
      ),
    ).toBe('为「远拓」设计，课程：（无）')
    expect(templateVariables('{{a}} {{b}} {{a}}')).toEqual(['a', 'b'])
  })

  it('names every variable a prompt uses but the step does not have', () => {
    const err = (() => {
      try {
        renderTemplate(
          '预算：{{budget}}，对象：{{audience}}，企业：{{enterprise_name}}',
          { enterprise_name: '远拓' },
          '「活动策划」的步骤1',
        )
      } catch (e) {
        return e
      }
    })() as TemplateError
    expect(err).toBeInstanceOf(TemplateError)
    expect(err.missing).toEqual(['budget', 'audience'])
    expect(err.message).toContain('「活动策划」的步骤1用到了变量 {{budget}}、{{audience}}，但这一步没有这些变量')
    expect(err.message).toContain('可用的变量：enterprise_name')
  })

  it('only lets a step use earlier results of the workflow', () => {
    expect(() => checkTemplate('{{sys_activity_plan}}', variablesFor('sys_activity_ideas', 1), 'x')).toThrow(
      /sys_activity_plan/,
    )
    expect(() =>
      checkTemplate('{{sys_activity_ideas}} {{step1}}', variablesFor('sys_activity_plan', 2), 'x'),
    ).not.toThrow()
    expect(() => checkTemplate('{{input}} {{prev}} {{step2}}', variablesFor('rcfz', 2), 'x')).toThrow(/step2/)
  })
})

describe('prompt tables', () => {
  it('compares versions numerically and picks the newest as default', () => {
    expect(compareVersions('1.10', '1.9')).toBeGreaterThan(0)
    expect(compareVersions('2.0', '10.0')).toBeLessThan(0)
    expect(compareVersions('v1.2', '1.2.0')).toBe(0)
    const db = openDb(':memory:')
    replacePromptVersions(db, [
      { version: '1.9', step_type: 'rcfz', step_name: '旧', steps: { step1: '{{input}}' } },
      { version: '1.10', step_type: 'rcfz', step_name: '新', steps: { step1: '{{input}}' } },
      { version: '1.2', step_type: 'hyps', step_name: '会议', steps: { step1: '{{input}}' } },
    ])
    expect(promptVersions(db)).toEqual(['1.10', '1.9', '1.2'])
    expect(promptVersions(db, ['hyps'])).toEqual(['1.2'])
    expect(listPromptSteps(db, { version: '1.10' }).map((r) => r.step_name)).toEqual(['新'])
    // Re-importing a version replaces it, other versions stay.
    replacePromptVersions(db, [{ version: '1.9', step_type: 'rcfz', step_name: '旧2', steps: { step1: '{{input}}' } }])
    expect(countPromptSteps(db)).toBe(3)
    db.close()
  })

  it('ships a complete default set: every activity step, rcfz, hyps and report prompts, all templates valid', async () => {
    const db = openDb(':memory:')
    const lines = await loadDefaultPrompts(promptsOf(db))
    expect(lines.join('\n')).toContain('✔ 提示词步骤')
    const rows = listPromptSteps(db)
    const types = new Set(rows.map((r) => r.step_type))
    for (const t of [...ACTIVITY_STEP_TYPES, 'rcfz', 'hyps']) expect(types.has(t), t).toBe(true)
    for (const r of rows) expect(rowSteps(r).length, r.step_type).toBeGreaterThan(0)
    const reports = listReportPrompts(db)
    expect(reports.map((r) => r.app_name)).toEqual(
      expect.arrayContaining(['学习数据分析报告', '培训满意度调研报告', '人才盘点报告']),
    )
    for (const r of reports) expect([r.prompt, r.step1, r.step2, r.step3].every(Boolean)).toBe(true)
    // Loading again does nothing: the tables are not empty.
    expect((await loadDefaultPrompts(promptsOf(db))).join('\n')).toContain('跳过')
    db.close()
  })

  it('exports and re-imports with the Chinese labels (csv and xlsx), and refuses a sheet with an unknown variable', async () => {
    const dir = tempDir()
    cleanups.push(() => dir.cleanup())
    const db = openDb(':memory:')
    await loadDefaultPrompts(promptsOf(db))
    const csv = join(dir.dir, 'steps.csv')
    const xlsx = join(dir.dir, 'steps.xlsx')
    expect(await exportPrompts(promptsOf(db), csv, 'steps')).toBe(listPromptSteps(db).length)
    await exportPrompts(promptsOf(db), xlsx, 'steps')
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toContain('提示词版本,步骤类型,步骤名称,提示词,步骤1')
    const other = openDb(':memory:')
    const r = await importPromptFile(promptsOf(other), xlsx)
    expect(r).toMatchObject({ kind: 'steps', versions: ['1.0'] })
    expect(listPromptSteps(other).map((x) => [x.step_type, x.prompt, x.step1])).toEqual(
      listPromptSteps(db).map((x) => [x.step_type, x.prompt, x.step1]),
    )

    const bad = join(dir.dir, 'bad.csv')
    writeFileSync(
      bad,
      '提示词版本,步骤类型,步骤名称,提示词,步骤1\n2.0,sys_activity_plan,活动策划,你是顾问,"预算：{{budget}}，名称：{{user_activity_name}}"\n',
    )
    const err = await importPromptFile(promptsOf(other), bad).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PromptFileError)
    expect((err as PromptFileError).problems[0]).toContain(
      '第 2 行（sys_activity_plan 活动策划）步骤1用到了变量 {{budget}}',
    )
    expect(promptVersions(other)).toEqual(['1.0'])
    db.close()
    other.close()
  })

  it('tells the user clearly when a stored prompt uses a variable its step does not have', async () => {
    const fake = await FakeOpenAI.start({ handler: () => 'x' })
    cleanups.push(() => fake.close())
    const t = createTestApp({ clock: systemClock, user: DEFAULT_USER, fake })
    cleanups.push(() => t.close())
    // An admin wrote this straight into the table (import would have refused it).
    replacePromptVersions(t.db, [
      {
        version: '5.0',
        step_type: 'rcfz',
        step_name: '人才诊断',
        prompt: '顾问',
        steps: { step1: '{{input}}，部门：{{department}}' },
      },
    ])
    const r = await t.ask('人才发展：制造企业 5000 人，技术骨干转管理后不会带团队')
    expect(r.replies[0]).toContain('「人才诊断」的提示词配置有误')
    expect(r.replies[0]).toContain('{{department}}')
    expect(fake.requests).toHaveLength(0)
  })
})
