import type { Db } from '../../src/db/client.js'
import { insertCases } from './test-app.js'

/**
 * A data set labelled the way real spreadsheets are: levels mixed in one column (金融 next to 银行 and
 * 证券; 制造业 next to 汽车制造), spellings mixed (江苏 and 江苏省; 国企, 国有企业, 地方国企, 地方国有企业,
 * 央企), banks labelled only 金融 whose names say 银行. Names are short and unique per table so tests can
 * assert exact result sets.
 */

export const M_CASES = [
  { kh_name: '苏银农商银行', case_name: '苏银新员工融入项目', yxt_industry_1: '金融', kh_industry_1: '银行', enterprise_type: '地方国企', staff_size: '1000-5000人', train_target: '新员工', xm_crowd: '新员工', xm_name: '新员工融入培养项目', content_product: '新员工入职通识课', product_series: '新员工融入', case_time: '2024-03', summary: '入职三个月留存率提升15%。' },
  { kh_name: '宁泰证券', case_name: '宁泰中层领导力项目', yxt_industry_1: '金融', kh_industry_1: '证券', enterprise_type: '国有企业', staff_size: '5000-10000人', train_target: '中层管理者', xm_crowd: '中层管理者', xm_name: '中层领导力提升', content_product: '中层领导力进阶营', product_series: '领导力发展', case_time: '2023-06', summary: '覆盖300名中层。' },
  { kh_name: '锡安人寿保险', case_name: '锡安销售铁军', yxt_industry_1: '金融', kh_industry_1: '金融', enterprise_type: '民营企业', staff_size: '500-1000人', train_target: '销售团队', xm_crowd: '销售团队', xm_name: '销售能力赋能', content_product: '销售铁军实战营', product_series: '销售能力提升', case_time: '2022-09', summary: '人均业绩提升12%。' },
  { kh_name: '华创电子', case_name: '华创新人训练营', yxt_industry_1: '制造业', kh_industry_1: '电子制造', enterprise_type: '民营企业', staff_size: '1000-5000人', train_target: '新员工', xm_crowd: '新员工', xm_name: '新员工融入', content_product: '职场新人训练营', product_series: '新员工融入', case_time: '2025-01', summary: '校招生快速上手。' },
  { kh_name: '宏达重工', case_name: '宏达高管战略解码', yxt_industry_1: '制造业', kh_industry_1: '装备制造', enterprise_type: '央企', staff_size: '1万人以上', train_target: '高管', xm_crowd: '高管', xm_name: '战略解码工作坊', content_product: '高管战略解码工作坊', product_series: '领导力发展', case_time: '2025-05', summary: '覆盖120名高管。' },
  { kh_name: '恒远汽车', case_name: '恒远新经理转身', yxt_industry_1: '制造业', kh_industry_1: '汽车制造', enterprise_type: '地方国企', staff_size: '5000-10000人', train_target: '基层管理者', xm_crowd: '基层管理者', xm_name: '新经理转身项目', content_product: '新经理转身训练营', product_series: '领导力发展', case_time: '2024-08', summary: '新经理胜任率提升。' },
  { kh_name: '康泰制药', case_name: '康泰合规文化', yxt_industry_1: '医药', kh_industry_1: '制药', enterprise_type: '上市公司', staff_size: '5000人以上', train_target: '全员', xm_crowd: '全员', xm_name: '合规文化建设', content_product: '合规风控系列课', product_series: '合规与安全', case_time: '2021-11', summary: '全员合规考试通过率98%。' },
  { kh_name: '云锐电商', case_name: '云锐大客户销售', yxt_industry_1: '互联网', kh_industry_1: '电商', enterprise_type: '民营企业', staff_size: '100-500人', train_target: '销售团队', xm_crowd: '销售团队', xm_name: '大客户销售', content_product: '大客户销售精品课', product_series: '销售能力提升', case_time: '2026-02', summary: '签单周期缩短。' },
  { kh_name: '沪连超市', case_name: '沪连新员工', yxt_industry_1: '零售', kh_industry_1: '连锁零售', enterprise_type: '外资企业', staff_size: '1000-5000人', train_target: '新员工', xm_crowd: '新员工', xm_name: '门店新人培养', content_product: '新员工入职通识课', product_series: '新员工融入', case_time: '2023-04', summary: '门店新人上岗时间缩短。' },
  { kh_name: '味道餐饮', case_name: '味道店长训练', yxt_industry_1: '餐饮酒店', kh_industry_1: '连锁餐饮', enterprise_type: '民营企业', staff_size: '500-1000人', train_target: '基层管理者', xm_crowd: '基层管理者', xm_name: '店长转身', content_product: '新经理转身训练营', product_series: '领导力发展', case_time: '2022-07', summary: '店长流失率下降。' },
  { kh_name: '京华医药', case_name: '京华数字化转型', yxt_industry_1: '医药', kh_industry_1: '医药流通', enterprise_type: '国企', staff_size: '1-5万人', train_target: '新员工', xm_crowd: '新员工', xm_name: '数字化转型认知', content_product: '数字化转型认知课', product_series: '数字化转型', case_time: '2024-10', summary: 'AI工具使用率提升。' },
  { kh_name: '南京城建', case_name: '城建安全生产', yxt_industry_1: '建筑', kh_industry_1: '基建', enterprise_type: '地方国有企业', staff_size: '1万人以上', train_target: '技术骨干', xm_crowd: '技术骨干', xm_name: '安全生产培训', content_product: '安全生产微课包', product_series: '合规与安全', case_time: '2023-12', summary: '安全生产考试全员覆盖。' },
]

export const M_PITCHES = [
  { kh_name: '苏银农商银行', kh_industry_1: '金融', enterprise_type: '地方国企', xm_crowd: '新员工', xm_name: '苏银新员工方案', content_product: '新员工入职通识课', product_series: '新员工融入', case_time: '2024-05' },
  { kh_name: '锡州农商银行', kh_industry_1: '银行', enterprise_type: '地方国企', xm_crowd: '新员工', xm_name: '锡州新员工方案', content_product: '职场新人训练营', product_series: '新员工融入', case_time: '2025-03' },
  { kh_name: '宁泰证券', kh_industry_1: '证券', enterprise_type: '国有企业', xm_crowd: '中层管理者', xm_name: '宁泰中层方案', content_product: '中层领导力进阶营', product_series: '领导力发展', case_time: '2023-02' },
  { kh_name: '杭信基金', kh_industry_1: '金融', enterprise_type: '外资企业', xm_crowd: '新员工', xm_name: '杭信新人方案', content_product: '新员工入职通识课', product_series: '新员工融入', case_time: '2022-06' },
  { kh_name: '华创电子', kh_industry_1: '制造业', enterprise_type: '民营企业', xm_crowd: '新员工', xm_name: '华创校招方案', content_product: '职场新人训练营', product_series: '新员工融入', case_time: '2025-09' },
  { kh_name: '宏达重工', kh_industry_1: '制造业', enterprise_type: '央企', xm_crowd: '高管', xm_name: '宏达高管方案', content_product: '高管战略解码工作坊', product_series: '领导力发展', case_time: '2024-01' },
  { kh_name: '康泰制药', kh_industry_1: '医药', enterprise_type: '上市公司', xm_crowd: '销售团队', xm_name: '康泰销售方案', content_product: '大客户销售精品课', product_series: '销售能力提升', case_time: '2023-08' },
  { kh_name: '沪连超市', kh_industry_1: '零售', enterprise_type: '外资企业', xm_crowd: '新员工', xm_name: '沪连门店方案', content_product: '新员工入职通识课', product_series: '新员工融入', case_time: '2021-04' },
  { kh_name: '味道餐饮', kh_industry_1: '餐饮酒店', enterprise_type: '民营企业', xm_crowd: '基层管理者', xm_name: '味道店长方案', content_product: '新经理转身训练营', product_series: '领导力发展', case_time: '2026-01' },
  { kh_name: '泰和人寿保险', kh_industry_1: '金融', enterprise_type: '国企', xm_crowd: '销售团队', xm_name: '泰和销售方案', content_product: '销售铁军实战营', product_series: '销售能力提升', case_time: '2024-11' },
]

export const M_SWITCHES = [
  { kh_name: '苏银农商银行', kh_industry_1: '银行', area: '江苏', staff_size: '1000-5000人', competitor_name: '学邦云', replace_year: 2024, replace_reason: '续费价格上涨太快', enterprise_type: '地方国企', sign_sales: '王磊' },
  { kh_name: '宁泰证券', kh_industry_1: '证券', area: '江苏省', staff_size: '5000-10000人', competitor_name: '知行学堂', replace_year: 2023, replace_reason: '移动端体验差', enterprise_type: '国有企业', sign_sales: '李静' },
  { kh_name: '锡安人寿保险', kh_industry_1: '金融', area: '江苏省', staff_size: '500-1000人', competitor_name: '学邦云', replace_year: 2022, replace_reason: '系统经常卡顿', enterprise_type: '民营企业', sign_sales: '王磊' },
  { kh_name: '杭信基金', kh_industry_1: '金融', area: '浙江', staff_size: '100-500人', competitor_name: 'MoocPro', replace_year: 2025, replace_reason: '价格太贵', enterprise_type: '外资企业', sign_sales: '张敏' },
  { kh_name: '甬港物流', kh_industry_1: '交通物流', area: '浙江省', staff_size: '1万人以上', competitor_name: '自建平台', replace_year: 2024, replace_reason: '自建系统维护成本高', enterprise_type: '央企', sign_sales: '李静' },
  { kh_name: '粤电能源', kh_industry_1: '能源', area: '广东', staff_size: '5000人以上', competitor_name: '智培云', replace_year: 2021, replace_reason: '内容资源少', enterprise_type: '国企', sign_sales: '张敏' },
  { kh_name: '深汽零部件', kh_industry_1: '汽车制造', area: '广东省', staff_size: '1000-5000人', competitor_name: '学邦云', replace_year: 2023, replace_reason: '数据报表不满足集团管控', enterprise_type: '民营企业', sign_sales: '王磊' },
  { kh_name: '川能电力', kh_industry_1: '电力', area: '四川', staff_size: '500-1000人', competitor_name: '知行学堂', replace_year: 2020, replace_reason: '价格上涨', enterprise_type: '央企', sign_sales: '赵婷' },
  { kh_name: '沪连超市', kh_industry_1: '连锁零售', area: '上海', staff_size: '100人以下', competitor_name: '易课通', replace_year: 2026, replace_reason: '课程更新慢', enterprise_type: '民营企业', sign_sales: '赵婷' },
  { kh_name: '京华医药', kh_industry_1: '医药', area: '北京', staff_size: '1-5万人', competitor_name: '课立方', replace_year: 2022, replace_reason: '不支持多组织', enterprise_type: '地方国有企业', sign_sales: '李静' },
]

export const M_PROCUREMENTS = [
  { org_name: '苏银农商银行', yxt_industry_1: '金融', enterprise_type: '地方国企', staff_size: '1000-5000人', money: 320000, class_type: '线上课程', product_name: '新员工入职通识课', source_type: '新签', purchase_year: 2023 },
  { org_name: '宁泰证券', yxt_industry_1: '金融', enterprise_type: '国有企业', staff_size: '5000-10000人', money: 1500000, class_type: '训练营', product_name: '中层领导力进阶营', source_type: '续约', purchase_year: 2024 },
  { org_name: '华创电子', yxt_industry_1: '制造业', enterprise_type: '民营企业', staff_size: '1000-5000人', money: 45000, class_type: '线上课程', product_name: '职场新人训练营', source_type: '新签', purchase_year: 2024 },
  { org_name: '宏达重工', yxt_industry_1: '制造业', enterprise_type: '央企', staff_size: '1万人以上', money: 2000000, class_type: '混合式', product_name: '高管战略解码工作坊', source_type: '增购', purchase_year: 2022 },
  { org_name: '康泰制药', yxt_industry_1: '医药', enterprise_type: '上市公司', staff_size: '5000人以上', money: 880000, class_type: '面授', product_name: '合规风控系列课', source_type: '续约', purchase_year: 2023 },
  { org_name: '云锐电商', yxt_industry_1: '互联网', enterprise_type: '民营企业', staff_size: '100-500人', money: 9800, class_type: '线上课程', product_name: '大客户销售精品课', source_type: '渠道', purchase_year: 2025 },
  { org_name: '味道餐饮', yxt_industry_1: '餐饮酒店', enterprise_type: '民营企业', staff_size: '500-1000人', money: 125000, class_type: '训练营', product_name: '新经理转身训练营', source_type: '新签', purchase_year: 2021 },
  { org_name: '京华医药', yxt_industry_1: '医药', enterprise_type: '国企', staff_size: '1-5万人', money: 600000, class_type: '工作坊', product_name: '数字化转型认知课', source_type: '增购', purchase_year: 2024 },
]

export const M_SOFTWARE = [
  { archive_name: '苏银农商银行', yxt_industry_1: '金融', yxt_industry_2: '银行', enterprise_type: '地方国企', staff_size: '1000-5000人', customer_province: '江苏', customer_keywords: '移动学习,考试认证', account_count: 3200 },
  { archive_name: '宁泰证券', yxt_industry_1: '金融', yxt_industry_2: '证券', enterprise_type: '国有企业', staff_size: '5000-10000人', customer_province: '江苏省', customer_keywords: '学习地图', account_count: 8000 },
  { archive_name: '苏州精工', yxt_industry_1: '制造业', yxt_industry_2: '装备制造', enterprise_type: '民营企业', staff_size: '500-1000人', customer_province: '江苏', customer_keywords: '精益生产,车间学习', account_count: 650 },
  { archive_name: '杭州云锐', yxt_industry_1: '互联网', yxt_industry_2: '电商', enterprise_type: '民营企业', staff_size: '1000-5000人', customer_province: '浙江', customer_keywords: '直播培训', account_count: 1800 },
  { archive_name: '甬港物流', yxt_industry_1: '交通物流', yxt_industry_2: '物流', enterprise_type: '央企', staff_size: '1万人以上', customer_province: '浙江省', customer_keywords: '安全生产,多组织', account_count: 15000 },
  { archive_name: '南京城建', yxt_industry_1: '建筑', yxt_industry_2: '基建', enterprise_type: '地方国企', staff_size: '1万人以上', customer_province: '江苏省', customer_keywords: '安全生产,考试认证', account_count: 12000 },
  { archive_name: '粤电能源', yxt_industry_1: '能源', yxt_industry_2: '电力', enterprise_type: '国企', staff_size: '5000人以上', customer_province: '广东', customer_keywords: '多组织,集团管控', account_count: 20000 },
  { archive_name: '沪连超市', yxt_industry_1: '零售', yxt_industry_2: '连锁零售', enterprise_type: '外资企业', staff_size: '1000-5000人', customer_province: '上海', customer_keywords: '新人训练', account_count: 2500 },
  { archive_name: '川能电力', yxt_industry_1: '能源', yxt_industry_2: '电力', enterprise_type: '央企', staff_size: '500-1000人', customer_province: '四川省', customer_keywords: '移动学习', account_count: 900 },
  { archive_name: '京华医药', yxt_industry_1: '医药', yxt_industry_2: '医药流通', enterprise_type: '国企', staff_size: '1-5万人', customer_province: '北京', customer_keywords: '合规培训', account_count: 30000 },
]

export function loadMixedLabels(db: Db): void {
  insertCases(db, 'content-cases', M_CASES)
  insertCases(db, 'pitch-plans', M_PITCHES)
  insertCases(db, 'competitor-switches', M_SWITCHES)
  insertCases(db, 'procurements', M_PROCUREMENTS)
  insertCases(db, 'software-cases', M_SOFTWARE)
}
