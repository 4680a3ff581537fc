/**
 * The five case tables, described once: columns (seed field names and Chinese labels), the seed list
 * endpoint's filters and their meaning, the dictionary dimensions learned from the data, and what a
 * reply shows. Import, export, search, the sentence parser, the HTTP API and the LLM filter schema are
 * all derived from these specs. (The words reps use for each table are in intent.ts.)
 */

import { CASE_WORDS, PITCH_WORDS, PROCUREMENT_WORDS, SOFTWARE_WORDS, SWITCH_WORDS, type TableWords } from './words.js'

export type TableKey = 'content-cases' | 'pitch-plans' | 'competitor-switches' | 'procurements' | 'software-cases'
export type SearchIntent = 'case' | 'pitch' | 'switch' | 'procurement' | 'software'

/** Dictionary dimensions: the kinds of words the sentence parser recognises from the data. */
export type Dimension =
  | 'industry'
  | 'industry2'
  | 'enterpriseType'
  | 'region'
  | 'competitor'
  | 'product'
  | 'series'
  | 'crowd'
  | 'sales'
  | 'classType'
  | 'sourceType'

export const DIMENSION_LABELS: Record<Dimension, string> = {
  industry: '行业',
  industry2: '二级行业',
  enterpriseType: '企业性质',
  region: '地区',
  competitor: '竞品',
  product: '产品',
  series: '产品系列',
  crowd: '人群',
  sales: '签约销售',
  classType: '班型',
  sourceType: '来源',
}

/** One case row as stored: column name → value. */
export type CaseRecord = Record<string, string | number | null>

export type ColumnType = 'text' | 'int' | 'real'

export interface ColumnSpec {
  /** Column and seed field name. */
  readonly name: string
  /** Chinese header used by import/export (the seed's label). */
  readonly label: string
  readonly type: ColumnType
  /** Other headers accepted on import. */
  readonly aliases?: readonly string[]
  /** Low-cardinality column whose distinct values feed the dictionary. */
  readonly dim?: Dimension
  readonly url?: boolean
  /** Free text (names, reasons, summaries): searched through the bigram FTS index, not as categories. */
  readonly free?: boolean
  /** Import parses this column's text into numeric companions. */
  readonly parse?: 'size' | 'year' | 'money' | 'int'
  /** Filled from another column on import when the file has no value for it (sizes from staff_size). */
  readonly derivedFrom?: string
  /** Not a seed field: kept for search and ordering, not exported or returned by the API. */
  readonly internal?: boolean
}

export type FilterKind =
  | 'contains' // substring of the column
  | 'anyWord' // space-separated words, any of which is a substring of the column (seed *_more)
  | 'anyWordAnyColumn' // seed params_more: any word in any text column
  | 'sizeMin'
  | 'sizeMax' // staff size range overlap
  | 'gt'
  | 'lt' // strict numeric bounds
  | 'year' // a year or a year range on an int column
  | 'money' // an amount or range on a real column

export interface FilterSpec {
  readonly param: string
  readonly kind: FilterKind
  readonly column?: string
  readonly label: string
}

export interface TableSpec {
  readonly key: TableKey
  readonly table: string
  readonly intent: SearchIntent
  readonly title: string
  readonly endpoint: string
  /** seed assistant_type / customType stored on usage records */
  readonly assistantType: string
  readonly columns: readonly ColumnSpec[]
  readonly filters: readonly FilterSpec[]
  /** The column that names the customer in a reply. */
  readonly nameColumn: string
  /** Numeric year column used for "newest first" and year phrases. */
  readonly yearColumn?: string
  /** Staff-size numeric columns [min, max] (size phrases). */
  readonly sizeColumns?: readonly [string, string]
  readonly accountColumn?: string
  readonly moneyColumn?: string
  /** Columns shown on the line under the name in a reply, in order. */
  readonly detailColumns: readonly string[]
  /** A longer text column shown in full (reason, summary). */
  readonly noteColumn?: string
  /** How reps name the table: parser words, prefixes, 统计 words, LLM hint, help example (words.ts). */
  readonly words: TableWords
  /** The columns that make a row "the same record" (tables/natural-keys.ts): re-imports update it. */
  readonly naturalKey: readonly string[]
}

const text = (name: string, label: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name,
  label,
  type: 'text',
  ...extra,
})
const int = (name: string, label: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name,
  label,
  type: 'int',
  ...extra,
})
const real = (name: string, label: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name,
  label,
  type: 'real',
  ...extra,
})
const f = (param: string, kind: FilterKind, label: string, column?: string): FilterSpec => ({
  param,
  kind,
  label,
  column: column ?? param,
})

const contentCases: TableSpec = {
  key: 'content-cases',
  table: 'content_cases',
  intent: 'case',
  words: CASE_WORDS,
  // A customer has one case per project: the case title and the project name tell them apart.
  naturalKey: ['kh_name', 'case_name', 'xm_name'],
  title: '内容客户案例',
  endpoint: 'ANrkhCaseDetail',
  assistantType: '4',
  columns: [
    text('case_name', '案例名称', { free: true }),
    text('kh_name', '客户名称', { free: true, aliases: ['客户'] }),
    text('yxt_industry_1', '行业', { dim: 'industry' }),
    text('kh_industry_1', '客户行业', { dim: 'industry' }),
    text('enterprise_type', '企业性质', { dim: 'enterpriseType', aliases: ['企业类型'] }),
    // Not in the seed's ANrkhCaseDetail; kept when the admins' sheet has it, so "5000人以上" works for cases too.
    text('staff_size', '人员规模', { parse: 'size', aliases: ['规模'] }),
    int('staff_size_min', '人员规模_最小值', { derivedFrom: 'staff_size' }),
    int('staff_size_max', '人员规模_最大值', { derivedFrom: 'staff_size' }),
    text('train_target', '培训对象', { dim: 'crowd' }),
    text('xm_crowd', '项目人群', { dim: 'crowd' }),
    text('xm_name', '项目名称', { free: true }),
    text('content_product', '内容产品', { dim: 'product' }),
    text('product_series', '产品系列', { dim: 'series' }),
    text('case_time', '案例时间', { parse: 'year', aliases: ['时间', '年份', '年度', '日期'] }),
    int('case_year', '案例年份', { derivedFrom: 'case_time', internal: true }),
    text('case_url', '案例链接', { url: true, aliases: ['链接'] }),
    text('summary', '案例摘要', { free: true, aliases: ['摘要', '案例简介'] }),
  ],
  filters: [
    f('train_target', 'contains', '培训对象'),
    f('yxt_industry_1', 'contains', '行业'),
    f('enterprise_type', 'contains', '企业性质'),
    f('case_name', 'contains', '案例名称'),
    f('yxt_industry_more', 'anyWord', '行业(多词)', 'yxt_industry_1'),
    f('content_product', 'contains', '内容产品'),
    f('case_time', 'contains', '案例时间'),
    f('product_series', 'contains', '产品系列'),
    f('kh_name', 'contains', '客户名称'),
    f('kh_industry_1', 'contains', '客户行业'),
    f('xm_crowd', 'contains', '项目人群'),
    f('xm_name', 'contains', '项目名称'),
    f('kh_industry_more', 'anyWord', '客户行业(多词)', 'kh_industry_1'),
    f('staff_size_min', 'sizeMin', '人员规模≥'),
    f('staff_size_max', 'sizeMax', '人员规模≤'),
  ],
  nameColumn: 'kh_name',
  yearColumn: 'case_year',
  sizeColumns: ['staff_size_min', 'staff_size_max'],
  detailColumns: ['yxt_industry_1', 'enterprise_type', 'staff_size', 'content_product', 'xm_crowd', 'case_time'],
  noteColumn: 'summary',
}

const pitchPlans: TableSpec = {
  key: 'pitch-plans',
  table: 'pitch_plans',
  intent: 'pitch',
  words: PITCH_WORDS,
  // One pitch plan per customer project and product.
  naturalKey: ['kh_name', 'xm_name', 'content_product'],
  title: '内容打单方案',
  endpoint: 'ANrdadanCaseDetail',
  assistantType: '3',
  columns: [
    text('kh_name', '客户名称', { free: true, aliases: ['客户'] }),
    text('kh_industry_1', '客户行业', { dim: 'industry', aliases: ['行业'] }),
    text('enterprise_type', '企业性质', { dim: 'enterpriseType', aliases: ['企业类型'] }),
    text('xm_crowd', '项目人群', { dim: 'crowd' }),
    text('xm_name', '项目名称', { free: true }),
    text('content_product', '内容产品', { dim: 'product' }),
    text('product_series', '产品系列', { dim: 'series' }),
    text('case_time', '案例时间', { parse: 'year', aliases: ['时间', '年份', '年度', '日期'] }),
    int('case_year', '案例年份', { derivedFrom: 'case_time', internal: true }),
    text('case_url', '方案链接', { url: true, aliases: ['链接'] }),
  ],
  filters: [
    f('kh_name', 'contains', '客户名称'),
    f('kh_industry_1', 'contains', '客户行业'),
    f('xm_crowd', 'contains', '项目人群'),
    f('xm_name', 'contains', '项目名称'),
    f('case_url', 'contains', '方案链接'),
    f('kh_industry_more', 'anyWord', '行业(多词)', 'kh_industry_1'),
    f('params_more', 'anyWordAnyColumn', '综合参数'),
    f('enterprise_type', 'contains', '企业性质'),
    f('content_product', 'contains', '内容产品'),
    f('case_time', 'contains', '案例时间'),
    f('product_series', 'contains', '产品系列'),
  ],
  nameColumn: 'kh_name',
  yearColumn: 'case_year',
  detailColumns: ['kh_industry_1', 'enterprise_type', 'xm_crowd', 'content_product', 'case_time'],
}

const competitorSwitches: TableSpec = {
  key: 'competitor-switches',
  table: 'competitor_switches',
  intent: 'switch',
  words: SWITCH_WORDS,
  // A customer switched away from a competitor once.
  naturalKey: ['kh_name', 'competitor_name'],
  title: '平台竞对切换案例',
  endpoint: 'APtjdCaseDetail',
  assistantType: '7',
  columns: [
    text('kh_name', '客户名称', { free: true, aliases: ['客户'] }),
    text('kh_industry_1', '客户行业', { dim: 'industry', aliases: ['行业'] }),
    text('area', '地区', { dim: 'region', aliases: ['省份', '区域'] }),
    text('staff_size', '人员规模', { parse: 'size', aliases: ['规模'] }),
    int('staff_size_begin', '人员规模-开始', { derivedFrom: 'staff_size' }),
    int('staff_size_end', '人员规模-结束', { derivedFrom: 'staff_size' }),
    text('competitor_name', '竞品名称', { dim: 'competitor', aliases: ['竞品', '竞对'] }),
    int('replace_year', '替换年份', {
      parse: 'year',
      aliases: ['切换年份', '替换时间', '切换时间', '签约年份', '签约时间', '年份', '年度', '时间', '日期'],
    }),
    text('replace_reason', '替换原因', { free: true }),
    text('enterprise_type', '企业性质', { dim: 'enterpriseType', aliases: ['企业类型'] }),
    text('sign_sales', '签约销售', { dim: 'sales', aliases: ['销售'] }),
  ],
  filters: [
    f('kh_industry_1', 'contains', '客户行业'),
    f('area', 'contains', '地区'),
    f('staff_size', 'contains', '人员规模'),
    f('staff_size_min', 'sizeMin', '人员规模≥'),
    f('staff_size_max', 'sizeMax', '人员规模≤'),
    f('competitor_name', 'contains', '竞品名称'),
    f('kh_name', 'contains', '客户名称'),
    f('replace_year', 'year', '替换年份'),
    f('replace_reason', 'contains', '替换原因'),
    f('enterprise_type', 'contains', '企业性质'),
    f('sign_sales', 'contains', '签约销售'),
    f('kh_industry_more', 'anyWord', '行业(多词)', 'kh_industry_1'),
  ],
  nameColumn: 'kh_name',
  yearColumn: 'replace_year',
  sizeColumns: ['staff_size_begin', 'staff_size_end'],
  detailColumns: ['kh_industry_1', 'area', 'staff_size', 'enterprise_type', 'competitor_name', 'replace_year'],
  noteColumn: 'replace_reason',
}

const procurements: TableSpec = {
  key: 'procurements',
  table: 'procurements',
  intent: 'procurement',
  words: PROCUREMENT_WORDS,
  // A customer's purchase of a product (and class type) in a year.
  naturalKey: ['org_name', 'product_name', 'class_type', 'purchase_year'],
  // One display name per table (replies, help, statistics, exports, README): the seed's assistant_name where it has one.
  title: '内容产品售卖',
  endpoint: 'ALieBiaoProductprocuredetail',
  assistantType: '1',
  columns: [
    text('org_name', '机构名称', { free: true, aliases: ['客户名称', '客户'] }),
    text('yxt_industry_1', '行业分类', { dim: 'industry', aliases: ['行业'] }),
    text('enterprise_type', '企业类型', { dim: 'enterpriseType', aliases: ['企业性质'] }),
    text('staff_size', '人员规模', { parse: 'size', aliases: ['规模'] }),
    int('staff_size_min', '人员规模_最小值', { derivedFrom: 'staff_size' }),
    int('staff_size_max', '人员规模_最大值', { derivedFrom: 'staff_size' }),
    real('money', '金额', { parse: 'money', aliases: ['采购金额', '金额(元)'] }),
    text('class_type', '班型', { dim: 'classType', aliases: ['授课方式', '交付方式', '交付形式', '授课形式'] }),
    text('product_name', '产品名称', {
      dim: 'product',
      aliases: ['产品', '内容产品', '采购产品', '购买产品', '采购内容', '课程名称', '课程'],
    }),
    text('source_type', '来源类型', {
      dim: 'sourceType',
      aliases: ['来源', '采购类型', '签约类型', '合同类型', '业务类型'],
    }),
    int('purchase_year', '采购年份', {
      parse: 'year',
      aliases: ['年份', '年度', '采购时间', '采购日期', '购买时间', '签约时间', '签约日期', '时间', '日期'],
    }),
  ],
  filters: [
    f('org_name', 'contains', '机构名称'),
    f('yxt_industry_1', 'contains', '行业分类'),
    f('enterprise_type', 'contains', '企业类型'),
    f('staff_size', 'contains', '人员规模'),
    f('money', 'money', '金额'),
    f('class_type', 'contains', '班型'),
    f('product_name', 'contains', '产品名称'),
    f('source_type', 'contains', '来源类型'),
    f('staff_size_min', 'sizeMin', '人员规模≥'),
    f('staff_size_max', 'sizeMax', '人员规模≤'),
    f('yxt_industry_more', 'anyWord', '行业(多词)', 'yxt_industry_1'),
    f('purchase_year', 'year', '采购年份'),
  ],
  nameColumn: 'org_name',
  yearColumn: 'purchase_year',
  sizeColumns: ['staff_size_min', 'staff_size_max'],
  moneyColumn: 'money',
  detailColumns: [
    'yxt_industry_1',
    'enterprise_type',
    'staff_size',
    'product_name',
    'class_type',
    'money',
    'purchase_year',
  ],
}

const softwareCases: TableSpec = {
  key: 'software-cases',
  table: 'software_cases',
  intent: 'software',
  words: SOFTWARE_WORDS,
  // One archive per software customer.
  naturalKey: ['archive_name'],
  title: '平台合作客户',
  endpoint: 'ARjkhSaleCaseDetail',
  assistantType: '2',
  columns: [
    text('archive_name', '档案名称', { free: true, aliases: ['客户名称', '客户'] }),
    text('yxt_industry_1', '一级行业', { dim: 'industry', aliases: ['行业'] }),
    text('yxt_industry_2', '二级行业', { dim: 'industry2' }),
    text('enterprise_type', '企业类型', { dim: 'enterpriseType', aliases: ['企业性质'] }),
    text('staff_size', '人员规模', { parse: 'size', aliases: ['规模'] }),
    int('staff_size_min', '人员规模_最小值', { derivedFrom: 'staff_size' }),
    int('staff_size_max', '人员规模_最大值', { derivedFrom: 'staff_size' }),
    text('customer_province', '客户所在省', { dim: 'region', aliases: ['省份', '地区'] }),
    text('customer_keywords', '客户关键字', { free: true, aliases: ['关键字', '关键词'] }),
    int('account_count', '帐号数', { parse: 'int', aliases: ['账号数', '帐号数量', '账号数量'] }),
  ],
  filters: [
    f('archive_name', 'contains', '档案名称'),
    f('yxt_industry_1', 'contains', '一级行业'),
    f('yxt_industry_2', 'contains', '二级行业'),
    f('enterprise_type', 'contains', '企业类型'),
    f('staff_size_min', 'sizeMin', '人员规模≥'),
    f('staff_size_max', 'sizeMax', '人员规模≤'),
    f('customer_province', 'contains', '客户所在省'),
    f('customer_keywords', 'contains', '客户关键字'),
    f('account_count_gt', 'gt', '帐号数>', 'account_count'),
    f('account_count_lt', 'lt', '帐号数<', 'account_count'),
    f('yxt_industry_more', 'anyWord', '二级行业(多词)', 'yxt_industry_2'),
  ],
  nameColumn: 'archive_name',
  sizeColumns: ['staff_size_min', 'staff_size_max'],
  accountColumn: 'account_count',
  detailColumns: [
    'yxt_industry_1',
    'yxt_industry_2',
    'customer_province',
    'enterprise_type',
    'staff_size',
    'account_count',
  ],
  noteColumn: 'customer_keywords',
}

const tables: TableSpec[] = [contentCases, pitchPlans, competitorSwitches, procurements, softwareCases]

/**
 * Every case table, in priority order: the order of the help menu, of the LLM's choices and of the
 * numbered "which table?" question. Built-in tables first; registerTable adds more.
 */
export const TABLES: readonly TableSpec[] = tables

/**
 * Adds a case table (one spec, plus a migration creating its SQL table): search, the parser's words,
 * help, 统计 names, the LLM intent list and ANDY_ROBOT_INTENTS pick it up. `priority` places it among
 * the tables (0 = first; default last). Returns the function that removes it again.
 */
export function registerTable(
  spec: Omit<TableSpec, 'key' | 'intent'> & { key: string; intent: string },
  priority = tables.length,
): () => void {
  if (tables.some((t) => t.key === spec.key || t.intent === spec.intent || t.table === spec.table)) {
    throw new Error(`table ${spec.key} (${spec.intent}) is already registered`)
  }
  // A registered table's key and intent are strings the built-in unions do not name.
  tables.splice(Math.max(0, Math.min(priority, tables.length)), 0, spec as TableSpec)
  return () => {
    const i = tables.indexOf(spec as TableSpec)
    if (i >= 0) tables.splice(i, 1)
  }
}

export const TABLE_KEYS = TABLES.map((t) => t.key) as readonly TableKey[]

export function tableByKey(key: string): TableSpec | undefined {
  return TABLES.find((t) => t.key === key || t.table === key)
}

export function tableByIntent(intent: string): TableSpec | undefined {
  return TABLES.find((t) => t.intent === intent)
}

export function tableByEndpoint(endpoint: string): TableSpec | undefined {
  return TABLES.find((t) => t.endpoint === endpoint)
}

export function column(spec: TableSpec, name: string): ColumnSpec {
  const c = spec.columns.find((col) => col.name === name)
  if (!c) throw new Error(`${spec.table} has no column ${name}`)
  return c
}

/** Text columns searched by free keywords. */
export function textColumns(spec: TableSpec): string[] {
  return spec.columns.filter((c) => c.type === 'text' && !c.url).map((c) => c.name)
}

/** Columns of the table's bigram FTS index (drizzle/0001_fts.sql): the free-text columns. */
export function ftsColumns(spec: TableSpec): string[] {
  return spec.columns.filter((c) => c.free).map((c) => c.name)
}

/** Text columns held in memory as categories (everything textual but free text and URLs). */
export function categoryColumns(spec: TableSpec): string[] {
  return spec.columns.filter((c) => c.type === 'text' && !c.free && !c.url).map((c) => c.name)
}

/** Columns shown in replies, exports and the API's lie_biao (everything but derived helpers). */
export function outputColumns(spec: TableSpec): ColumnSpec[] {
  return spec.columns.filter((c) => !c.internal)
}
