import type { Db } from '../db/client.js'
import { casesVersion } from '../db/meta.js'
import { CaseIndex } from './case-index.js'
import { TABLES, type Dimension, type TableKey, type TableSpec } from './tables.js'

/**
 * The words Andy knows without an LLM: every category value present in the data (industries,
 * enterprise types, provinces, competitors, products, series, crowds, sales…), short forms derived from
 * them (制造业→制造, 江苏省→江苏, 民营企业→民营) and a small curated synonym list (国企→国有/央企 values).
 * A phrase resolves to the exact stored values it stands for, so searches use indexed IN (...) lookups.
 */

export interface DictHit {
  readonly table: TableKey
  readonly column: string
  readonly dim: Dimension
  readonly value: string
  /** 0: the phrase is the stored value; 1: a short form of it; 2: a curated synonym. */
  readonly tier: 0 | 1 | 2
}

export interface PhraseMatch {
  readonly start: number
  readonly end: number
  readonly phrase: string
  readonly hits: readonly DictHit[]
}

/** phrase → patterns: the phrase stands for every stored value of the dimension containing a pattern. */
const SYNONYMS: Partial<Record<Dimension, Array<[phrases: string[], patterns: string[]]>>> = {
  enterpriseType: [
    [['国企', '国有企业', '国有'], ['国企', '国有', '央企']],
    [['央企', '中央企业'], ['央企', '中央企业']],
    [['民企', '民营', '私企', '私营企业', '民营企业'], ['民营', '民企', '私营']],
    [['外企', '外资', '外资企业', '跨国公司', '跨国企业'], ['外资', '外企', '独资']],
    [['合资', '合资企业'], ['合资']],
    [['事业单位'], ['事业单位']],
    [['政府', '机关', '政府机关', '政企'], ['政府', '机关']],
    [['上市公司', '上市企业'], ['上市']],
  ],
  industry: [
    [['制造', '制造业', '工业', '工厂'], ['制造']],
    [['金融', '金融业'], ['金融', '银行', '保险', '证券', '基金']],
    [['银行', '银行业'], ['银行']],
    [['保险'], ['保险']],
    [['证券', '券商'], ['证券', '券商']],
    [['医药', '药企', '制药', '医疗', '生物医药'], ['医药', '医疗', '制药', '生物']],
    [['互联网', 'it', '科技', '信息技术'], ['互联网', '信息技术', '软件', '科技']],
    [['零售', '快消', '消费品'], ['零售', '快消', '消费']],
    [['地产', '房地产', '物业'], ['地产', '物业']],
    [['能源', '电力', '石油', '石化', '新能源'], ['能源', '电力', '石油', '石化', '电网']],
    [['汽车', '车企'], ['汽车']],
    [['通信', '电信', '运营商'], ['通信', '电信', '运营商']],
    [['物流', '运输', '快递'], ['物流', '运输', '快递', '交通']],
    [['建筑', '基建', '工程'], ['建筑', '基建', '工程']],
    [['餐饮', '酒店'], ['餐饮', '酒店']],
    [['教育', '学校'], ['教育', '培训机构', '学校']],
    [['政府', '政务'], ['政府', '政务', '公共']],
    [['化工'], ['化工']],
  ],
  region: [
    [['华东'], ['上海', '江苏', '浙江', '安徽', '福建', '江西', '山东']],
    [['华南'], ['广东', '广西', '海南']],
    [['华北'], ['北京', '天津', '河北', '山西', '内蒙古']],
    [['华中'], ['河南', '湖北', '湖南']],
    [['西南'], ['重庆', '四川', '贵州', '云南', '西藏']],
    [['西北'], ['陕西', '甘肃', '青海', '宁夏', '新疆']],
    [['东北'], ['辽宁', '吉林', '黑龙江']],
    [['长三角'], ['上海', '江苏', '浙江', '安徽']],
    [['珠三角', '大湾区'], ['广东', '香港', '澳门']],
  ],
  crowd: [
    [['新员工', '新人', '应届生', '校招'], ['新员工', '新人', '应届', '校招', '管培']],
    [['中层', '中层管理者', '中层干部'], ['中层']],
    [['高管', '高层'], ['高管', '高层']],
    [['基层管理者', '基层干部', '一线经理'], ['基层']],
    [['销售', '销售人员', '销售团队'], ['销售']],
    [['高潜', '高潜人才'], ['高潜']],
  ],
}

const ASCII_WORD = /^[a-z0-9]+$/
const ASCII_CHAR = /^[a-z0-9]$/

/** Values never used as phrases: too generic to mean a filter. */
const STOP_VALUES = new Set(['其他', '其它', '未知', '无', '暂无', '不详', '-', '—', 'n/a', 'na', 'null', '全部', '企业', '公司', '客户'])

/** Short forms derived from a stored value (only when at least two characters remain). */
function derivedForms(dim: Dimension, value: string): string[] {
  const out: string[] = []
  const strip = (re: RegExp) => {
    const s = value.replace(re, '')
    if (s !== value && [...s].length >= 2) out.push(s)
  }
  if (dim === 'industry' || dim === 'industry2') strip(/(行业|业)$/)
  if (dim === 'region') strip(/(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|地区)$/)
  if (dim === 'enterpriseType') strip(/(企业|单位)$/)
  if (dim === 'competitor') {
    strip(/(科技|网络|信息|集团|股份|有限公司|公司)+$/)
    const paren = /^(.+?)[(（](.+?)[)）]$/.exec(value)
    if (paren) out.push(paren[1]!, paren[2]!)
  }
  return out
}

export class Dictionary {
  private readonly phrases = new Map<string, DictHit[]>()
  private readonly indexes = new Map<TableKey, CaseIndex>()
  private maxLen = 0

  /**
   * Builds the in-memory case indexes of all five tables and, from their category values, the phrase
   * dictionary. (It is also what searches run on: see CaseIndex.)
   */
  static build(db: Db): Dictionary {
    return Dictionary.fromIndexes(TABLES.map((spec) => CaseIndex.build(db, spec)))
  }

  /** Same as build, but reads big tables in chunks and yields to the event loop (acks keep flowing). */
  static async buildAsync(db: Db): Promise<Dictionary> {
    const indexes: CaseIndex[] = []
    for (const spec of TABLES) indexes.push(await CaseIndex.buildAsync(db, spec))
    return Dictionary.fromIndexes(indexes)
  }

  private static fromIndexes(indexes: CaseIndex[]): Dictionary {
    const dict = new Dictionary()
    for (const index of indexes) {
      const spec = index.spec
      dict.indexes.set(spec.key, index)
      for (const col of spec.columns) {
        if (!col.dim) continue
        const values = index.categoryValues(col.name)
        if (values) dict.addColumn(spec, col.name, col.dim, values.map((v) => v.value))
      }
    }
    return dict
  }

  /** Rows held in the case indexes (all tables). */
  get rows(): number {
    let n = 0
    for (const i of this.indexes.values()) n += i.size
    return n
  }

  /** The in-memory index of a case table. */
  caseIndex(table: TableKey): CaseIndex {
    const index = this.indexes.get(table)
    if (!index) throw new Error(`no index for ${table}`)
    return index
  }

  private addColumn(spec: TableSpec, column: string, dim: Dimension, values: string[]): void {
    const add = (phrase: string, value: string, tier: DictHit['tier']) => {
      const key = phrase.normalize('NFKC').toLowerCase().trim()
      if ([...key].length < 2 || STOP_VALUES.has(key)) return
      const list = this.phrases.get(key) ?? []
      const same = list.findIndex((h) => h.table === spec.key && h.column === column && h.value === value)
      if (same < 0) list.push({ table: spec.key, column, dim, value, tier })
      else if (list[same]!.tier > tier) list[same] = { ...list[same]!, tier }
      this.phrases.set(key, list)
      this.maxLen = Math.max(this.maxLen, key.length)
    }
    for (const value of values) {
      if (STOP_VALUES.has(value.toLowerCase())) continue
      add(value, value, 0)
      for (const form of derivedForms(dim, value)) add(form, value, 1)
      for (const [phrases, patterns] of SYNONYMS[dim] ?? []) {
        if (patterns.some((p) => value.toLowerCase().includes(p))) for (const p of phrases) add(p, value, 2)
      }
    }
  }

  /** Whether the column is a category column whose every value is known (in the case index). */
  isCategory(table: TableKey, column: string): boolean {
    return this.indexes.get(table)?.isCategory(column) ?? false
  }

  /** Stored values of a category column that contain `text` (case-insensitive). */
  valuesContaining(table: TableKey, column: string, text: string): string[] {
    const needle = text.toLowerCase()
    return this.values(table, column).filter((v) => v.toLowerCase().includes(needle))
  }

  /** Distinct stored values of a category column, most common first. */
  values(table: TableKey, column: string): readonly string[] {
    return (this.indexes.get(table)?.categoryValues(column) ?? []).map((v) => v.value)
  }

  /**
   * Longest phrases in `text` (already normalised and lower-cased), left to right, without overlaps.
   * With `tables`, only phrases with hits in those tables count.
   */
  scan(text: string, tables?: readonly TableKey[]): PhraseMatch[] {
    const out: PhraseMatch[] = []
    let i = 0
    while (i < text.length) {
      let found: PhraseMatch | undefined
      for (let len = Math.min(this.maxLen, text.length - i); len >= 2; len--) {
        const phrase = text.slice(i, i + len)
        const hits = this.phrases.get(phrase)
        if (!hits) continue
        const inScope = tables ? hits.filter((h) => tables.includes(h.table)) : hits
        if (inScope.length === 0) continue
        // Exact values win over short forms, short forms over synonyms (per table).
        const best = new Map<TableKey, number>()
        for (const h of inScope) best.set(h.table, Math.min(best.get(h.table) ?? 9, h.tier))
        const scoped = inScope.filter((h) => h.tier === best.get(h.table))
        // Latin phrases (IT, SAP…) only as whole words, never inside another word.
        if (ASCII_WORD.test(phrase) && (ASCII_CHAR.test(text[i - 1] ?? '') || ASCII_CHAR.test(text[i + len] ?? ''))) continue
        found = { start: i, end: i + len, phrase, hits: scoped }
        break
      }
      if (found) {
        out.push(found)
        i = found.end
      } else {
        i++
      }
    }
    return out
  }

  get size(): number {
    return this.phrases.size
  }
}

/**
 * The dictionary (and case indexes) of a database, rebuilt when an import — in any process — bumped
 * cases_version (one indexed read per message). Small data sets are rebuilt at once; big ones in the
 * background, answering from the previous version meanwhile, so the process never freezes.
 */
export function createDictionaryProvider(db: Db, opts: { backgroundAbove?: number } = {}): { get(): Dictionary; invalidate(): void; warm(): Promise<void> } {
  const backgroundAbove = opts.backgroundAbove ?? 50_000
  let dict: Dictionary | undefined
  let version = ''
  let rebuilding: Promise<void> | undefined
  const rebuild = (v: string) => {
    rebuilding ??= Dictionary.buildAsync(db)
      .then((d) => {
        dict = d
        version = v
      })
      .finally(() => {
        rebuilding = undefined
      })
    return rebuilding
  }
  return {
    get() {
      const v = casesVersion(db)
      if (!dict || (v !== version && dict.rows < backgroundAbove)) {
        dict = Dictionary.build(db)
        version = v
      } else if (v !== version) {
        void rebuild(v).catch(() => undefined)
      }
      return dict
    },
    invalidate() {
      dict = undefined
    },
    async warm() {
      if (!dict) await rebuild(casesVersion(db))
    },
  }
}
