/**
 * How admins' spreadsheets name a column when not by its label or an alias: with a filler prefix (所属行业,
 * 客户所在省份, 企业规模), a filler suffix (产品名称, 帐号数量) or a word of their own (员工人数 for 规模,
 * 开通帐号数 for 帐号数). Each variant is a header as normHeader gives it; the first one a table knows wins.
 */

const PREFIXES = ['客户所属', '客户所在', '所属', '所在', '客户', '企业', '公司', '合作']
const SUFFIXES = ['名称', '数量', '信息']

/** Words of their own → the alias a table uses (only used when the table has that alias). */
const SYNONYMS: Record<string, string[]> = {
  企业名称: ['客户名称', '客户'],
  公司名称: ['客户名称', '客户'],
  单位名称: ['客户名称', '客户'],
  客户全称: ['客户名称', '客户'],
  企业全称: ['客户名称', '客户'],
  员工人数: ['规模', '人员规模'],
  员工数: ['规模', '人员规模'],
  员工数量: ['规模', '人员规模'],
  人数: ['规模', '人员规模'],
  员工规模: ['规模', '人员规模'],
  人员数量: ['规模', '人员规模'],
  人员: ['规模', '人员规模'],
  开通帐号数: ['帐号数'],
  开通账号数: ['账号数'],
  开通帐号: ['帐号数'],
  开通账号: ['账号数'],
  帐号: ['帐号数'],
  账号: ['账号数'],
  用户数: ['帐号数'],
  省: ['省份'],
  省市: ['省份'],
  城市: ['地区'],
  性质: ['企业性质'],
  类型: ['企业类型'],
  竞品: ['竞品名称'],
  竞争对手: ['竞品名称'],
  签约金额: ['金额'],
  合同金额: ['金额'],
  成交金额: ['金额'],
}

/** The header itself, then without a filler prefix or suffix, then its synonyms (each normalised already). */
export function headerVariants(norm: string): string[] {
  const out = [norm]
  const add = (v: string) => {
    if (v && !out.includes(v)) out.push(v)
  }
  for (const p of PREFIXES) if (norm.startsWith(p) && norm.length > p.length) add(norm.slice(p.length))
  for (const s of SUFFIXES)
    for (const v of [...out]) if (v.endsWith(s) && v.length > s.length) add(v.slice(0, -s.length))
  for (const v of [...out]) for (const syn of SYNONYMS[v] ?? []) add(syn)
  return out
}
