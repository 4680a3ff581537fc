/**
 * How people name each case table: the words the sentence parser weighs, the command prefixes, the
 * seed customType, the words of a 统计 message, the LLM classifier's hint and the help example. A table
 * spec carries its words (TableSpec.words); core/features.ts derives the table's feature from them.
 */

/** 3 = names the table (客户案例), 2 = clearly about it (打单), 1 = generic (案例, 方案). */
export type PhraseWeight = 1 | 2 | 3

export interface TableWords {
  /** The table's name as a rep says it (the numbered "which table?" question). */
  readonly shortName: string
  /** Sentence words by weight (search/intent.ts). */
  readonly phrases: ReadonlyArray<readonly [weight: PhraseWeight, words: readonly string[]]>
  /** Command prefixes: "/案例 …", "案例：…". */
  readonly prefixes: readonly string[]
  /** Words naming the table in a 统计 message (its title always counts). */
  readonly statsWords: readonly string[]
  /** One line for the LLM intent classifier (after the title). */
  readonly llmHint: string
  /** The help menu's example sentence. */
  readonly example: string
  /** "可加条件：…" under a search reply: the conditions worth adding. */
  readonly suggest: string
  /** The seed's customType values (AReceiveMsg) that select this table. */
  readonly customTypes?: readonly string[]
}

export const CASE_WORDS: TableWords = {
  shortName: '客户案例',
  phrases: [
    [
      3,
      [
        '客户案例',
        '成功案例',
        '标杆案例',
        '标杆客户',
        '客户故事',
        '内容案例',
        '参考案例',
        '案例库',
        '落地案例',
        '项目案例',
        '培训案例',
        '实施案例',
      ],
    ],
    [1, ['案例', '标杆', '样板', '先例']],
  ],
  prefixes: ['客户案例', '案例'],
  statsWords: ['内容客户案例', '客户案例', '案例'],
  llmHint: '某类客户用过哪些课程/培训项目的成功案例、标杆客户',
  example: '制造业 5000人以上 国企 的客户案例',
  suggest: '行业、企业性质、产品系列、人群、年份',
  customTypes: ['4'],
}

export const PITCH_WORDS: TableWords = {
  shortName: '打单方案',
  phrases: [
    [
      3,
      [
        '打单方案',
        '打单材料',
        '打单资料',
        '打单案例',
        '投标方案',
        '投标材料',
        '解决方案',
        '销售方案',
        '项目方案',
        '方案材料',
        '建议书',
        '方案书',
        '提案材料',
      ],
    ],
    [2, ['打单', '投标', '标书', '竞标', '话术', '提案', '方案模板']],
    [1, ['方案', '材料']],
  ],
  prefixes: ['打单方案', '打单', '方案'],
  statsWords: ['内容打单方案', '打单方案', '打单'],
  llmHint: '投标方案、销售方案、解决方案、话术',
  example: '银行 新员工 的打单方案',
  suggest: '行业、企业性质、人群、产品、年份',
  customTypes: ['3'],
}

export const SWITCH_WORDS: TableWords = {
  shortName: '竞对切换案例',
  phrases: [
    [
      3,
      [
        '竞对切换',
        '竞品切换',
        '平台切换',
        '切换案例',
        '替换案例',
        '竞品替换',
        '竞对替换',
        '竞品案例',
        '竞对案例',
        '换平台',
        '换了平台',
        '替换平台',
        '切换平台',
        '迁移案例',
        '从竞品',
        '从竞对',
        '替换掉',
        '切换过来',
        '替换过来',
        '换过来',
        '切过来',
        '转过来',
        '迁过来',
        '原平台',
        '老平台',
        '原来的平台',
        '之前的平台',
        '以前的平台',
      ],
    ],
    [2, ['竞对', '竞品', '切换', '替换', '换掉', '替代', '迁移', '弃用', '对手', '友商', '挖过来', '抢过来']],
  ],
  prefixes: ['竞对切换', '竞品切换', '竞对', '竞品', '切换'],
  statsWords: ['平台竞对切换', '竞对切换', '竞品切换', '竞对', '竞品', '切换'],
  llmHint: '从竞品学习平台换到我们平台的客户及原因',
  example: '从竞品切换过来的金融客户',
  suggest: '竞品、行业、地区、规模、年份',
  customTypes: ['7'],
}

export const PROCUREMENT_WORDS: TableWords = {
  shortName: '采购记录',
  phrases: [
    [3, ['采购记录', '采购明细', '购买记录', '成交记录', '售卖记录', '内容售卖', '采购情况', '下单记录', '订单记录']],
    [
      2,
      [
        '采购',
        '购买',
        '买过',
        '买了',
        '买的',
        '购买过',
        '下单',
        '下过单',
        '订购',
        '成交',
        '售卖',
        '卖了',
        '卖过',
        '卖给',
        '订单',
      ],
    ],
  ],
  prefixes: ['采购', '售卖', '内容售卖'],
  statsWords: ['内容产品售卖', '内容采购', '采购', '售卖'],
  llmHint: '哪些客户采购（买）了哪些课程/内容产品、金额、班型',
  example: '2023年医药行业采购了哪些内容产品',
  suggest: '行业、产品、班型、规模、金额、年份',
}

export const SOFTWARE_WORDS: TableWords = {
  shortName: '软件客户',
  phrases: [
    [
      3,
      [
        '软件客户',
        '平台客户',
        '平台合作客户',
        '用我们平台',
        '用我们的平台',
        '在用我们平台',
        '用过我们平台',
        '用我们系统',
        '用我们的系统',
        '平台用户',
        '系统客户',
        '平台签约',
        '软件签约',
        '签约客户',
        '学习平台客户',
        '我们平台的客户',
        '上了我们平台',
      ],
    ],
    [
      2,
      ['软件', '平台合作', '帐号数', '账号数', '帐号', '账号', '开通帐号', '开通账号', 'saas', '学习平台', '上线平台'],
    ],
    [1, ['平台']],
  ],
  prefixes: ['软件客户', '平台客户', '软件'],
  statsWords: ['平台合作客户', '软件客户', '平台客户', '软件'],
  llmHint: '学习平台（软件）的签约客户、帐号数、地区',
  example: '江苏 制造业 帐号数大于1000 的软件客户',
  suggest: '省份、行业、规模、帐号数',
}
