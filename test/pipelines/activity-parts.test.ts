import { describe, expect, it } from 'vitest'
import { askForInputs, labelledInputs, ruleInputs } from '../../src/pipelines/activity-inputs.js'
import { matchPick, parseOptions, pickedNumber } from '../../src/pipelines/activity-picks.js'
import { INPUT_FIELDS } from '../../src/pipelines/activity-steps.js'

describe('reading the activity inputs without an LLM', () => {
  it('takes labelled parts in any layout, keeping the user’s characters', () => {
    expect(
      labelledInputs('企业名称：远拓通信；活动背景：新员工融入慢，流失高\n目标: 留存率90%，类型：线上训练营'),
    ).toEqual({
      enterprise_name: '远拓通信',
      activity_beijing: '新员工融入慢，流失高',
      activity_mubiao: '留存率90%',
      activity_type: '线上训练营',
    })
  })

  it('reads "给XX设计…活动", a numbered answer, and a bare answer to the one missing item', () => {
    expect(ruleInputs('帮我给华星制药设计一个运营活动', [...INPUT_FIELDS])).toEqual({ enterprise_name: '华星制药' })
    expect(ruleInputs('1. 线上训练营\n2. 大胆发散', ['activity_type', 'fansan_mothed'])).toEqual({
      activity_type: '线上训练营',
      fansan_mothed: '大胆发散',
    })
    expect(ruleInputs('稳妥务实', ['fansan_mothed'])).toEqual({ fansan_mothed: '稳妥务实' })
    expect(ruleInputs('稳妥务实', ['fansan_mothed', 'activity_type'])).toEqual({})
  })

  it('asks for every missing item in one message, saying what is already known', () => {
    const msg = askForInputs({ enterprise_name: '远拓' }, ['activity_mubiao', 'fansan_mothed'])
    expect(msg).toContain('1. **活动目标**')
    expect(msg).toContain('2. **发散方式**')
    expect(msg).toContain('已记录：企业名称「远拓」')
  })
})

describe('picks', () => {
  const answer = [
    '以下是推荐：',
    '',
    '1. **新人融入组合**：职场新人训练营 + 入职通识课。',
    '   适合校招生。（依据：P1）',
    '2. **沟通协作组合**：《高效沟通》系列课。',
    '3. **数字化组合**：数字化转型认知课。',
    '',
    '**参考依据**',
    '- P1 某公司 · 职场新人训练营 · 2024年（内容产品售卖）',
  ].join('\n')

  it('reads numbered options with their continuation lines, not the citations', () => {
    const o = parseOptions(answer)
    expect(o.map((x) => x.n)).toEqual([1, 2, 3])
    expect(o[0]!.title).toBe('新人融入组合：职场新人训练营 + 入职通识课。')
    expect(o[0]!.text).toContain('适合校招生')
    expect(o[2]!.text).not.toContain('参考依据')
  })

  it('understands 选2, 第二个, 方案三, 2, 二号, and out-of-range numbers', () => {
    for (const [said, n] of [
      ['选2', 2],
      ['第二个', 2],
      ['方案三', 3],
      ['2', 2],
      ['二号', 2],
      ['就选第3个吧', 3],
      ['选 1', 1],
    ] as const) {
      expect(pickedNumber(said), said).toBe(n)
    }
    const o = parseOptions(answer)
    expect(matchPick('选5', o)).toEqual({ kind: 'out_of_range', n: 5 })
    expect(matchPick('沟通协作组合', o)).toMatchObject({ kind: 'option', option: { n: 2 } })
    expect(matchPick('就叫「新锐成长营」', o)).toEqual({ kind: 'custom', text: '新锐成长营' })
    expect(matchPick('嗯', o)).toEqual({ kind: 'none' })
    expect(matchPick('这几个有什么区别？', o)).toEqual({ kind: 'none' })
  })
})
