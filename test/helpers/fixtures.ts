import type { Db } from '../../src/db/client.js'
import { insertCases } from './test-app.js'

/**
 * A small, hand-written data set whose every row is known, so search and parser tests can assert exact
 * results. Values mirror what admins keep (Chinese categories, size buckets, years).
 */
export const CONTENT_CASES = [
  { case_name: '恒远集团中层领导力提升项目', kh_name: '江苏恒远汽车零部件集团', yxt_industry_1: '制造业', kh_industry_1: '汽车制造', enterprise_type: '地方国企', staff_size: '5000-10000人', train_target: '中层管理者', xm_crowd: '中层管理者', xm_name: '2023年中层管理者领导力提升项目', content_product: '中层领导力进阶营', product_series: '领导力发展', case_time: '2023-06', case_url: 'https://cases.example.com/c/1', summary: '累计860人参训，完课率95%。' },
  { case_name: '华创电子新员工融入项目', kh_name: '深圳华创电子科技有限公司', yxt_industry_1: '制造业', kh_industry_1: '电子制造', enterprise_type: '民营企业', staff_size: '1000-5000人', train_target: '新员工', xm_crowd: '新员工', xm_name: '2024年新员工融入培养项目', content_product: '新员工入职通识课', product_series: '新员工融入', case_time: '2024-03', case_url: 'https://cases.example.com/c/2', summary: '入职3个月留存率提升18%。' },
  { case_name: '中国宏达重工高管战略解码', kh_name: '中国宏达重工集团有限公司', yxt_industry_1: '制造业', kh_industry_1: '装备制造', enterprise_type: '央企', staff_size: '1万人以上', train_target: '高管', xm_crowd: '高管', xm_name: '高管战略解码工作坊', content_product: '高管战略解码工作坊', product_series: '领导力发展', case_time: '2025年', case_url: 'https://cases.example.com/c/3', summary: '覆盖120名高管。' },
  { case_name: '浙商银行销售铁军', kh_name: '浙江丰利农村商业银行股份有限公司', yxt_industry_1: '金融', kh_industry_1: '银行', enterprise_type: '地方国企', staff_size: '1000-5000人', train_target: '销售团队', xm_crowd: '销售团队', xm_name: '2022年客户经理营销能力赋能项目', content_product: '销售铁军实战营', product_series: '销售能力提升', case_time: '2022-09', case_url: 'https://cases.example.com/c/4', summary: '人均业绩提升12%。' },
  { case_name: '安盛保险数字化转型', kh_name: '上海安盛人寿保险有限公司', yxt_industry_1: '金融', kh_industry_1: '保险', enterprise_type: '外资企业', staff_size: '500-1000人', train_target: '全员', xm_crowd: '全员', xm_name: 'AI素养提升项目', content_product: 'AI办公实战营', product_series: '数字化转型', case_time: '2026-02', case_url: '', summary: '100%覆盖 AI 办公工具。' },
  { case_name: '康泰制药合规项目', kh_name: '四川康泰制药股份有限公司', yxt_industry_1: '医药', kh_industry_1: '制药', enterprise_type: '上市公司', staff_size: '5000人以上', train_target: '全员', xm_crowd: '全员', xm_name: '合规文化建设项目', content_product: '合规风控系列课', product_series: '合规与安全', case_time: '2021-11', case_url: 'https://cases.example.com/c/6', summary: '50%_折扣 100% 完成 it\'s done' },
  { case_name: '美的集团式命名的测试', kh_name: '佛山美的好电器集团', yxt_industry_1: '制造业', kh_industry_1: '家电制造', enterprise_type: '民营企业', staff_size: '1万人以上', train_target: '基层管理者', xm_crowd: '基层管理者', xm_name: '新经理转身训练营', content_product: '新经理转身训练营', product_series: '领导力发展', case_time: '2024-07', case_url: 'https://cases.example.com/c/7', summary: '' },
]

export const PITCH_PLANS = [
  { kh_name: '浙江丰利农村商业银行股份有限公司', kh_industry_1: '金融', enterprise_type: '地方国企', xm_crowd: '新员工', xm_name: '丰利银行新员工融入培养方案', content_product: '新员工入职通识课', product_series: '新员工融入', case_time: '2024-05', case_url: 'https://plans.example.com/p/1' },
  { kh_name: '江苏恒远汽车零部件集团', kh_industry_1: '制造业', enterprise_type: '民营企业', xm_crowd: '中层管理者', xm_name: '恒远中层管理者领导力进阶建议书', content_product: '中层领导力进阶营', product_series: '领导力发展', case_time: '2023-01', case_url: 'https://plans.example.com/p/2' },
  { kh_name: '北京智联软件有限公司', kh_industry_1: '互联网', enterprise_type: '民营企业', xm_crowd: '销售团队', xm_name: '智联销售能力提升方案', content_product: '大客户销售精品课', product_series: '销售能力提升', case_time: '2025-10', case_url: 'https://plans.example.com/p/3' },
]

export const SWITCHES = [
  { kh_name: '广东粤信证券股份有限公司', kh_industry_1: '金融', area: '广东', staff_size: '1000-5000人', competitor_name: '学邦云', replace_year: 2024, replace_reason: '原平台系统稳定性差，高峰期频繁卡顿', enterprise_type: '上市公司', sign_sales: '王磊' },
  { kh_name: '江苏华泰物流集团', kh_industry_1: '交通物流', area: '江苏', staff_size: '5000人以上', competitor_name: '知行学堂', replace_year: 2023, replace_reason: '移动端体验差，一线员工学习率低', enterprise_type: '民营企业', sign_sales: '李静' },
  { kh_name: '浙江丰利农村商业银行股份有限公司', kh_industry_1: '金融', area: '浙江', staff_size: '1000-5000人', competitor_name: 'MoocPro', replace_year: 2022, replace_reason: '续费价格上涨超过30%', enterprise_type: '地方国企', sign_sales: '王磊' },
  { kh_name: '四川川能电力有限公司', kh_industry_1: '能源', area: '四川', staff_size: '500-1000人', competitor_name: '自建平台', replace_year: 2025, replace_reason: '自建系统维护成本高，迭代慢', enterprise_type: '央企', sign_sales: '张敏' },
]

export const PROCUREMENTS = [
  { org_name: '四川康泰制药股份有限公司', yxt_industry_1: '医药', enterprise_type: '上市公司', staff_size: '5000人以上', money: 320000, class_type: '线上课程', product_name: '合规风控系列课', source_type: '新签', purchase_year: 2023 },
  { org_name: '湖北九州医药商业有限公司', yxt_industry_1: '医药', enterprise_type: '民营企业', staff_size: '1000-5000人', money: '12.5万', class_type: '训练营', product_name: '销售铁军实战营', source_type: '续约', purchase_year: '2023年' },
  { org_name: '江苏恒远汽车零部件集团', yxt_industry_1: '制造业', enterprise_type: '民营企业', staff_size: '5000-10000人', money: 880000, class_type: '混合式', product_name: '中层领导力进阶营', source_type: '增购', purchase_year: 2022 },
  { org_name: '北京智联软件有限公司', yxt_industry_1: '互联网', enterprise_type: '民营企业', staff_size: '100-500人', money: 45000, class_type: '线上课程', product_name: 'AI办公实战营', source_type: '新签', purchase_year: 2024 },
]

export const SOFTWARE_CASES = [
  { archive_name: '江苏恒远汽车零部件集团', yxt_industry_1: '制造业', yxt_industry_2: '汽车制造', enterprise_type: '民营企业', staff_size: '5000-10000人', customer_province: '江苏', customer_keywords: '集团管控,多组织,移动学习', account_count: 4200 },
  { archive_name: '苏州精工机械有限公司', yxt_industry_1: '制造业', yxt_industry_2: '装备制造', enterprise_type: '民营企业', staff_size: '500-1000人', customer_province: '江苏', customer_keywords: '精益生产,车间学习', account_count: 650 },
  { archive_name: '杭州云锐电商有限公司', yxt_industry_1: '互联网', yxt_industry_2: '电商', enterprise_type: '民营企业', staff_size: '1000-5000人', customer_province: '浙江', customer_keywords: '直播培训,新人训练', account_count: 1800 },
  { archive_name: '南京江宁城建集团', yxt_industry_1: '建筑', yxt_industry_2: '基建', enterprise_type: '地方国企', staff_size: '1万人以上', customer_province: '江苏', customer_keywords: '安全生产,考试认证', account_count: 12000 },
]

export function loadFixtures(db: Db): void {
  insertCases(db, 'content-cases', CONTENT_CASES)
  insertCases(db, 'pitch-plans', PITCH_PLANS)
  insertCases(db, 'competitor-switches', SWITCHES)
  insertCases(db, 'procurements', PROCUREMENTS)
  insertCases(db, 'software-cases', SOFTWARE_CASES)
}
